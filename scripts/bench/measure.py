"""Runs one benchmark configuration in its own process and measures it from outside.

Peak RSS is the command's own ru_maxrss, so every configuration is measured alone and no two
configurations share a process. The command is started by GNU time (`/usr/bin/time`, Debian
package `time`), which forks it from its own small process and prints its ru_maxrss: a child
that Python starts directly is made with vfork, and the kernel counts the parent's resident set
(hundreds of MB once faster-whisper is imported) into the child's ru_maxrss at its exec, so
both engines read the parent's size (626 MB each in one run). Standard library otherwise.
"""
import os
import subprocess
import tempfile
import time
from dataclasses import dataclass

GNU_TIME = "/usr/bin/time"
RSS_MARK = "captiond-bench-maxrss-kib="


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
    if not os.access(GNU_TIME, os.X_OK):
        raise RuntimeError(f"{GNU_TIME} is missing: install the Debian package 'time' (scripts/setup-deps does)")
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, \
            tempfile.NamedTemporaryFile(mode="r") as rss:
        start = time.monotonic()
        proc = subprocess.Popen([GNU_TIME, "-q", "-o", rss.name, "-f", RSS_MARK + "%M"] + list(argv),
                                stdin=subprocess.DEVNULL, stdout=out, stderr=err, env=env, cwd=cwd)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.monotonic() - start
        proc.returncode = os.waitstatus_to_exitcode(status)  # Popen must not wait again
        out.seek(0)
        err.seek(0)
        # user/sys: wait4 of time includes its waited-for child (time itself costs ~1 ms).
        kib = [int(line[len(RSS_MARK):]) for line in rss.read().splitlines() if line.startswith(RSS_MARK)]
        return Measured(
            returncode=proc.returncode,
            wall_s=wall,
            peak_rss_mb=(kib[-1] if kib else 0) / 1024.0,
            user_s=usage.ru_utime,
            sys_s=usage.ru_stime,
            stdout=out.read().decode("utf-8", "replace"),
            stderr=err.read().decode("utf-8", "replace"),
        )


def tail(text, lines=5):
    return "\n".join(text.strip().splitlines()[-lines:])
