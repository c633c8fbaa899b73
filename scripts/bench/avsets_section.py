"""The "avsets" benchmark: the audio-visual model beyond the GRID-style English set (issue 13).

On held-out test clips (held-out sentences, voices and faces; docs/CORPUS.md), each by
`captionctl eval CORPUS/manifest.jsonl --split test --model CKPT --modality M [--noise babble:0] --json`
with the default decoding (prefix search + the .arpa beside the checkpoint):
  - Mandarin: the committed pinyin checkpoint (assets/av-mandarin.safetensors) on the test clips of
    `captionctl corpus --set mandarin --seed 1 ... --noise babble:20,...,babble:-5` (clean audio,
    mouth video and babble:0 copy byte-identical to the test split of the corpus it was trained
    with), AV / audio only / video only clean and AV / audio only at every babble SNR of the English
    curve: CER over the pinyin string and SER, the toned pinyin syllable error rate (eval's "wer" on
    a pinyin checkpoint);
  - open English: the open-set checkpoint (assets/av-open.safetensors, `make train-av-open`: the
    English recipe on 1,600 clips of the 524 fortune-file sentences, the test sentences held out)
    on the test clips of `captionctl corpus --set open --seed 1 ...`, AV / audio only / video only
    clean and AV / audio only at 0 dB babble; and, out of domain, the GRID checkpoint
    (assets/av-grid.safetensors: 51 words) on the same clips, clean.
Corpora are made when missing; results are cached per corpus (avcorpus.eval_cer).
"""
import json
import os
import subprocess

from avcorpus import LEVELS, NOISE, REPO, eval_cer, level_name, make_test_corpus

NAME = "avsets"


def add_arguments(ap):
    g = ap.add_argument_group("avsets")
    g.add_argument("--av-zh-checkpoint", default=os.path.join(REPO, "assets", "av-mandarin.safetensors"),
                   help="Mandarin (pinyin) checkpoint (default assets/av-mandarin.safetensors)")
    g.add_argument("--av-zh-corpus", default=os.path.join(REPO, ".build", "bench-av-zh", "corpus"),
                   help="Mandarin corpus with test clips and their babble copies (made when missing)")
    g.add_argument("--av-zh-pinyin", default=os.path.join(REPO, ".build", "av-zh", "mandarin-pinyin.tsv"),
                   help="hanzi<TAB>pinyin file (scripts/mandarin-pinyin writes it when missing)")
    g.add_argument("--av-zh-clips", type=int, default=200, help="Mandarin test clips (200: the checkpoint's test split)")
    g.add_argument("--av-open-checkpoint", default=os.path.join(REPO, "assets", "av-open.safetensors"),
                   help="open-set checkpoint (default assets/av-open.safetensors)")
    g.add_argument("--av-grid-checkpoint", default=os.path.join(REPO, "assets", "av-grid.safetensors"),
                   help="GRID checkpoint, run on the open set out of domain (default assets/av-grid.safetensors)")
    g.add_argument("--av-open-corpus", default=os.path.join(REPO, ".build", "bench-av-open", "corpus"),
                   help="open-set corpus with test clips (made when missing)")
    g.add_argument("--av-open-clips", type=int, default=200, help="open-set test clips (200: the checkpoint's test split)")


def make_corpora(ctx, args):
    if not os.path.exists(os.path.join(args.av_zh_corpus, "manifest.jsonl")) and not os.path.exists(args.av_zh_pinyin):
        ctx.progress(f"avsets: scripts/mandarin-pinyin {args.av_zh_pinyin}")
        m = subprocess.run([os.path.join(REPO, "scripts", "mandarin-pinyin"), args.av_zh_pinyin], capture_output=True, text=True)
        if m.returncode != 0:
            raise RuntimeError("mandarin-pinyin: " + m.stderr.strip())
    make_test_corpus(ctx, args.av_zh_corpus, args.av_corpus_seed, args.av_zh_clips, NOISE,
                     ["--set", "mandarin", "--pinyin", args.av_zh_pinyin])
    make_test_corpus(ctx, args.av_open_corpus, args.av_corpus_seed, args.av_open_clips, "babble:0", ["--set", "open"])


def distinct_sentences(corpus):
    with open(os.path.join(corpus, "manifest.jsonl"), encoding="utf-8") as f:
        return len({e["text"] for e in map(json.loads, filter(str.strip, f)) if e["split"] == "test"})


# (set, corpus option, checkpoint option, babble SNR, modalities, extra eval flags, label)
CELLS = [("mandarin", "av_zh_corpus", "av_zh_checkpoint", snr, ("av", "audio") + (("video",) if snr is None else ()), (), "search + LM")
         for snr in LEVELS] + [
    ("open", "av_open_corpus", "av_open_checkpoint", None, ("av", "audio", "video"), (), "search + LM"),
    ("open", "av_open_corpus", "av_open_checkpoint", 0, ("av", "audio"), (), "search + LM"),
    ("open", "av_open_corpus", "av_grid_checkpoint", None, ("av",), (), "GRID model + LM"),
]


