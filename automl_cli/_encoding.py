"""Which text encoding a table's bytes are in: BOMs, UTF-16 without one, UTF-8,
then a guess for the legacy code pages that spreadsheet exports still produce."""

from __future__ import annotations

import codecs
import re
import statistics

#: Byte-order marks, longest first (UTF-32-LE's starts with UTF-16-LE's).
BOMS = [(codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
        (codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16")]
#: Bytes that Windows-1252 leaves undefined: text holding them is in another code page.
_CP1252_HOLES = frozenset(b"\x81\x8d\x8f\x90\x9d")
_WORD = re.compile(r"[^\W\d_]+")
_NAMES = {"utf-8-sig": "UTF-8", "utf-16": "UTF-16", "utf-16-le": "UTF-16-LE",
          "utf-16-be": "UTF-16-BE", "utf-32": "UTF-32", "cp932": "Shift_JIS (cp932)",
          "latin-1": "Latin-1"}


class NotText(ValueError):
    """The bytes are binary, not text in any encoding we read."""


def encoding_name(encoding: str) -> str:
    """The name users know an encoding by: cp1251 -> Windows-1251."""
    m = re.fullmatch(r"cp(125\d)", encoding)
    return f"Windows-{m.group(1)}" if m else _NAMES.get(encoding, encoding)


def detect(raw: bytes) -> tuple[str, bool]:
    """(Python codec for these bytes, whether it is a guess worth a note).

    ``raw`` is the start of a file (or all of it). Raises ``NotText`` for binary bytes.
    """
    for bom, encoding in BOMS:
        if raw.startswith(bom):
            return _checked(raw, encoding), False
    wide = _utf16_without_bom(raw[:4096])
    if wide:
        return _checked(raw, wide), False
    if b"\x00" in raw[:4096]:
        raise NotText("NUL bytes")
    if _decodes(raw, "utf-8"):
        return "utf-8-sig", False
    return guess_legacy(raw), True


def _checked(raw: bytes, encoding: str) -> str:
    """``encoding``, if the bytes read as text in it: binary junk can start with a BOM
    or have NULs in every other byte, and then decodes into control characters."""
    text = decode_head(raw[:4096], encoding)
    if text and sum(c.isprintable() or c.isspace() for c in text) < 0.95 * len(text):
        raise NotText(f"not {encoding_name(encoding)} text")
    return encoding


def decode_head(raw: bytes, encoding: str) -> str:
    """Decode the start of a file; a character cut by the end of the window is dropped."""
    return codecs.getincrementaldecoder(encoding)(errors="replace").decode(raw, final=False)


def _decodes(raw: bytes, encoding: str) -> bool:
    try:
        codecs.getincrementaldecoder(encoding)().decode(raw, final=False)
        return True
    except UnicodeDecodeError:
        return False


def _utf16_without_bom(raw: bytes) -> str | None:
    """UTF-16 of mostly ASCII text has a NUL in every other byte."""
    even, odd = raw[0::2], raw[1::2]
    if len(odd) < 8:
        return None
    zeros_even, zeros_odd = even.count(0) / len(even), odd.count(0) / len(odd)
    if zeros_odd > 0.3 and zeros_even < 0.05:
        return "utf-16-le"
    if zeros_even > 0.3 and zeros_odd < 0.05:
        return "utf-16-be"
    return None


def guess_legacy(raw: bytes) -> str:
    """Windows-1252 when the bytes read as Western text, else charset-normalizer's
    guess (it alone mistakes Western text for Baltic code pages, hence the order)."""
    if not _CP1252_HOLES & set(raw) and _reads_as_western(raw.decode("cp1252")):
        return "cp1252"
    try:
        from charset_normalizer import from_bytes
    except ImportError:       # a dependency of requests, itself one of openml
        return "latin-1"
    best = from_bytes(raw).best()
    if best is None or best.encoding in ("ascii", "utf_8"):
        return "latin-1"      # every byte is a character: reading never fails
    return best.encoding


def _reads_as_western(text: str) -> bool:
    """Western words have a few accented letters among plain ones; Cyrillic or
    Greek read through Windows-1252 turns every letter of a word into an accented one."""
    shares = [sum(ord(c) > 127 for c in w) / len(w) for w in _WORD.findall(text)
              if any(ord(c) > 127 for c in w)]
    return not shares or statistics.median(shares) < 0.5
