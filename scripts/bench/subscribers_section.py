"""Idle subscribers: what 1,000 connected, idle caption subscribers cost the daemon.

A fresh `captiond` (tiny.en, a file source of one second of silence, so its input ends at once and
it goes idle) is measured for `--subscribers-seconds` with no subscriber, then with
`--subscribers` (default 1,000) subscribers connected and idle (each got its hello; they read
nothing more). Reported: daemon CPU % of one core in each phase, RSS and thread count before and
after, and the number served. Issue 10's target: < 5% of a core and < 50 MB for the 1,000.
"""
import os
import resource
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

NAME = "subscribers"
TARGETS = {"cpu_pct_one_core": 5.0, "rss_delta_mb": 50.0}


def add_arguments(ap):
    ap.add_argument("--subscribers", type=int, default=1000, help="idle subscribers to connect (subscribers section)")
    ap.add_argument("--subscribers-seconds", type=float, default=20.0, help="measuring time per phase (subscribers section)")
    ap.add_argument("--subscribers-model", default="tiny.en", help="model the daemon loads (subscribers section)")


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def proc_status(pid, key):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return None


def silence_wav(path, seconds=1.0, rate=16000):
    n = int(seconds * rate)
    with open(path, "wb") as f:
        f.write(b"RIFF" + struct.pack("<I", 36 + 2 * n) + b"WAVE")
        f.write(b"fmt " + struct.pack("<IHHIIHH", 16, 1, 1, rate, 2 * rate, 2, 16))
        f.write(b"data" + struct.pack("<I", 2 * n) + b"\0" * (2 * n))


def measure_cpu(pid, seconds):
    c0, t0 = cpu_seconds(pid), time.monotonic()
    time.sleep(seconds)
    return 100.0 * (cpu_seconds(pid) - c0) / (time.monotonic() - t0)


def run(ctx, args):
    captiond = os.path.join(os.path.dirname(ctx.captionctl), "captiond")
    if not os.access(captiond, os.X_OK):
        return {"rows": [{"error": f"captiond not built next to {ctx.captionctl}"}]}
    want = args.subscribers
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    need = 2 * want + 256   # our sockets, and the daemon's (it inherits this limit and raises its own)
    if soft < need:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (min(need, hard), hard))
        except (ValueError, OSError):
            pass
    with tempfile.TemporaryDirectory(prefix="bench-subs-") as tmp:
        wav = os.path.join(tmp, "silence.wav")
        silence_wav(wav)
        conf = os.path.join(tmp, "captiond.toml")
        with open(conf, "w") as f:
            f.write(f'[audio]\nsource = "file"\nfile = "{wav}"\npace = "fast"\n'
                    f'[model]\nname = "{args.subscribers_model}"\ndir = "{ctx.models}"\nlanguage = "en"\n'
                    f'[sockets]\ncaptions = "{tmp}/c.sock"\ncontrol = "{tmp}/ctl.sock"\nmode = "0600"\ngroup = ""\n'
                    f'[log]\nlevel = "info"\n')
        daemon = subprocess.Popen([captiond, "--config", conf], stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
        marks = {}
        log = []

        def watch():
            for line in daemon.stderr:
                log.append(line.rstrip())
                if "audio input ended" in line:
                    marks["idle"] = time.monotonic()
        threading.Thread(target=watch, daemon=True).start()
        subs = []
        try:
            deadline = time.monotonic() + 120
            while "idle" not in marks:
                if daemon.poll() is not None or time.monotonic() > deadline:
                    return {"rows": [{"error": f"captiond did not reach idle (exit {daemon.poll()}): {' | '.join(log[-3:])}"}]}
                time.sleep(0.05)
            time.sleep(1.0)
            pid = daemon.pid
            rss0, threads0 = proc_status(pid, "VmRSS"), proc_status(pid, "Threads")
            ctx.progress(f"subscribers: daemon idle; measuring {args.subscribers_seconds:.0f} s with no subscriber")
            cpu0 = measure_cpu(pid, args.subscribers_seconds)
            ctx.progress(f"subscribers: connecting {want} subscribers")
            t0 = time.monotonic()
            refused = 0
            for i in range(want):
                s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                s.connect(f"{tmp}/c.sock")
                subs.append(s)
            served = 0
            for s in subs:
                s.settimeout(30)
                first = s.recv(4096)
                if b'"hello"' in first:
                    served += 1
                elif b"too_many_subscribers" in first:
                    refused += 1
            connect_s = time.monotonic() - t0
            time.sleep(1.0)
            ctx.progress(f"subscribers: {served} served; measuring {args.subscribers_seconds:.0f} s idle")
            cpu1 = measure_cpu(pid, args.subscribers_seconds)
            rss1, threads1 = proc_status(pid, "VmRSS"), proc_status(pid, "Threads")
        finally:
            for s in subs:
                s.close()
            daemon.send_signal(signal.SIGTERM)
            try:
                daemon.wait(timeout=30)
            except subprocess.TimeoutExpired:
                daemon.kill()
    rss_delta = (rss1 - rss0) / 1024.0
    row = {"subscribers": want, "served": served, "refused": refused, "connect_and_hello_s": connect_s,
           "cpu_pct_idle_no_subscribers": cpu0, "cpu_pct_idle_with_subscribers": cpu1,
           "rss_mb_before": rss0 / 1024.0, "rss_mb_after": rss1 / 1024.0, "rss_delta_mb": rss_delta,
           "threads_before": threads0, "threads_after": threads1}
    summary = {"cpu_pct_one_core": {"value": cpu1}, "rss_delta_mb": {"value": rss_delta}}
    for k, s in summary.items():
        s["target"] = TARGETS[k]
        s["meets_target"] = s["value"] <= TARGETS[k] and served == want
    return {"rows": [row], "summary": summary}


def report(result, write):
    for r in result.get("rows", []):
        if "error" in r:
            write(f"  error: {r['error']}")
            continue
        write(f"  {r['served']}/{r['subscribers']} subscribers served ({r['refused']} refused), "
              f"connected and greeted in {r['connect_and_hello_s']:.2f} s")
        write(f"  daemon CPU while idle: {r['cpu_pct_idle_no_subscribers']:.2f}% of one core without subscribers, "
              f"{r['cpu_pct_idle_with_subscribers']:.2f}% with them (target < 5%)")
        write(f"  daemon RSS: {r['rss_mb_before']:.1f} MB -> {r['rss_mb_after']:.1f} MB "
              f"(+{r['rss_delta_mb']:.1f} MB; target < 50 MB); threads {r['threads_before']} -> {r['threads_after']}")
    s = result.get("summary")
    if s:
        ok = all(v["meets_target"] for v in s.values())
        write(f"  targets: {'ok' if ok else 'MISSED'}")
