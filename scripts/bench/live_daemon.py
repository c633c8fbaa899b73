"""Watching a captiond started by a bench section: its log lines, its caption socket, its events.

Shared by the sections that run the daemon live (streaming, keepup, avnoise)."""
import json
import os
import subprocess
import threading
import time


def watch_log(daemon, marks, on_line=None):
    """Reads the daemon's stderr on a thread: marks["ready"] and marks["ended"] get the monotonic
    time of the ready line and of the end of the audio input; `on_line(line)` sees every line
    (after the ready mark is set)."""
    def run():
        for line in daemon.stderr:
            if "ready:" in line and "ready" not in marks:
                marks["ready"] = time.monotonic()
            if on_line:
                on_line(line)
            if "audio input ended" in line:
                marks["ended"] = time.monotonic()
    threading.Thread(target=run, daemon=True).start()


def wait_for_socket(daemon, path, timeout, poll=0.02):
    """Waits until the caption socket exists; raises when the daemon exits or `timeout` passes."""
    deadline = time.monotonic() + timeout
    while not os.path.exists(path):
        if daemon.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"captiond did not start (exit {daemon.poll()})")
        time.sleep(poll)


def subscribe(captionctl, socket):
    """`captionctl subscribe --json` read on a thread: (process, events, reading thread), events
    growing as (monotonic time, decoded JSON) pairs."""
    sub = subprocess.Popen([captionctl, "subscribe", "--json", "--socket", socket],
                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    events = []

    def read():
        for line in sub.stdout:
            try:
                events.append((time.monotonic(), json.loads(line)))
            except ValueError:
                pass
    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    return sub, events, reader