def run(ctx, args):
    rows = []
    for name in ("av_zh_checkpoint", "av_open_checkpoint", "av_grid_checkpoint"):
        if not os.path.exists(getattr(args, name)):
            return {"rows": [{"error": f"no checkpoint at {getattr(args, name)} (--{name.replace('_', '-')})"}], "summary": {}}
    try:
        make_corpora(ctx, args)
        for sentence_set, corpus, checkpoint, snr, modalities, extra, label in CELLS:
            row = {"set": sentence_set, "snr": level_name(snr), "decoding": label,
                   "checkpoint": os.path.basename(getattr(args, checkpoint))}
            for modality in modalities:
                ctx.progress(f"avsets: {sentence_set} {modality} {level_name(snr)} {label}")
                r = eval_cer(ctx, getattr(args, corpus), getattr(args, checkpoint), modality, snr, extra)
                row[modality] = r["cer"]
                row[modality + "_wer"] = r["wer"]
                if sentence_set == "mandarin":
                    row[modality + "_ser"] = r["wer"]   # a pinyin checkpoint's WER is the toned syllable error rate
                    if r.get("hanzi_cer") is not None:   # its text converted to hanzi (libpinyin; eval warns without its data)
                        row[modality + "_hanzi"] = r["hanzi_cer"]
                        row["hanzi_ceiling"] = r.get("hanzi", {}).get("reference_pinyin_cer")
                row["clips"] = r["utterances"]
            rows.append(row)
    except RuntimeError as e:
        rows.append({"error": str(e)})
        return {"rows": rows, "summary": {}}
    zh = {r["snr"]: r for r in rows if r["set"] == "mandarin"}
    zh_clean, zh_0db = zh["clean"], zh["+0 dB"]
    open_clean, open_0db, open_grid = [r for r in rows if r["set"] == "open"]
    summary = {
        "mandarin_clean": {"cer": zh_clean["av"], "ser": zh_clean["av_ser"], "audio_cer": zh_clean["audio"],
                           "hanzi_cer": zh_clean.get("av_hanzi"), "hanzi_cer_of_reference_pinyin": zh_clean.get("hanzi_ceiling")},
        "mandarin_0db_av_vs_audio": {"ratio": zh_0db["av"] / zh_0db["audio"] if zh_0db["audio"] else None,
                                     "av_cer": zh_0db["av"], "audio_cer": zh_0db["audio"]},
        "mandarin_curve_av_vs_audio": {snr: round(r["av"] / r["audio"], 3) if r["audio"] else None for snr, r in zh.items()},
        "open_clean": {"cer": open_clean["av"], "wer": open_clean["av_wer"], "audio_cer": open_clean["audio"],
                       "checkpoint": open_clean["checkpoint"]},
        "open_0db_av_vs_audio": {"ratio": open_0db["av"] / open_0db["audio"] if open_0db["audio"] else None,
                                 "av_cer": open_0db["av"], "audio_cer": open_0db["audio"]},
        "open_clean_grid_checkpoint_out_of_domain": {"cer": open_grid["av"], "checkpoint": open_grid["checkpoint"]},
    }
    return {"rows": rows, "summary": summary, "open_sentences": distinct_sentences(args.av_open_corpus),
            "zh_sentences": distinct_sentences(args.av_zh_corpus)}


def cell(row, modality):
    if modality not in row:
        return "-"
    ser = f" / {100 * row[modality + '_ser']:5.1f}" if modality + "_ser" in row else ""
    hanzi = f" / {100 * row[modality + '_hanzi']:5.1f}" if modality + "_hanzi" in row else ""
    return f"{100 * row[modality]:5.1f}{ser}{hanzi}"


def report(result, write):
    for r in result["rows"]:
        if "error" in r:
            write(f"avsets: FAILED {r['error']}")
    data = [r for r in result["rows"] if "av" in r]
    if not data:
        return
    write("avsets: held-out test clips, `captionctl eval --split test`; CER % (Mandarin: CER over pinyin / toned syllable error rate / hanzi CER %)")
    write(f"  Mandarin: {data[0]['checkpoint']}, {data[0]['clips']} clips ({result.get('zh_sentences')} lines); "
          f"open English: {data[-3]['checkpoint']} ({data[-1]['checkpoint']}: trained on GRID only, out of domain), {data[-1]['clips']} clips ({result.get('open_sentences')} sentences)")
    write(f"  {'set':<9} {'audio':<7} {'decoding':<17} {'AV':>21}  {'audio only':>21}  {'video only':>21}")
    for r in data:
        write(f"  {r['set']:<9} {r['snr']:<7} {r['decoding']:<17} {cell(r, 'av'):>21}  {cell(r, 'audio'):>21}  {cell(r, 'video'):>21}")
    for k, s in result.get("summary", {}).items():
        write(f"  {k}: {json.dumps(s)}")
