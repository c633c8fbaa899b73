#!/usr/bin/env python3
"""Writes the log-mel parity references under Tests/Fixtures/features/ from faster-whisper 1.2.1.

For every clip of the shared fixtures' manifest.tsv it decodes the audio with
faster_whisper.audio.decode_audio and computes the features with
faster_whisper.feature_extractor.FeatureExtractor exactly as WhisperModel.transcribe() does
(feature_size 80, default padding 160), then stores a small JSON summary per clip:
sample count, sum, sum of squares, a few samples, and the log-mel's shape, max and 8 full columns
at fixed frame indices. Clips not at 16 kHz also get their decoded audio as raw little-endian
int16 (faster-whisper decodes through s16, so this is lossless) for correlation/SNR checks.
filterbank.json holds the Slaney mel filter banks' row sums and a few full rows (80 and 128 bins).

Usage: scripts/reference-features.py [SHARED_FIXTURES_DIR]   (default ../shared/fixtures)
"""
import csv
import json
import os
import sys

import numpy as np
from faster_whisper.audio import decode_audio
from faster_whisper.feature_extractor import FeatureExtractor

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "Tests", "Fixtures", "features")
SAMPLE_INDICES = [0, 1, 100, 1000, 4000, 8000, 16000, 24000]


def column_indices(frames):
    """First, last and six evenly spaced middle frames (deduplicated, ascending)."""
    picks = {0, frames - 1}
    for k in range(1, 7):
        picks.add(k * frames // 7)
    return sorted(i for i in picks if 0 <= i < frames)


def reference_name(path):
    return path.replace("/", "__").rsplit(".", 1)[0]


def main():
    shared = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "..", "shared", "fixtures")
    os.makedirs(OUT, exist_ok=True)
    extractor = FeatureExtractor(feature_size=80)
    with open(os.path.join(shared, "manifest.tsv"), newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    for row in rows:
        path = row["path"]
        audio = decode_audio(os.path.join(shared, path), sampling_rate=16000)
        mel = extractor(audio, chunk_length=30)  # as transcribe(): padding 160
        cols = column_indices(mel.shape[1])
        name = reference_name(path)
        ref = {
            "path": path,
            "source_rate": int(row["sample_rate"]),
            "sample_count": int(audio.shape[0]),
            "sum": float(np.sum(audio, dtype=np.float64)),
            "sum_squares": float(np.sum(audio.astype(np.float64) ** 2)),
            "samples": {str(i): float(audio[i]) for i in SAMPLE_INDICES if i < audio.shape[0]},
            "mel_bins": int(mel.shape[0]),
            "mel_frames": int(mel.shape[1]),
            "mel_max": float(mel.max()),
            "columns": {str(c): [float(v) for v in mel[:, c]] for c in cols},
        }
        if ref["source_rate"] != 16000:
            s16 = np.round(audio * 32768.0).astype("<i2")
            assert np.array_equal(s16.astype(np.float32) / 32768.0, audio)
            s16.tofile(os.path.join(OUT, name + ".s16"))
            ref["audio_s16"] = name + ".s16"
        with open(os.path.join(OUT, name + ".json"), "w") as out:
            json.dump(ref, out, indent=1)
        print(f"{path}: {audio.shape[0]} samples, mel {mel.shape}, max {mel.max():.6f}")

    bank = {}
    for bins in (80, 128):
        filters = FeatureExtractor.get_mel_filters(16000, 400, n_mels=bins).astype("float32")
        rows = [0, 1, bins // 2, bins - 1]
        bank[str(bins)] = {
            "shape": list(filters.shape),
            "row_sums": [float(s) for s in filters.sum(axis=1, dtype=np.float64)],
            "rows": {str(r): [float(v) for v in filters[r]] for r in rows},
        }
    with open(os.path.join(OUT, "filterbank.json"), "w") as out:
        json.dump(bank, out, indent=1)
    print("filterbank.json: 80 and 128 bins")


if __name__ == "__main__":
    main()
