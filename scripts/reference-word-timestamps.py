#!/usr/bin/env python3
"""Writes faster-whisper's word timestamps for the Swift word-timing test.

Usage: scripts/reference-word-timestamps.py [--fixtures DIR] [--models DIR] [--out DIR]

For each clip of DIR/manifest.tsv (default: $CAPTIOND_SHARED_FIXTURES, else ../shared/fixtures) it
runs faster-whisper 1.2.1 (pip install faster-whisper==1.2.1) with word_timestamps=True, as the
Swift test runs captiond's transcriber: compute_type float32, cpu_threads 2, beam_size 1, the
manifest's language, no VAD, every other option at its default. English clips use tiny.en,
Mandarin clips base.

Output (small, deterministic, committed): Tests/Fixtures/words/<model>/<clip-id>.json with the
segments (start, end, text) and their words (word, start, end, probability).
"""
import argparse
import csv
import json
import os
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODEL_BY_LANGUAGE = {"en": "tiny.en", "zh": "base"}


def fail(msg):
    print(f"reference-word-timestamps: error: {msg}", file=sys.stderr)
    sys.exit(1)


def default_models():
    env = os.environ.get("CAPTIOND_MODELS", "")
    if env:
        return env
    if os.geteuid() == 0:
        return "/var/lib/captiond/models"
    return os.path.join(os.path.expanduser("~"), ".cache", "captiond", "models")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--fixtures", default=os.environ.get("CAPTIOND_SHARED_FIXTURES")
                    or os.path.join(os.path.dirname(REPO), "shared", "fixtures"))
    ap.add_argument("--models", default=default_models())
    ap.add_argument("--out", default=os.path.join(REPO, "Tests", "Fixtures", "words"))
    args = ap.parse_args()
    try:
        from faster_whisper import WhisperModel
        from faster_whisper.audio import decode_audio
    except ImportError as e:
        fail(f"cannot import faster-whisper ({e}): pip install faster-whisper==1.2.1, or run this script with the python printed by scripts/bench-venv")
    manifest = os.path.join(args.fixtures, "manifest.tsv")
    if not os.path.isfile(manifest):
        fail(f"no manifest at {manifest}: pass --fixtures DIR")
    with open(manifest, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
    models = {}
    for row in rows:
        name = MODEL_BY_LANGUAGE.get(row["lang"])
        if name is None:
            continue
        if name not in models:
            directory = os.path.join(args.models, name)
            if not os.path.isdir(directory):
                fail(f"model {name} not found at {directory}: run scripts/fetch-models {name}")
            models[name] = WhisperModel(directory, device="cpu", compute_type="float32", cpu_threads=2)
        audio = decode_audio(os.path.join(args.fixtures, row["path"]), sampling_rate=16000)
        segments, _ = models[name].transcribe(audio, language=row["lang"], beam_size=1, word_timestamps=True)
        out = []
        for s in segments:
            out.append({"start": s.start, "end": s.end, "text": s.text,
                        "words": [{"word": w.word, "start": w.start, "end": w.end,
                                   "probability": round(float(w.probability), 6)} for w in s.words or []]})
        clip = os.path.splitext(row["path"])[0].replace("/", "-")
        os.makedirs(os.path.join(args.out, name), exist_ok=True)
        with open(os.path.join(args.out, name, clip + ".json"), "w", encoding="utf-8") as f:
            json.dump({"clip": row["path"], "language": row["lang"], "model": name, "segments": out},
                      f, ensure_ascii=False, indent=1)
            f.write("\n")
        print(f"{name} {clip}: {sum(len(s['words']) for s in out)} words")


if __name__ == "__main__":
    main()
