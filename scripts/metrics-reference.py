#!/usr/bin/env python3
"""Reference values for the Swift Metrics tests (Tests/MetricsTests/ReferenceAgreementTests.swift).

Reads Tests/Fixtures/metrics/pairs.jsonl ({"id", "lang", "hyp", "refs"} per line) and writes
Tests/Fixtures/metrics/reference.json with, per pair and per language corpus:
  - the normalised texts (this script's own implementation of the normalisation rules documented in
    Sources/Metrics/EnglishNormalizer.swift and ChineseNormalizer.swift; t2s via libopencc through ctypes);
  - WER and CER counts from jiwer (process_words / process_characters on the normalised texts,
    first reference); for Chinese WER the words are sacrebleu's zh tokens joined by spaces, for
    English WER the number words zero to twenty are digits;
  - sentence BLEU (sacrebleu, effective_order=True) and corpus BLEU (sacrebleu defaults: exp smoothing),
    tokenize='13a' (en) or 'zh' (zh), both on the raw and on the normalised texts;
  - ROUGE-L from rouge-score: on the normalised texts with a whitespace tokenizer (en) or the zh tokens
    (zh), and for English also with rouge-score's default tokenizer on the raw texts (no stemming);
    several references -> score_multi (best F); corpus value = mean F;
  - CIDEr-D from pycocoevalcap.cider.Cider (sigma 6, clipped, x10; document frequencies over the
    corpus references) on the normalised tokens joined by spaces. pycocoevalcap's PTBTokenizer (Java)
    is NOT used: the Swift side tokenises with its normalisers, and this script feeds Cider the same
    token strings, so the comparison checks the CIDEr-D arithmetic itself.

Also 400 random tie-heavy word pairs ("tie_alignments") with jiwer's S/D/I counts.

Usage: python3 scripts/metrics-reference.py [pairs.jsonl] [reference.json]
Needs: pip install sacrebleu rouge-score pycocoevalcap jiwer   (and libopencc1.1 for t2s)
"""
import ctypes
import json
import os
import random
import sys
import unicodedata

import jiwer
from pycocoevalcap.cider.cider import Cider
from rouge_score import rouge_scorer
from sacrebleu.metrics import BLEU
from sacrebleu.tokenizers.tokenizer_zh import TokenizerZh

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXDIR = os.path.join(ROOT, "Tests", "Fixtures", "metrics")


class OpenCC:
    def __init__(self, config="t2s.json"):
        self.lib = ctypes.CDLL("libopencc.so.1.1")
        self.lib.opencc_open.restype = ctypes.c_void_p
        self.lib.opencc_open.argtypes = [ctypes.c_char_p]
        self.lib.opencc_convert_utf8.restype = ctypes.c_void_p
        self.lib.opencc_convert_utf8.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_size_t]
        self.lib.opencc_convert_utf8_free.argtypes = [ctypes.c_void_p]
        self.handle = self.lib.opencc_open(config.encode())
        if self.handle is None or self.handle == ctypes.c_void_p(-1).value:
            raise RuntimeError("opencc_open(%s) failed" % config)

    def convert(self, text):
        if not text:
            return text
        data = text.encode("utf-8")
        out = self.lib.opencc_convert_utf8(self.handle, data, len(data))
        if not out:
            raise RuntimeError("opencc_convert_utf8 failed")
        result = ctypes.string_at(out).decode("utf-8")
        self.lib.opencc_convert_utf8_free(out)
        return result


def is_word(c):
    return unicodedata.category(c)[0] in "LMN"


def is_digit(c):
    return unicodedata.category(c) == "Nd"


def normalize_en(text):
    s = text.lower()
    for q in "\u2019\u2018\u02bc\u0060\u00b4":
        s = s.replace(q, "'")
    out = []
    for i, c in enumerate(s):
        prev = s[i - 1] if i > 0 else None
        nxt = s[i + 1] if i + 1 < len(s) else None
        if is_word(c):
            keep = True
        elif c == "'":
            keep = prev is not None and nxt is not None and is_word(prev) and is_word(nxt)
        elif c in ".,":
            keep = prev is not None and nxt is not None and is_digit(prev) and is_digit(nxt)
        else:
            keep = False
        out.append(c if keep else " ")
    return " ".join(w for w in "".join(out).split(" ") if w)


# WER's English words: number words zero to twenty as digits (EnglishNormalizer.wordKeys).
NUMBER_DIGITS = {w: str(i) for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
    "sixteen seventeen eighteen nineteen twenty".split())}


def normalize_zh(text, cc):
    s = cc.convert(text).lower()
    runs = [[]]
    for c in s:
        if 0xFF01 <= ord(c) <= 0xFF5E:
            c = chr(ord(c) - 0xFEE0)
        if is_word(c):
            runs[-1].append(c)
        elif runs[-1]:
            runs.append([])
    out = []
    for run in runs:
        if not run:
            continue
        if out and ord(out[-1]) < 0x2E80 and ord(run[0]) < 0x2E80:
            out.append(" ")
        out.extend(run)
    return "".join(out)


ZH_TOK = TokenizerZh()


def zh_tokens(normalized):
    return ZH_TOK(normalized).split()


class ListTokenizer:
    def __init__(self, fn):
        self.fn = fn

    def tokenize(self, text):
        return self.fn(text)


