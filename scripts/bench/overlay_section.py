"""Overlay: the delay from a final caption to its text on the `captionctl overlay` page.

A fresh `captiond` (tiny.en by default) captions the English pocketsphinx WAV clips (LibriVox, 5 clips,
~35 s) joined with 1.5 s of silence between them, paced in real time. `captionctl overlay` bridges
its caption socket; headless Chromium (Debian's `chromium`) shows the page for the whole run with
`?trace=1`, so the page logs every final it draws (the text read back from the DOM, Date.now()).
A direct subscriber of the caption socket (this script) notes when each final arrives. Reported:
the delay from that arrival to the page's draw (median, 95th percentile, max; issue 14's target:
the page's text equals the final within 1 s), how many finals the page drew, and whether its last
final line equals the daemon's last final. A screenshot (1280 × 720) of the page at the end is
written to --overlay-screenshot for a person to look at.
"""
import json
import os
import re
import signal
import socket
import statistics
import struct
import subprocess
import tempfile
import threading
import time
import wave

from live_daemon import wait_for_socket, watch_log

NAME = "overlay"
TARGETS = {"median_delay_ms": 1000.0}
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CHROMIUM = "/usr/bin/chromium"


def add_arguments(ap):
    g = ap.add_argument_group("overlay section")
    g.add_argument("--overlay-model", default="tiny.en", help="model the daemon loads (overlay section)")
    g.add_argument("--overlay-screenshot", default=os.path.join(REPO, ".build", "bench-overlay", "overlay.png"),
                   help="PNG of the caption page at the end of the run")


def joined_wav(fixtures, path, gap=1.5):
    """The pocketsphinx clips (16 kHz mono s16) joined by `gap` s of silence, 3 s of it first."""
    clips = sorted(f for f in os.listdir(os.path.join(fixtures, "pocketsphinx")) if f.endswith(".wav"))
    pcm = b"\0" * int(3 * 32000)
    for name in clips:
        with wave.open(os.path.join(fixtures, "pocketsphinx", name)) as w:
            if w.getframerate() != 16000 or w.getnchannels() != 1 or w.getsampwidth() != 2:
                raise RuntimeError(f"{name}: expected 16 kHz mono 16-bit")
            pcm += w.readframes(w.getnframes()) + b"\0" * int(gap * 32000)
    with open(path, "wb") as f:
        f.write(b"RIFF" + struct.pack("<I", 36 + len(pcm)) + b"WAVE")
        f.write(b"fmt " + struct.pack("<IHHIIHH", 16, 1, 1, 16000, 32000, 2, 16))
        f.write(b"data" + struct.pack("<I", len(pcm)) + pcm)
    return len(clips), len(pcm) / 32000


def wait(what, timeout, cond, poll=0.05):
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        time.sleep(poll)


def browser(tmp, extra):
    return [CHROMIUM, "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run", "--mute-audio",
            f"--user-data-dir={tempfile.mkdtemp(dir=tmp, prefix='chromium-')}"] + extra


def drawn(log_path):
    out = []
    with open(log_path, errors="replace") as f:
        for line in f:
            i = line.find('"captiond-overlay ')
            j = line.rfind('", source:')
            if i < 0 or j < i:
                continue
            try:
                out.append(json.loads(line[i + len('"captiond-overlay '):j]))
            except ValueError:
                pass
    return out


