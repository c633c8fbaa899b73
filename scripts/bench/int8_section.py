"""The "int8" benchmark: 8-bit weights (issue 11 item 4) against float32, with faster-whisper int8
as the reference in the same run.

Groups: English fixtures with tiny.en and base, Mandarin fixtures with base; beam 1 by default.
Per group, one process per configuration:
  faster-whisper int8        the float16 model quantised on load by CTranslate2 (compute_type=int8)
  captionctl float32         --compute float32 (every weight widened to float32)
  captionctl int8 (on load)  --compute int8 on the float16 model (quantised as it is read)
  captionctl int8 (ct2 file) the CTranslate2 int8 checkpoint <model>-int8 (scripts/fetch-models
                             <model>-int8), default compute (kept 8-bit)
Accuracy: corpus WER (English) or CER (Mandarin) of each configuration against the manifest's
references, all scored by `captionctl score` (the same normalisation for every engine).
Speed: "wall s" is transcription with model load excluded (captionctl's JSON timing,
faster-whisper's own timer); peak RSS is each process's ru_maxrss.
Targets (issue 11): captionctl int8 WER/CER within 0.5 points of captionctl float32; int8 peak RSS
<= 200 MB for tiny.en and <= 330 MB for base; int8 wall time no worse than float32.
"""
import json
import os
import subprocess
import sys
import tempfile

from measure import run_measured, tail
from offline_section import captionctl_timing, json_documents, read_clips

NAME = "int8"
GROUPS = [("tiny.en", "en"), ("base", "en"), ("base", "zh")]
RSS_TARGET_MB = {"tiny.en": 200, "base": 330}
HERE = os.path.dirname(os.path.abspath(__file__))


def add_arguments(ap):
    g = ap.add_argument_group("int8")
    g.add_argument("--int8-models", default="tiny.en,base", help="models (tiny.en,base)")
    g.add_argument("--int8-beam", type=int, default=1, help="beam size (1)")
    g.add_argument("--int8-max-clips", type=int, default=0, help="at most N clips per language (0: all)")


def texts_from_captionctl(stdout):
    flat = json_documents(stdout)
    return [d.get("text", "") for d in flat if isinstance(d, dict)]


def score(ctx, lang, refs, hyps):
    """Corpus WER (en) or CER (zh) in percent from `captionctl score`, or None."""
    metric = "cer" if lang == "zh" else "wer"
    with tempfile.TemporaryDirectory(prefix="bench-int8-") as tmp:
        paths = [os.path.join(tmp, "ref.txt"), os.path.join(tmp, "hyp.txt")]
        for path, lines in zip(paths, (refs, hyps)):
            with open(path, "w", encoding="utf-8") as f:
                f.write("".join(" ".join(line.split()) + "\n" for line in lines))
        out = subprocess.run([ctx.captionctl, "score", "--ref", paths[0], "--hyp", paths[1],
                              "--metrics", metric, "--language", lang, "--json"],
                             capture_output=True, text=True)
        try:
            return 100 * json.loads(out.stdout)[metric]["rate"]
        except (ValueError, KeyError, TypeError):
            ctx.progress(f"int8: captionctl score failed: {tail(out.stderr, 2)}")
            return None


def run_fw(ctx, model_dir, lang, beam, files):
    argv = [sys.executable, os.path.join(HERE, "fw_worker.py"), "--model-dir", model_dir,
            "--compute", "int8", "--beam", str(beam), "--threads", str(ctx.threads),
            "--language", lang] + files
    m = run_measured(argv)
    row = {"engine": "faster-whisper int8", "peak_rss_mb": m.peak_rss_mb, "process_s": m.wall_s,
           "cpu_s": m.user_s + m.sys_s}
    if m.returncode != 0:
        row["error"] = f"exit {m.returncode}: " + " | ".join(tail(m.stderr, 3).splitlines())
        return row
    out = json.loads(m.stdout.strip().splitlines()[-1])
    row.update(load_s=out["load_s"], wall_s=out["transcribe_s"], texts=[f["text"] for f in out["files"]])
    return row


def run_ctl(ctx, label, model_dir, compute, lang, beam, files):
    argv = [ctx.captionctl, "transcribe"] + files + [
        "--model", model_dir, "--beam", str(beam), "--threads", str(ctx.threads),
        "--language", lang, "--format", "json", "--compute", compute]
    m = run_measured(argv, env=dict(os.environ, CAPTIOND_MODELS=ctx.models))
    row = {"engine": label, "peak_rss_mb": m.peak_rss_mb, "process_s": m.wall_s, "cpu_s": m.user_s + m.sys_s}
    if m.returncode != 0:
        row["error"] = f"exit {m.returncode}: " + " | ".join(tail(m.stderr, 3).splitlines())
        return row
    timing = captionctl_timing(m.stdout)
    if timing:
        row.update(load_s=timing[0], wall_s=timing[1])
    else:
        row.update(load_s=None, wall_s=m.wall_s)
    row["texts"] = texts_from_captionctl(m.stdout)
    return row


