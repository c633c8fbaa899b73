#!/usr/bin/env python3
"""One faster-whisper benchmark configuration, run by scripts/bench.py in its own process.

Usage: fw_worker.py --model-dir DIR --compute float32|int8 --beam N --threads T --language L|auto FILE...

Prints one JSON object on stdout: import_s (Python imports), load_s (WhisperModel construction),
transcribe_s (decode + features + transcription of all files, model load excluded), per-file
seconds and text. Files are given as paths, so audio decoding is inside transcribe_s as it is for
captionctl.
"""
import argparse
import json
import sys
import time

t0 = time.monotonic()
try:
    from faster_whisper import WhisperModel
except ImportError as e:
    print(f"fw_worker: cannot import faster-whisper ({e}): run it with the python of scripts/bench-venv (make bench does)",
          file=sys.stderr)
    sys.exit(2)
import_s = time.monotonic() - t0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model-dir", required=True)
    ap.add_argument("--compute", required=True, choices=["float32", "int8", "int8_float32"])
    ap.add_argument("--beam", type=int, required=True)
    ap.add_argument("--threads", type=int, required=True)
    ap.add_argument("--language", required=True)
    ap.add_argument("files", nargs="+")
    args = ap.parse_args()

    t = time.monotonic()
    model = WhisperModel(args.model_dir, device="cpu", compute_type=args.compute,
                         cpu_threads=args.threads, num_workers=1)
    load_s = time.monotonic() - t

    per_file = []
    t_all = time.monotonic()
    for path in args.files:
        t = time.monotonic()
        language = None if args.language == "auto" else args.language   # None: detected
        segments, _ = model.transcribe(path, language=language, beam_size=args.beam)
        text = "".join(s.text for s in segments).strip()  # the generator does the work
        per_file.append({"file": path, "seconds": time.monotonic() - t, "text": text})
    transcribe_s = time.monotonic() - t_all

    json.dump({"import_s": import_s, "load_s": load_s, "transcribe_s": transcribe_s,
               "files": per_file}, sys.stdout, ensure_ascii=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
