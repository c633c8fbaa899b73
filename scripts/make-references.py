#!/usr/bin/env python3
"""Writes faster-whisper parity references for the Swift tests.

Usage: scripts/make-references.py [--fixtures DIR] [--models DIR] [--out DIR] [--model NAME ...]

For each clip of DIR/manifest.tsv (default: $CAPTIOND_SHARED_FIXTURES, else ../shared/fixtures
beside the repository) it runs faster-whisper exactly as the tests' counterpart will run:
compute_type float32, cpu_threads 2, beam_size 1, the manifest's language, all other transcribe
options at their defaults (greedy at temperature 0 with the default fallback ladder, timestamps
on, condition_on_previous_text on, no VAD). English clips use tiny.en and base, Mandarin clips base.

Outputs (small, deterministic, committed):
  Tests/Fixtures/reference/<model>/<clip-id>.json   audio stats, log-mel slices, segments, text
  Tests/Fixtures/reference/summary.json             hypothesis per clip per model + reference text

Log-mel: faster_whisper.FeatureExtractor on the decoded audio with its default padding (160 zero
samples appended) and no 30 s padding, as WhisperModel.transcribe computes `features`; the decoder
then uses `content_frames = frames - 1`. Columns are stored at fixed frame indices.
The models directory resolves as scripts/fetch-models does ($CAPTIOND_MODELS, root:
/var/lib/captiond/models, else ~/.cache/captiond/models).
"""
import argparse
import csv
import json
import os
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODELS_BY_LANGUAGE = {"en": ["tiny.en", "base"], "zh": ["base"]}
OPTIONS = {"compute_type": "float32", "cpu_threads": 2, "beam_size": 1}
AUDIO_HEAD = 8


def fail(msg):
    print(f"make-references: error: {msg}", file=sys.stderr)
    sys.exit(1)


def default_fixtures():
    env = os.environ.get("CAPTIOND_SHARED_FIXTURES")
    return env or os.path.join(os.path.dirname(REPO), "shared", "fixtures")


def default_models():
    env = os.environ.get("CAPTIOND_MODELS", "")
    if env:
        return env
    if os.geteuid() == 0:
        return "/var/lib/captiond/models"
    return os.path.join(os.path.expanduser("~"), ".cache", "captiond", "models")


def clip_id(path):
    """'pocketsphinx/x-0870.wav' -> 'pocketsphinx-x-0870' (unique, file-name safe)."""
    stem = os.path.splitext(path)[0]
    return stem.replace("/", "-")


