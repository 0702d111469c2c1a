"""Where trials can run: Linux only.

Every trial runs in a child made with ``os.fork`` (no pickling of the table, a hard
kill at the deadline), which dies with its parent through ``prctl(PR_SET_PDEATHSIG)``,
and memory limits read ``/proc/self/statm``. Windows has no fork; macOS forks, but
forking a process that has loaded Accelerate/Objective-C libraries is unsafe there and
it has no /proc. Rather than every trial ending as ``crashed``, the commands that run
trials stop at once with one line (exit code 8). ``predict``, ``profile`` and
``recommend`` run no trials and are not stopped (but only Linux is tested).
"""

from __future__ import annotations

import os
import sys

from ._errors import PlatformError


def check_platform(command: str = "this command") -> None:
    """Raise ``PlatformError`` unless trials can run here."""
    if not sys.platform.startswith("linux"):
        raise PlatformError(f"{command} runs its trials in forked worker processes and reads "
                            f"/proc, which only Linux offers (this is {sys.platform}): run it "
                            "on Linux (a container or WSL 2 will do)")
    if not hasattr(os, "fork") or not os.path.exists("/proc/self/statm"):
        raise PlatformError(f"{command} needs os.fork and /proc, missing here: mount /proc "
                            "(e.g. in a chroot) or run it on a standard Linux system")
