"""Runs one benchmark configuration in its own process and measures it from outside.

Peak RSS is the child's own ru_maxrss (os.wait4), so every configuration is measured alone and
no two configurations share a process. Standard library only.
"""
import os
import subprocess
import tempfile
import time
from dataclasses import dataclass


@dataclass
class Measured:
    returncode: int
    wall_s: float          # process wall time, start to exit (includes start-up and model load)
    peak_rss_mb: float     # the child's peak resident set size (ru_maxrss, KiB on Linux)
    user_s: float
    sys_s: float
    stdout: str
    stderr: str


def run_measured(argv, env=None, cwd=None):
    """Runs argv to completion; stdout/stderr go to temporary files (no pipe back-pressure)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.monotonic()
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                                env=env, cwd=cwd)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.monotonic() - start
        proc.returncode = os.waitstatus_to_exitcode(status)  # Popen must not wait again
        out.seek(0)
        err.seek(0)
        return Measured(
            returncode=proc.returncode,
            wall_s=wall,
            peak_rss_mb=usage.ru_maxrss / 1024.0,
            user_s=usage.ru_utime,
            sys_s=usage.ru_stime,
            stdout=out.read().decode("utf-8", "replace"),
            stderr=err.read().decode("utf-8", "replace"),
        )


def tail(text, lines=5):
    return "\n".join(text.strip().splitlines()[-lines:])