def counts(out):
    return {"S": out.substitutions, "D": out.deletions, "I": out.insertions, "H": out.hits}


def bleu_corpus(tokenize, hyps, refs):
    width = max(len(r) for r in refs)
    streams = [[r[k] if k < len(r) else None for r in refs] for k in range(width)]
    return BLEU(tokenize=tokenize).corpus_score(hyps, streams).score


def main():
    src = sys.argv[1] if len(sys.argv) > 1 else os.path.join(FIXDIR, "pairs.jsonl")
    dst = sys.argv[2] if len(sys.argv) > 2 else os.path.join(FIXDIR, "reference.json")
    pairs = [json.loads(line) for line in open(src, encoding="utf-8") if line.strip()]
    cc = OpenCC()
    result = {"tools": {"sacrebleu": __import__("sacrebleu").__version__, "jiwer": "see pip",
                        "rouge_score": "0.1.2", "pycocoevalcap": "1.2"},
              "pairs": [], "corpora": {}}
    for lang in ("en", "zh"):
        sub = [p for p in pairs if p["lang"] == lang]
        tok = "13a" if lang == "en" else "zh"
        if lang == "en":
            norm = normalize_en
            words = lambda s: s.split()
        else:
            norm = lambda s: normalize_zh(s, cc)
            words = zh_tokens
        nh = [norm(p["hyp"]) for p in sub]
        nr = [[norm(r) for r in p["refs"]] for p in sub]
        keys = (lambda ws: [NUMBER_DIGITS.get(w, w) for w in ws]) if lang == "en" else (lambda ws: ws)
        word_hyp = [" ".join(keys(words(h))) for h in nh]
        word_ref = [" ".join(keys(words(r[0]))) for r in nr]
        rouge_norm = rouge_scorer.RougeScorer(["rougeL"], tokenizer=ListTokenizer(words))
        rouge_raw = rouge_scorer.RougeScorer(["rougeL"], use_stemmer=False)
        sent_bleu = BLEU(tokenize=tok, effective_order=True)
        cider_gts = {i: [" ".join(words(r)) for r in nr[i]] for i in range(len(sub))}
        cider_res = {i: [" ".join(words(nh[i]))] for i in range(len(sub))}
        cider_score, cider_scores = Cider().compute_score(cider_gts, cider_res)
        rl_norm, rl_raw = [], []
        for i, p in enumerate(sub):
            w = jiwer.process_words(word_ref[i], word_hyp[i])
            c = jiwer.process_characters(nr[i][0], nh[i])
            rn = rouge_norm.score_multi(nr[i], nh[i])["rougeL"]
            rl_norm.append(rn.fmeasure)
            entry = {
                "id": p["id"], "lang": lang, "norm_hyp": nh[i], "norm_refs": nr[i],
                "wer": counts(w), "cer": counts(c),
                "bleu_norm": sent_bleu.sentence_score(nh[i], nr[i]).score,
                "bleu_raw": sent_bleu.sentence_score(p["hyp"], p["refs"]).score,
                "rougeL_norm": {"p": rn.precision, "r": rn.recall, "f": rn.fmeasure},
                "ciderD": float(cider_scores[i]),
            }
            if lang == "en":
                rr = rouge_raw.score_multi(p["refs"], p["hyp"])["rougeL"]
                rl_raw.append(rr.fmeasure)
                entry["rougeL_raw_default"] = {"p": rr.precision, "r": rr.recall, "f": rr.fmeasure}
            result["pairs"].append(entry)
        wc = jiwer.process_words(word_ref, word_hyp)
        cc_ = jiwer.process_characters([r[0] for r in nr], nh)
        corpus = {
            "tokenize": tok,
            "wer": counts(wc), "wer_rate": wc.wer, "cer": counts(cc_), "cer_rate": cc_.cer,
            "bleu_norm": bleu_corpus(tok, nh, nr),
            "bleu_raw": bleu_corpus(tok, [p["hyp"] for p in sub], [p["refs"] for p in sub]),
            "rougeL_norm_mean_f": sum(rl_norm) / len(rl_norm),
            "ciderD": float(cider_score),
        }
        if lang == "en":
            corpus["rougeL_raw_default_mean_f"] = sum(rl_raw) / len(rl_raw)
        result["corpora"][lang] = corpus
    # Tie-heavy alignments: random word sequences over a 4-word vocabulary, where many alignments have
    # equal cost, so the S/D/I split tests the tie-breaking of jiwer (rapidfuzz editops) exactly.
    rng = random.Random(7)
    vocab = ["a", "b", "c", "d"]
    ties = []
    for _ in range(400):
        r = " ".join(rng.choice(vocab) for _ in range(rng.randrange(0, 16)))
        h = " ".join(rng.choice(vocab) for _ in range(rng.randrange(0, 16)))
        ties.append({"ref": r, "hyp": h, "wer": counts(jiwer.process_words(r, h))})
    result["tie_alignments"] = ties
    result["tools"]["jiwer"] = getattr(jiwer, "__version__", "4.0.0")
    with open(dst, "w", encoding="utf-8") as f:
        json.dump(result, f, ensure_ascii=False, indent=1)
        f.write("\n")
    print("wrote %s: %d pairs" % (dst, len(result["pairs"])))


if __name__ == "__main__":
    main()