def read_manifest(fixtures):
    manifest = os.path.join(fixtures, "manifest.tsv")
    if not os.path.isfile(manifest):
        fail(f"no manifest at {manifest}: pass --fixtures DIR or set CAPTIOND_SHARED_FIXTURES")
    with open(manifest, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
    for i, row in enumerate(rows, start=2):
        for key in ("path", "lang", "reference"):
            if not row.get(key):
                fail(f"{manifest}:{i}: column '{key}' is empty")
        if row["lang"] not in MODELS_BY_LANGUAGE:
            fail(f"{manifest}:{i}: language '{row['lang']}' is not one of "
                 f"{', '.join(MODELS_BY_LANGUAGE)}")
        if not os.path.isfile(os.path.join(fixtures, row["path"])):
            fail(f"{manifest}:{i}: clip {row['path']} not found under {fixtures}")
    ids = [clip_id(r["path"]) for r in rows]
    if len(set(ids)) != len(ids):
        fail(f"{manifest}: two clips map to the same id; rename one")
    return rows


def f32(x):
    """A float32 value written with enough digits to round-trip exactly."""
    return float(f"{float(x):.9g}")


def rounded(x, places=6):
    return round(float(x), places)


def audio_stats(audio):
    import numpy as np
    a64 = audio.astype(np.float64)  # shape (N,)
    nonzero = np.flatnonzero(audio)
    nz = int(nonzero[0]) if nonzero.size else 0
    mid = int(audio.shape[0] // 2)
    return {
        "sample_rate": 16000,
        "samples": int(audio.shape[0]),
        "sum": float(a64.sum()),
        "sum_squares": float((a64 * a64).sum()),
        "first": [f32(v) for v in audio[:AUDIO_HEAD]],
        # Leading silence makes "first" all zeros in some clips; these pin the resampler too.
        "first_nonzero_index": nz,
        "at_first_nonzero": [f32(v) for v in audio[nz:nz + AUDIO_HEAD]],
        "middle_index": mid,
        "at_middle": [f32(v) for v in audio[mid:mid + AUDIO_HEAD]],
    }


def mel_columns(frames):
    """Fixed frame indices: first frames, fixed offsets, the middle, the last content and last."""
    wanted = [0, 1, 50, frames // 2, frames - 2, frames - 1]
    out = []
    for i in wanted:
        if 0 <= i < frames and i not in out:
            out.append(i)
    return out


def mel_stats(features):
    # features: (n_mels = 80, frames) float32, normalised log-mel ((log10 + 4) / 4).
    n_mels, frames = features.shape
    cols = mel_columns(frames)
    return {
        "padding_samples": 160,
        "bins": int(n_mels),
        "frames": int(frames),
        "content_frames": int(frames - 1),
        "max": f32(features.max()),
        "min": f32(features.min()),
        "columns": [{"frame": i, "values": [f32(v) for v in features[:, i]]} for i in cols],
    }


def run_clip(model, name, fixtures, row):
    from faster_whisper.audio import decode_audio
    path = os.path.join(fixtures, row["path"])
    audio = decode_audio(path, sampling_rate=16000)  # (N,) float32 in [-1, 1)
    # As WhisperModel.transcribe does with vad_filter=False and chunk_length=None.
    features = model.feature_extractor(audio)  # (80, frames)
    segments, info = model.transcribe(audio, language=row["lang"], beam_size=OPTIONS["beam_size"])
    segs = []
    for s in segments:
        segs.append({
            "start": rounded(s.start, 3),
            "end": rounded(s.end, 3),
            "text": s.text,
            "tokens": [int(t) for t in s.tokens],
            "avg_logprob": rounded(s.avg_logprob),
            "no_speech_prob": rounded(s.no_speech_prob),
            "compression_ratio": rounded(s.compression_ratio),
            "temperature": rounded(s.temperature, 2),
        })
    return {
        "clip": row["path"],
        "id": clip_id(row["path"]),
        "model": name,
        "language": row["lang"],
        "duration": rounded(info.duration, 6),
        "audio": audio_stats(audio),
        "mel": mel_stats(features),
        "segments": segs,
        "text": "".join(s["text"] for s in segs).strip(),
    }


def write_json(path, obj):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    text = json.dumps(obj, ensure_ascii=False, indent=1, sort_keys=False) + "\n"
    with open(path + ".tmp", "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(path + ".tmp", path)
    return len(text.encode("utf-8"))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--fixtures", default=default_fixtures())
    ap.add_argument("--models", default=default_models())
    ap.add_argument("--out", default=os.path.join(REPO, "Tests", "Fixtures", "reference"))
    ap.add_argument("--model", action="append", choices=["tiny.en", "base"],
                    help="only this model (repeatable); default both")
    args = ap.parse_args()

    try:
        import ctranslate2
        import faster_whisper
        from faster_whisper import WhisperModel
    except ImportError as e:
        fail(f"cannot import faster-whisper ({e}): pip install faster-whisper==1.2.1, or run this script with the python printed by scripts/bench-venv")

    rows = read_manifest(args.fixtures)
    wanted = args.model or ["tiny.en", "base"]
    summary_path = os.path.join(args.out, "summary.json")
    summary = {"clips": []}
    if os.path.isfile(summary_path):  # keep the other model's results on a partial run
        with open(summary_path, encoding="utf-8") as f:
            summary = json.load(f)
    by_id = {c["id"]: c for c in summary.get("clips", [])}

    for name in ["tiny.en", "base"]:
        if name not in wanted:
            continue
        model_dir = os.path.join(args.models, name)
        if not os.path.isfile(os.path.join(model_dir, "model.bin")):
            fail(f"model {name} not installed in {args.models}: run scripts/fetch-models {name}")
        ctranslate2.set_random_seed(0)  # the temperature fallback samples; keep it reproducible
        model = WhisperModel(model_dir, device="cpu", compute_type=OPTIONS["compute_type"],
                             cpu_threads=OPTIONS["cpu_threads"])
        for row in rows:
            if name not in MODELS_BY_LANGUAGE[row["lang"]]:
                continue
            ref = run_clip(model, name, args.fixtures, row)
            size = write_json(os.path.join(args.out, name, ref["id"] + ".json"), ref)
            if size > 50_000:
                fail(f"{ref['id']} reference is {size} bytes (limit 50 KB)")
            entry = by_id.setdefault(ref["id"], {"id": ref["id"], "clip": row["path"],
                                                 "language": row["lang"], "hypotheses": {}})
            entry["reference"] = row["reference"]
            entry["hypotheses"][name] = ref["text"]
            print(f"{name:8s} {ref['id']}: {ref['text']}", flush=True)
        del model

    order = [clip_id(r["path"]) for r in rows]
    summary = {
        "generator": "scripts/make-references.py",
        "faster_whisper": faster_whisper.__version__,
        "ctranslate2": ctranslate2.__version__,
        "options": dict(OPTIONS, language="from manifest", temperature="default fallback",
                        vad_filter=False, condition_on_previous_text=True),
        "models": {lang: models for lang, models in MODELS_BY_LANGUAGE.items()},
        "clips": [by_id[i] for i in order if i in by_id],
    }
    for c in summary["clips"]:
        c["hypotheses"] = {m: c["hypotheses"][m] for m in ["tiny.en", "base"] if m in c["hypotheses"]}
    write_json(summary_path, summary)
    print(f"make-references: wrote {summary_path} and {sum(len(c['hypotheses']) for c in summary['clips'])}"
          f" references under {args.out}")


if __name__ == "__main__":
    main()
