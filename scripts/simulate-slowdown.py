#!/usr/bin/env python3
"""The EndToEndLiveTests stream on a slower machine: `captionctl simulate --paced --slowdown K`.

The stream is the end-to-end test's (jfk.wav, 2 s of silence, jfk.wav from 3 s on; tiny.en). Each
run's finals up to the first copy's "... for your country" are scored against the clip's reference
(word errors after lower-casing and dropping punctuation). Under AddressSanitizer, or beside a busy
process, the daemon's decodes are several times slower; K = 6-12 reproduced the loss the CI saw.

Usage: scripts/simulate-slowdown.py --captionctl BIN [--slowdowns 6,8,10,12] [--runs 3]
       [--fixtures DIR] [--models DIR]
"""
import argparse
import os
import re
import subprocess
import tempfile
import wave

HERE = os.path.dirname(os.path.abspath(__file__))
REFERENCE = "And so my fellow Americans, ask not what your country can do for you, ask what you can do for your country."


def words(text):
    return re.sub(r"[^a-z' ]", " ", text.lower()).split()


def errors(ref, hyp):
    """Word edit distance."""
    d = list(range(len(hyp) + 1))
    for i, a in enumerate(ref, 1):
        prev, d[0] = d[:], i
        for j, b in enumerate(hyp, 1):
            d[j] = min(prev[j] + 1, d[j - 1] + 1, prev[j - 1] + (a != b))
    return d[-1]


def build_stream(jfk, path):
    with wave.open(jfk) as w:
        if (w.getframerate(), w.getnchannels(), w.getsampwidth()) != (16000, 1, 2):
            raise SystemExit(f"{jfk}: expected 16-kHz mono 16-bit PCM")
        clip = w.readframes(w.getnframes())
    with wave.open(path, "wb") as o:
        o.setnchannels(1)
        o.setsampwidth(2)
        o.setframerate(16000)
        o.writeframes(clip + b"\0\0" * 32000 + clip[48000 * 2:])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--captionctl", required=True)
    ap.add_argument("--slowdowns", default="6,8,10,12")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--streaming", default="", help="[streaming] keys, ';'-separated")
    ap.add_argument("--fixtures", default=os.environ.get("CAPTIOND_SHARED_FIXTURES",
                                                         os.path.join(HERE, "..", "..", "shared", "fixtures")))
    ap.add_argument("--models", default=os.environ.get("CAPTIOND_MODELS", "/var/lib/captiond/models"))
    args = ap.parse_args()
    ref = words(REFERENCE)
    failed = total = 0
    with tempfile.TemporaryDirectory(prefix="simulate-slowdown-") as tmp:
        stream = os.path.join(tmp, "jfk-twice.wav")
        build_stream(os.path.join(args.fixtures, "whisper_cpp", "jfk.wav"), stream)
        for k in [float(x) for x in args.slowdowns.split(",")]:
            for run in range(1, args.runs + 1):
                cmd = [args.captionctl, "simulate", stream, "--model", "tiny.en", "--models", args.models,
                       "--language", "en", "--paced", "--slowdown", str(k)]
                if args.streaming:
                    cmd += ["--streaming", args.streaming]
                out = subprocess.run(cmd, capture_output=True, text=True)
                if out.returncode != 0:
                    raise SystemExit(f"simulate failed ({out.returncode}): {out.stderr.strip()[-400:]}")
                finals = [line.strip() for line in out.stdout.splitlines() if line.strip()]
                first = []
                for line in finals:
                    first.append(line)
                    if "for your country" in line.lower():
                        break
                e = errors(ref, words(" ".join(first)))
                total += 1
                failed += e > 0
                print(f"slowdown {k:g} run {run}: {e} word errors | {' / '.join(first)[:120]}", flush=True)
    print(f"{failed} of {total} runs with word errors in the first copy")


if __name__ == "__main__":
    main()