def manifest_refs(fixtures):
    import csv
    with open(os.path.join(fixtures, "manifest.tsv"), newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
    return {os.path.join(fixtures, r["path"]): r["reference"] for r in rows}


def run(ctx, args):
    if not ctx.captionctl_ok:
        raise SystemExit(f"bench: int8 needs captionctl ({ctx.captionctl}): "
                         "swift build -c release --product captionctl")
    clips = read_clips(ctx.fixtures)
    refs = manifest_refs(ctx.fixtures)
    models = [m for m in args.int8_models.split(",") if m]
    rows = []
    for model, lang in GROUPS:
        if model not in models or lang not in clips:
            continue
        model_dir = os.path.join(ctx.models, model)
        int8_dir = os.path.join(ctx.models, model + "-int8")
        if not os.path.isfile(os.path.join(model_dir, "model.bin")):
            raise SystemExit(f"bench: {model_dir} is not installed: run scripts/fetch-models {model}")
        group = clips[lang][:args.int8_max_clips] if args.int8_max_clips > 0 else clips[lang]
        files = [p for p, _ in group]
        audio_s = sum(s for _, s in group)
        configs = [("faster-whisper int8", lambda: run_fw(ctx, model_dir, lang, args.int8_beam, files)),
                   ("captionctl float32", lambda: run_ctl(ctx, "captionctl float32", model_dir, "float32",
                                                          lang, args.int8_beam, files)),
                   ("captionctl int8 (on load)", lambda: run_ctl(ctx, "captionctl int8 (on load)", model_dir,
                                                                 "int8", lang, args.int8_beam, files)),
                   ("captionctl int8 (ct2 file)", lambda: run_ctl(ctx, "captionctl int8 (ct2 file)", int8_dir,
                                                                  "default", lang, args.int8_beam, files))]
        if not os.path.isfile(os.path.join(int8_dir, "model.bin")):
            # Reported as a failed row (the other sections still run): the int8 checkpoint is
            # written from the installed model by CTranslate2's converter code.
            configs[-1] = ("captionctl int8 (ct2 file)", lambda: {
                "engine": "captionctl int8 (ct2 file)",
                "error": f"{int8_dir} is not installed: run scripts/fetch-models {model}-int8"})
        results = []
        for label, fn in configs:
            ctx.progress(f"int8: {model} {lang} beam {args.int8_beam} {label}")
            r = fn()
            r.update(model=model, language=lang, beam=args.int8_beam, clips=len(files), audio_s=audio_s)
            if "texts" in r and len(r["texts"]) == len(files):
                r["error_rate"] = score(ctx, lang, [refs[f] for f in files], r["texts"])
            results.append(r)
            ctx.progress("int8: " + format_row(r).strip())
        rows.extend(results)
    return {"rows": rows, "summary": summarize(rows)}


def summarize(rows):
    """Per (model, language): int8 vs float32 error-rate gap, RSS and wall-time ratio."""
    out = {}
    for key in sorted({(r["model"], r["language"]) for r in rows}):
        sel = {r["engine"]: r for r in rows if (r["model"], r["language"]) == key}
        f32 = sel.get("captionctl float32", {})
        for engine in ("captionctl int8 (on load)", "captionctl int8 (ct2 file)"):
            q = sel.get(engine, {})
            if "wall_s" not in q or "wall_s" not in f32 or q.get("error_rate") is None or f32.get("error_rate") is None:
                continue
            s = {"error_gap_points": q["error_rate"] - f32["error_rate"],
                 "peak_rss_mb": q["peak_rss_mb"], "rss_target_mb": RSS_TARGET_MB.get(key[0]),
                 "wall_ratio_vs_float32": q["wall_s"] / f32["wall_s"],
                 # Whole-process CPU time (load included): steadier than wall time on a busy machine.
                 "cpu_ratio_vs_float32": q["cpu_s"] / max(f32["cpu_s"], 1e-9)}
            fw = sel.get("faster-whisper int8", {})
            if "wall_s" in fw:
                s["wall_ratio_vs_fw_int8"] = q["wall_s"] / fw["wall_s"]
            s["meets_target"] = abs(s["error_gap_points"]) <= 0.5 and \
                (s["rss_target_mb"] is None or s["peak_rss_mb"] <= s["rss_target_mb"]) and \
                s["wall_ratio_vs_float32"] <= 1.0
            out[f"{key[0]} {key[1]} {engine}"] = s
    return out


def format_row(r):
    cfg = f"{r['model']} {r['language']} {r['engine']}"
    if "error" in r:
        return f"{cfg:40s} FAILED {r['error']}"
    err = f"{r['error_rate']:.2f}" if r.get("error_rate") is not None else "-"
    load = f"{r['load_s']:.2f}" if r.get("load_s") is not None else "-"
    return (f"{cfg:40s} {r['clips']:5d} {r['audio_s']:8.1f} {load:>7s} {r['wall_s']:7.2f} "
            f"{r['wall_s'] / r['audio_s']:7.3f} {r['peak_rss_mb']:11.0f} {r['cpu_s']:7.1f} {err:>8s}")


def report(result, write):
    write(f"{'config':40s} {'clips':>5s} {'audio s':>8s} {'load s':>7s} {'wall s':>7s} {'RTF':>7s} "
          f"{'peak RSS MB':>11s} {'CPU s':>7s} {'WER/CER%':>8s}")
    for r in result["rows"]:
        write(format_row(r))
    write("WER (en) / CER (zh) in percent by `captionctl score`; wall s = transcription of all clips, "
          "model load excluded; peak RSS and CPU s = the whole process")
    for name, s in result["summary"].items():
        verdict = "meets" if s["meets_target"] else "misses"
        fw = f", {s['wall_ratio_vs_fw_int8']:.2f}x faster-whisper int8" if "wall_ratio_vs_fw_int8" in s else ""
        write(f"{name}: error {s['error_gap_points']:+.2f} points vs float32 (target within 0.5); "
              f"peak RSS {s['peak_rss_mb']:.0f} MB (target <= {s['rss_target_mb']}); wall "
              f"{s['wall_ratio_vs_float32']:.2f}x float32 (target <= 1.0){fw}; CPU time "
              f"{s['cpu_ratio_vs_float32']:.2f}x float32; {verdict} the targets")
