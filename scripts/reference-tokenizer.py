#!/usr/bin/env python3
"""Writes the tokenizer and transcription references the Swift tests compare against.

Usage: scripts/reference-tokenizer.py [--models DIR] [--fixtures DIR] [--transcripts]

For tiny.en and base (CTranslate2 Whisper directories with tokenizer.json) it writes
Tests/Fixtures/tokenizer/<model>.json holding: the special-token ids, texts with their ids
(faster_whisper.tokenizer.Tokenizer.encode), decodings of id sequences (Tokenizer.decode),
and the non-speech suppression list (Tokenizer.non_speech_tokens).

With --transcripts it also runs faster-whisper (float32) on the shared fixtures and writes
Tests/Fixtures/tokenizer/faster-whisper-*.json (segments with tokens): tiny.en on the English
clips with beam_size 1 and 5 (language="en"), base on the Chinese clips (language detected).
Needs faster-whisper (and its `tokenizers` dependency); the Swift tests never run Python.
"""
import argparse
import json
import os
import sys

import tokenizers
from faster_whisper.tokenizer import Tokenizer

TEXTS = [
    "Hello world",
    " Hello world",
    "  two leading spaces",
    "And so my fellow Americans, ask not what your country can do for you.",
    "ask what you can do for your country",
    "It's 3:45pm — isn't it? I'd say we'll've done 1,234,567.89 items!",
    "广州市房地产中介协会分析",
    "换一首歌",
    "砸自己的脚",
    "你好，世界！今天天气很好。",
    "Mixed 中文 and English 混合 text.",
    "emoji 🎉🚀 and ♪♪ music ♪",
    "Punctuation: (a) [b] {c} <d> \"quoted\" 'single' -- dash --- ... !?",
    "numbers 0123456789 3.14159 1e10 2024-11-28",
    "tabs\tand\nnewlines\n\n  end  ",
    "Ünïcödé àccents — naïve café",
    "日本語のテキストも少し",
    "한국어 텍스트",
    "   ",
    "a",
]



def model_reference(model_dir, multilingual):
    hf = tokenizers.Tokenizer.from_file(os.path.join(model_dir, "tokenizer.json"))
    tok = Tokenizer(hf, multilingual, task="transcribe", language="en")
    encodings = []
    for text in TEXTS:
        ids = tok.encode(text)
        encodings.append({"text": text, "ids": ids})
    decodings = []
    for e in encodings:
        ids = e["ids"]
        decodings.append({"ids": ids, "text": tok.decode(ids)})
        # every prefix, so incremental decoding of split characters is covered
        if any(ord(c) > 0x2000 for c in e["text"]):
            for n in range(1, len(ids)):
                decodings.append({"ids": ids[:n], "text": tok.decode(ids[:n])})
    specials = [tok.sot, tok.eot, tok.no_timestamps, tok.timestamp_begin, tok.timestamp_begin + 50]
    mixed = [tok.sot] + encodings[3]["ids"][:5] + [tok.timestamp_begin + 100, tok.eot]
    decodings.append({"ids": mixed, "text": tok.decode(mixed)})
    decodings.append({"ids": specials, "text": tok.decode(specials)})
    languages = {}
    if multilingual:
        for code in ["en", "zh", "de", "ja", "haw", "su"]:
            languages[code] = hf.token_to_id("<|%s|>" % code)
    return {
        "multilingual": multilingual,
        "special": {
            "eot": tok.eot, "sot": tok.sot, "translate": tok.translate, "transcribe": tok.transcribe,
            "sot_lm": tok.sot_lm, "sot_prev": tok.sot_prev, "no_speech": tok.no_speech,
            "no_timestamps": tok.no_timestamps, "timestamp_begin": tok.timestamp_begin,
            "sot_sequence_en_transcribe": tok.sot_sequence,
        },
        "languages": languages,
        "encodings": encodings,
        "decodings": decodings,
        "non_speech_tokens": list(tok.non_speech_tokens),
    }


def transcripts(models, fixtures, out_dir):
    """faster-whisper segments for: tiny.en on the English clips (beam 1 and beam 5) and base
    on the Chinese clips (language detected, beam 1)."""
    from faster_whisper import WhisperModel
    runs = [("tiny.en", "en", 1, "en", "faster-whisper-tiny.en.json"),
            ("tiny.en", "en", 5, "en", "faster-whisper-tiny.en-beam5.json"),
            ("base", "zh", 1, None, "faster-whisper-base-zh.json")]
    rows = []
    with open(os.path.join(fixtures, "manifest.tsv"), encoding="utf-8") as f:
        header = f.readline().rstrip("\n").split("\t")
        rows = [dict(zip(header, line.rstrip("\n").split("\t"))) for line in f]
    for name, lang, beam, language, out in runs:
        model = WhisperModel(os.path.join(models, name), device="cpu", compute_type="float32")
        clips = []
        for row in rows:
            if row["lang"] != lang:
                continue
            segments, info = model.transcribe(os.path.join(fixtures, row["path"]), beam_size=beam, language=language)
            segs = [{"id": s.id, "seek": s.seek, "start": s.start, "end": s.end, "text": s.text,
                     "tokens": s.tokens, "avg_logprob": s.avg_logprob, "no_speech_prob": s.no_speech_prob,
                     "compression_ratio": s.compression_ratio, "temperature": s.temperature}
                    for s in segments]
            clips.append({"path": row["path"], "duration": info.duration, "language": info.language,
                          "language_probability": info.language_probability, "segments": segs})
            print(name, beam, row["path"], info.language, " | ".join(s["text"] for s in segs), file=sys.stderr)
        with open(os.path.join(out_dir, out), "w", encoding="utf-8") as f:
            json.dump({"model": name, "compute_type": "float32", "beam_size": beam, "language": language,
                       "clips": clips}, f, ensure_ascii=False, indent=1)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser()
    parser.add_argument("--models", default="/var/lib/captiond/models")
    parser.add_argument("--fixtures", default=os.path.join(here, "..", "..", "shared", "fixtures"))
    parser.add_argument("--out", default=os.path.join(here, "..", "Tests", "Fixtures", "tokenizer"))
    parser.add_argument("--transcripts", action="store_true")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    for name, multilingual in [("tiny.en", False), ("base", True)]:
        ref = model_reference(os.path.join(args.models, name), multilingual)
        with open(os.path.join(args.out, name + ".json"), "w", encoding="utf-8") as f:
            json.dump(ref, f, ensure_ascii=False, indent=1)
    if args.transcripts:
        transcripts(args.models, args.fixtures, args.out)


if __name__ == "__main__":
    main()