def run(ctx, args):
    bindir = os.path.dirname(ctx.captionctl)
    captiond = os.path.join(bindir, "captiond")
    if not os.access(captiond, os.X_OK) or not ctx.captionctl_ok:
        return {"rows": [{"error": f"captiond/captionctl not built in {bindir}"}]}
    if not os.access(CHROMIUM, os.X_OK):
        return {"rows": [{"error": f"{CHROMIUM} missing: run scripts/setup-deps (Debian's chromium)"}]}
    procs = []
    with tempfile.TemporaryDirectory(prefix="bench-overlay-") as tmp:
        wav = os.path.join(tmp, "speech.wav")
        clips, seconds = joined_wav(ctx.fixtures, wav)
        conf = os.path.join(tmp, "captiond.toml")
        with open(conf, "w") as f:
            f.write(f'[audio]\nsource = "file"\nfile = "{wav}"\npace = "realtime"\n'
                    f'[model]\nname = "{args.overlay_model}"\ndir = "{ctx.models}"\nlanguage = "en"\n'
                    f'[sockets]\ncaptions = "{tmp}/c.sock"\ncontrol = "{tmp}/ctl.sock"\nmode = "0600"\ngroup = ""\n')
        try:
            out_path, err_path = os.path.join(tmp, "overlay.out"), os.path.join(tmp, "overlay.err")
            overlay = subprocess.Popen([ctx.captionctl, "overlay", "--port", "0", "--socket", f"{tmp}/c.sock"],
                                       stdout=open(out_path, "w"), stderr=open(err_path, "w"))
            procs.append(overlay)
            url = []

            def have_url():
                m = re.search(r"http://127\.0\.0\.1:\d+/", open(out_path).read())
                if m:
                    url.append(m.group(0))
                if overlay.poll() is not None:
                    raise RuntimeError("captionctl overlay exited: " + open(err_path).read()[-300:])
                return bool(m)
            wait("the overlay's URL", 30, have_url)
            daemon = subprocess.Popen([captiond, "--config", conf], stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
            procs.append(daemon)
            marks = {}
            watch_log(daemon, marks)
            wait_for_socket(daemon, f"{tmp}/c.sock", 120)
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.connect(f"{tmp}/c.sock")
            finals = []

            def read():
                buf = b""
                while True:
                    data = s.recv(65536)
                    if not data:
                        return
                    buf += data
                    while b"\n" in buf:
                        line, buf = buf.split(b"\n", 1)
                        now = time.time() * 1000
                        try:
                            e = json.loads(line)
                        except ValueError:
                            continue
                        if e.get("type") == "final" and e.get("text", "").strip():
                            finals.append((e["seq"], e["text"].strip(), now))
            threading.Thread(target=read, daemon=True).start()
            live_log = os.path.join(tmp, "chromium.log")
            live = subprocess.Popen(browser(tmp, ["--enable-logging=stderr", "--v=0", url[0] + "?trace=1"]),
                                    stdout=subprocess.DEVNULL, stderr=open(live_log, "w"))
            procs.append(live)
            wait("the page's event stream", 60, lambda: sum(d["event"] == "state" for d in drawn(live_log)) >= 2)
            ctx.progress(f"overlay: page connected; captioning {clips} clips ({seconds:.0f} s, real time)")
            wait("the end of the input", seconds + 180, lambda: "ended" in marks or daemon.poll() is not None)
            time.sleep(3)
            page = [d for d in drawn(live_log) if d["event"] == "final"]
            by_seq = {d["seq"]: d for d in page}
            delays = [by_seq[seq]["t"] - ms for seq, _, ms in finals if seq in by_seq]
            last_ok = bool(finals) and bool(page) and page[-1]["seq"] == finals[-1][0] and page[-1]["text"] == finals[-1][1]
            os.makedirs(os.path.dirname(args.overlay_screenshot), exist_ok=True)
            subprocess.run(browser(tmp, [f"--screenshot={args.overlay_screenshot}", "--window-size=1280,720",
                                         "--default-background-color=3a3a3aff", url[0] + "?size=48&position=bottom&lines=2"]),
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60)
        finally:
            for p in reversed(procs):
                if p.poll() is None:
                    p.send_signal(signal.SIGTERM)
                    try:
                        p.wait(timeout=20)
                    except subprocess.TimeoutExpired:
                        p.kill()
    if not delays:
        return {"rows": [{"error": f"no final reached the page ({len(finals)} finals from the daemon)"}]}
    q = statistics.quantiles(delays, n=20, method="inclusive") if len(delays) >= 2 else delays * 19
    row = {"clips": clips, "audio_s": seconds, "finals": len(finals), "drawn": len(delays),
           "median_delay_ms": statistics.median(delays), "p95_delay_ms": q[18], "max_delay_ms": max(delays),
           "last_final_matches": last_ok, "screenshot": args.overlay_screenshot}
    med = row["median_delay_ms"]
    summary = {"median_delay_ms": {"value": med, "target": TARGETS["median_delay_ms"],
                                   "meets_target": med <= TARGETS["median_delay_ms"] and last_ok}}
    return {"rows": [row], "summary": summary}


def report(result, write):
    for r in result.get("rows", []):
        if "error" in r:
            write(f"  error: {r['error']}")
            continue
        write(f"  {r['drawn']}/{r['finals']} finals drawn by the page ({r['clips']} clips, {r['audio_s']:.0f} s of audio)")
        write(f"  delay final -> page text: median {r['median_delay_ms']:.1f} ms, p95 {r['p95_delay_ms']:.1f} ms, "
              f"max {r['max_delay_ms']:.1f} ms (target: within 1000 ms)")
        write(f"  page's last final line equals the daemon's last final: {r['last_final_matches']}")
        write(f"  screenshot: {r['screenshot']}")
    s = result.get("summary")
    if s:
        write(f"  targets: {'ok' if all(v['meets_target'] for v in s.values()) else 'MISSED'}")
