"""`make bench-reliability`, part 2: faults and concurrency soak (issue 18).

Rounds of, each as real ``automl`` processes:

- two ``automl fit -o DIR`` at once, without --force (expected: one exit 0, one exit
  6) and with --force (both 0); DIR must load, nothing may be left beside it;
- two ``automl predict -o FILE`` at once, the same; FILE must equal a single run's;
- ``automl fit`` killed with SIGKILL, in turn at a random moment, at a random moment
  inside a trial and while it saves the model (seeded): counts where the kills
  landed, trial processes that outlived the fit (orphans), partial model
  directories, and temporaries the next fit failed to remove.

Prints one summary line per check and appends it to ``bench-results/faults.txt``.
Exit status 1 when any check failed.

Usage (from the repository root, with the project's venv)::

    python tests/bench/bench_faults.py                 # 5 rounds of each pair, 20 kills
    python tests/bench/bench_faults.py --rounds 2 --kills 5
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
DEFAULT_OUT = ROOT / "bench-results" / "faults.txt"
AUTOML = [sys.executable, "-c", "from automl_cli.cli import main; main()"]
FAST = ["--max-trials", "1", "--no-metalearning", "--cv", "2", "-q"]


def _run_pair(args_a, args_b, env=None):
    procs = [subprocess.Popen([*AUTOML, *map(str, a)], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, env=env)
             for a in (args_a, args_b)]
    return [(p.wait(), p.stderr.read()) for p in procs]


def _leftovers(directory: Path, name: str) -> list[str]:
    return [p.name for p in directory.iterdir() if p.name.startswith(f".{name}.")]


def _loads(model_dir: Path) -> bool:
    from automl_cli._artifact import load_model

    try:
        load_model(model_dir)
        return True
    except Exception:  # noqa: BLE001 - any failure counts
        return False


def table(path: Path, n: int = 4000, seed: int = 0) -> Path:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 20))
    frame = pd.DataFrame(X, columns=[f"x{i}" for i in range(20)])
    frame["c"] = rng.choice(["a", "b", "c"], size=n)
    frame["y"] = np.where(X[:, 0] + X[:, 1] * X[:, 2] + rng.normal(size=n) > 0, "p", "q")
    frame.to_csv(path, index=False)
    return path


def concurrent_fits(work: Path, data: Path, rounds: int, force: bool) -> dict:
    ok = 0
    problems = []
    for r in range(rounds):
        out = work / f"fit{int(force)}-{r}"
        extra = ["--force"] if force else []
        results = _run_pair(["fit", data, "-o", out, *extra, *FAST],
                            ["fit", data, "-o", out, *extra, *FAST])
        codes = sorted(c for c, _ in results)
        expected = [0, 0] if force else [0, 6]
        loser_ok = force or any("already exists" in e for c, e in results if c == 6)
        if codes == expected and loser_ok and _loads(out) and not _leftovers(work, out.name):
            ok += 1
        else:
            problems.append(f"round {r}: exits {codes}")
    return {"check": f"two fits at once{' --force' if force else ''}", "rounds": rounds,
            "ok": ok, "problems": problems}


def concurrent_predicts(work: Path, data: Path, model: Path, rounds: int, force: bool) -> dict:
    reference = work / "reference.csv"
    subprocess.run([*AUTOML, "predict", model, data, "-o", reference, "--force", "-q"],
                   check=True, stdout=subprocess.DEVNULL)
    expected_text = reference.read_text()
    ok, problems = 0, []
    for r in range(rounds):
        out = work / f"p{int(force)}-{r}.csv"
        extra = ["--force"] if force else []
        results = _run_pair(["predict", model, data, "-o", out, "--chunk-rows", "1000", *extra],
                            ["predict", model, data, "-o", out, "--chunk-rows", "1000", *extra])
        codes = sorted(c for c, _ in results)
        same = out.exists() and out.read_text() == expected_text
        tmp = [p for p in work.iterdir() if p.name.startswith(f".{out.name}.")]
        if codes == ([0, 0] if force else [0, 6]) and same and not tmp:
            ok += 1
        else:
            problems.append(f"round {r}: exits {codes}, same={same}, temporaries={len(tmp)}")
    return {"check": f"two predicts at once{' --force' if force else ''}", "rounds": rounds,
            "ok": ok, "problems": problems}


def _tagged(tag: bytes) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if tag in (entry / "environ").read_bytes() and \
                        (entry / "stat").read_text().rsplit(")", 1)[1].split()[0] != "Z":
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def _wait_for(pred, seconds: float, proc) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and proc.poll() is None:
        if pred():
            return True
        time.sleep(0.01)
    return False


def _kill_at(mode: str, proc, token: bytes, tmp_glob, rng) -> str:
    """Wait for the moment ``mode`` names, SIGKILL the fit; where the kill landed."""
    if mode == "random":
        time.sleep(rng.uniform(0.5, 15.0))
    elif mode == "in a trial":
        _wait_for(lambda: len(_tagged(token)) > 1, 120, proc)
        time.sleep(rng.uniform(0.0, 3.0))
    else:
        _wait_for(tmp_glob, 180, proc)
    if proc.poll() is not None:
        return "after it ended"
    saving, trial = tmp_glob(), len(_tagged(token)) > 1
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    return "saving" if saving else "in a trial" if trial else "starting"


def kills(work: Path, data: Path, n: int, seed: int, budget: float) -> dict:
    """``n`` kills, in turn at a random moment, inside a trial and while saving."""
    rng = random.Random(seed)
    out = work / "killed"
    landed: dict[str, int] = {}
    orphans = partial = 0
    for i in range(n):
        token = uuid.uuid4().hex
        env = {**os.environ, "AUTOML_FAULT_TAG": token}
        proc = subprocess.Popen([*AUTOML, "fit", data, "-o", out, "--force", "--time-budget",
                                 str(budget), "--n-jobs", "2", "-q"], env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        mode = ("random", "in a trial", "saving")[i % 3]
        where = _kill_at(mode, proc, token.encode(), lambda p=proc.pid: any(
            f".tmp-{p}-" in name for name in _leftovers(work, out.name)), rng)
        landed[where] = landed.get(where, 0) + 1
        deadline = time.monotonic() + 5
        while (left := _tagged(token.encode())) and time.monotonic() < deadline:
            time.sleep(0.1)
        orphans += len(left)
        if out.exists() and not _loads(out):
            partial += 1
    subprocess.run([*AUTOML, "fit", data, "-o", out, "--force", *FAST], check=True,
                   stdout=subprocess.DEVNULL)
    stale = len(_leftovers(work, out.name))
    good = orphans == 0 and partial == 0 and stale == 0
    return {"check": "kill -9 of fit", "rounds": n, "ok": n if good else 0,
            "problems": [] if good else [f"orphans {orphans}, partial {partial}, stale {stale}"],
            "detail": f"landed {landed}; orphans {orphans}; partial dirs {partial}; "
                      f"temporaries left after the next fit {stale}"}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--kills", type=int, default=20)
    ap.add_argument("--seed", type=int, default=18)
    ap.add_argument("--budget", type=float, default=30.0)
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = ap.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="bench-faults-"))
    t0 = time.time()
    try:
        data = table(work / "train.csv")
        model = work / "model"
        subprocess.run([*AUTOML, "fit", data, "-o", model, *FAST], check=True,
                       stdout=subprocess.DEVNULL)
        results = [concurrent_fits(work, data, args.rounds, False),
                   concurrent_fits(work, data, args.rounds, True),
                   concurrent_predicts(work, data, model, args.rounds, False),
                   concurrent_predicts(work, data, model, args.rounds, True),
                   kills(work, data, args.kills, args.seed, args.budget)]
    finally:
        shutil.rmtree(work, ignore_errors=True)
    lines = [f"# bench_faults {time.strftime('%Y-%m-%d %H:%M')} seed {args.seed}, "
             f"{time.time() - t0:.0f} s"]
    for r in results:
        line = f"{r['check']}: {r['ok']}/{r['rounds']} ok"
        if r.get("detail"):
            line += f" ({r['detail']})"
        if r["problems"]:
            line += "; " + "; ".join(r["problems"])
        lines.append(line)
    print("\n".join(lines))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with open(args.out, "a") as fh:
        fh.write("\n".join(lines) + "\n")
    return 0 if all(r["ok"] == r["rounds"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
