#!/usr/bin/env python3
"""Reference outputs of the Whisper network (CTranslate2 float32) for the Swift parity tests.

Writes under Tests/Fixtures/network/:
  jfk-mel.f16          log-mel of jfk.wav exactly as faster-whisper feeds its first window
                       (FeatureExtractor + pad_or_trim to 3000 frames), (80, 3000) little-endian float16
  <model>.json         encoder-output statistics and raw rows, first-step logits top-k, greedy tokens

The encoder input is the float16-rounded mel, so Swift and CTranslate2 see identical numbers.
Usage: scripts/reference-network.py [--models-dir /var/lib/captiond/models] [--bench]
"""
import argparse, json, os, sys, time
import numpy as np
import ctranslate2
from faster_whisper.audio import decode_audio, pad_or_trim
from faster_whisper.feature_extractor import FeatureExtractor

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "Tests", "Fixtures", "network")
JFK = os.path.join(ROOT, "..", "shared", "fixtures", "whisper_cpp", "jfk.wav")
ROWS = [0, 1, 275, 550, 1499]          # encoder rows stored raw (speech, and the zero-padded tail)

# Prompts without timestamps, so a plain argmax loop reproduces greedy decoding.
PROMPTS = {
    "tiny.en": [50257, 50362],                 # <|startoftranscript|> <|notimestamps|>
    "base": [50258, 50259, 50359, 50363],      # sot, <|en|>, <|transcribe|>, <|notimestamps|>
}


def first_window_mel():
    audio = decode_audio(JFK, sampling_rate=16000)
    fe = FeatureExtractor(feature_size=80)
    features = fe(audio, chunk_length=30)                  # (80, frames), padding 160 samples
    content_frames = features.shape[-1] - 1
    segment = features[:, 0:min(3000, content_frames)]
    segment = pad_or_trim(segment)                         # (80, 3000)
    return segment.astype(np.float16), content_frames


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--models-dir", default="/var/lib/captiond/models")
    ap.add_argument("--bench", action="store_true", help="time encode and per-token decode")
    args = ap.parse_args()
    os.makedirs(OUT, exist_ok=True)
    mel16, content = first_window_mel()
    with open(os.path.join(OUT, "jfk-mel.f16"), "wb") as f:
        f.write(mel16.astype("<f2").tobytes())
    mel = mel16.astype(np.float32)[None]                   # (1, 80, 3000)

    for name, prompt in PROMPTS.items():
        model = ctranslate2.models.Whisper(os.path.join(args.models_dir, name), device="cpu",
                                           compute_type="float32", intra_threads=2)
        enc = np.array(model.encode(ctranslate2.StorageView.from_array(mel)))[0]   # (1500, d)
        res = model.generate(ctranslate2.StorageView.from_array(mel), [prompt], beam_size=1,
                             max_length=448, suppress_blank=False, suppress_tokens=[],
                             return_scores=True, return_logits_vocab=True)[0]
        logits0 = np.array(res.logits[0][0]) if res.logits else None
        top = []
        if logits0 is not None:
            idx = np.argsort(-logits0)[:10]
            top = [[int(i), float(logits0[i])] for i in idx]
        ref = {
            "model": name, "mel_frames": 3000, "content_frames": int(content),
            "encoder": {"shape": list(enc.shape), "mean": float(enc.mean()), "std": float(enc.std()),
                        "max_abs": float(np.abs(enc).max()),
                        "rows": {str(r): enc[r].tolist() for r in ROWS}},
            "prompt": prompt, "tokens": [int(t) for t in res.sequences_ids[0]],
            "score": float(res.scores[0]), "first_step_top_logits": top,
        }
        with open(os.path.join(OUT, f"{name}.json"), "w") as f:
            json.dump(ref, f)
        print(name, "tokens", ref["tokens"], "enc std", ref["encoder"]["std"])
        if args.bench:
            sv = ctranslate2.StorageView.from_array(mel)
            model.encode(sv)
            t = time.perf_counter(); n = 3
            for _ in range(n): model.encode(sv)
            enc_s = (time.perf_counter() - t) / n
            t = time.perf_counter()
            r = model.generate(sv, [prompt], beam_size=1, max_length=448, suppress_blank=False,
                               suppress_tokens=[])[0]
            gen_s = time.perf_counter() - t
            ntok = len(r.sequences_ids[0]) + 1
            print(f"{name}: encode 30 s window {enc_s*1000:.1f} ms; generate {gen_s*1000:.1f} ms "
                  f"for {ntok} steps (incl. one encode) -> {(gen_s-enc_s)/ntok*1000:.2f} ms/token")


if __name__ == "__main__":
    sys.exit(main())
