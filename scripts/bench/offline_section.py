"""The "offline" benchmark: file transcription, faster-whisper against captionctl.

Groups: English fixtures with tiny.en and base, Mandarin fixtures with base. For each group and
beam size, one process per engine: faster-whisper float32, faster-whisper int8, captionctl.

Timing: "wall s" is transcription time with model load excluded. faster-whisper reports it from
inside its process (fw_worker.py: load_s and transcribe_s). captionctl is timed from outside unless
its JSON output carries "load_seconds" and "transcribe_seconds" (top level or under "timing", in
every file's JSON object; captionctl repeats its one model load in each, so load is counted once and
transcribe_seconds summed over files); without them its wall time is the whole process, load included, which can only
make captionctl look slower (marked "*"). RTF = wall s / audio s; ratio = wall s / wall s of
faster-whisper float32 at the same beam, model and clips. Peak RSS is each process's own ru_maxrss.
"""
import csv
import json
import os
import sys

from measure import run_measured, tail

NAME = "offline"
GROUPS = [("tiny.en", "en"), ("base", "en"), ("base", "zh")]
HERE = os.path.dirname(os.path.abspath(__file__))


def add_arguments(ap):
    g = ap.add_argument_group("offline")
    g.add_argument("--models-list", default="tiny.en,base", help="models to run (tiny.en,base)")
    g.add_argument("--beams", default="1,5", help="beam sizes (1,5)")
    g.add_argument("--computes", default="float32,int8", help="faster-whisper compute types")
    g.add_argument("--max-clips", type=int, default=0, help="at most N clips per language (0: all)")
    g.add_argument("--max-clips-beam", type=int, default=4,
                   help="at most N clips per language for beam sizes above 1, to keep `make bench` "
                        "near 15 minutes on 2 cores (default 4; 0: as --max-clips)")
    g.add_argument("--skip-captionctl", action="store_true", help="benchmark faster-whisper only")


def read_clips(fixtures):
    path = os.path.join(fixtures, "manifest.tsv")
    if not os.path.isfile(path):
        raise SystemExit(f"bench: no manifest at {path}: pass --fixtures DIR "
                         "or set CAPTIOND_SHARED_FIXTURES")
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
    clips = {}
    for i, row in enumerate(rows, start=2):
        try:
            seconds = float(row["duration_s"])
        except (KeyError, TypeError, ValueError):
            raise SystemExit(f"bench: {path}:{i}: duration_s '{row.get('duration_s')}' "
                             "is not a number")
        clips.setdefault(row["lang"], []).append((os.path.join(fixtures, row["path"]), seconds))
    return clips


def json_documents(stdout):
    """The objects of captionctl's JSON output: one document, or one per line (lists flattened)."""
    docs = []
    try:
        docs = [json.loads(stdout)]
    except ValueError:
        for line in stdout.splitlines():
            try:
                docs.append(json.loads(line))
            except ValueError:
                pass
    flat = []
    for d in docs:
        flat.extend(d if isinstance(d, list) else [d])
    return flat


def captionctl_timing(stdout):
    """(load_s, transcribe_s) when captionctl reports them in its JSON output, else None."""
    flat = json_documents(stdout)
    load = transcribe = 0.0
    found = False
    for d in flat:
        if not isinstance(d, dict):
            continue
        t = d.get("timing") if isinstance(d.get("timing"), dict) else d
        if isinstance(t.get("load_seconds"), (int, float)) and \
                isinstance(t.get("transcribe_seconds"), (int, float)):
            # One model load per process, repeated in every file's object: count it once.
            load = max(load, t["load_seconds"])
            transcribe += t["transcribe_seconds"]
            found = True
    return (load, transcribe) if found else None


def run_fw(ctx, model, lang, compute, beam, files):
    argv = [sys.executable, os.path.join(HERE, "fw_worker.py"),
            "--model-dir", os.path.join(ctx.models, model), "--compute", compute,
            "--beam", str(beam), "--threads", str(ctx.threads), "--language", lang] + files
    m = run_measured(argv)
    row = {"engine": f"faster-whisper {compute}", "peak_rss_mb": m.peak_rss_mb,
           "process_s": m.wall_s, "cpu_s": m.user_s + m.sys_s}
    if m.returncode != 0:
        row["error"] = f"exit {m.returncode}: " + " | ".join(tail(m.stderr, 3).splitlines())
        return row
    out = json.loads(m.stdout.strip().splitlines()[-1])
    row.update(load_s=out["load_s"], wall_s=out["transcribe_s"], load_included=False,
               texts=[f["text"] for f in out["files"]])
    return row


def run_captionctl(ctx, model, lang, beam, files):
    argv = [ctx.captionctl, "transcribe"] + files + [
        "--model", model, "--beam", str(beam), "--threads", str(ctx.threads),
        "--language", lang, "--format", "json"]
    env = dict(os.environ, CAPTIOND_MODELS=ctx.models)
    m = run_measured(argv, env=env)
    row = {"engine": "captionctl", "peak_rss_mb": m.peak_rss_mb, "process_s": m.wall_s,
           "cpu_s": m.user_s + m.sys_s}
    if m.returncode != 0:
        row["error"] = f"exit {m.returncode}: " + " | ".join(tail(m.stderr, 3).splitlines())
        return row
    timing = captionctl_timing(m.stdout)
    if timing:
        row.update(load_s=timing[0], wall_s=timing[1], load_included=False)
    else:
        row.update(load_s=None, wall_s=m.wall_s, load_included=True)
    return row


def run(ctx, args):
    clips = read_clips(ctx.fixtures)
    models = [m for m in args.models_list.split(",") if m]
    beams = [int(b) for b in args.beams.split(",") if b]
    computes = [c for c in args.computes.split(",") if c]
    if "float32" not in computes:
        computes.insert(0, "float32")  # the baseline every ratio is taken against
    for m in models:
        if not os.path.isfile(os.path.join(ctx.models, m, "model.bin")):
            raise SystemExit(f"bench: model {m} not installed in {ctx.models}: "
                             f"run scripts/fetch-models {m}")
    use_ctl = not args.skip_captionctl and ctx.captionctl_ok

    rows = []
    for model, lang in GROUPS:
        if model not in models or lang not in clips:
            continue
        for beam in beams:
            limit = args.max_clips
            if beam > 1 and args.max_clips_beam > 0:
                limit = min(limit, args.max_clips_beam) if limit > 0 else args.max_clips_beam
            group = clips[lang][:limit] if limit > 0 else clips[lang]
            files = [p for p, _ in group]
            audio_s = sum(s for _, s in group)
            results = []
            for compute in computes:
                ctx.progress(f"offline: {model} {lang} beam {beam} faster-whisper {compute}")
                results.append(run_fw(ctx, model, lang, compute, beam, files))
            if use_ctl:
                ctx.progress(f"offline: {model} {lang} beam {beam} captionctl")
                results.append(run_captionctl(ctx, model, lang, beam, files))
            base = results[0].get("wall_s")
            for r in results:
                r.update(model=model, language=lang, beam=beam, clips=len(files), audio_s=audio_s)
                if "wall_s" in r:
                    r["rtf"] = r["wall_s"] / audio_s
                    r["ratio"] = r["wall_s"] / base if base else None
                rows.append(r)
                ctx.progress("offline: " + format_row(r).strip())
    return {"rows": rows, "summary": summarize(rows, models), "captionctl": use_ctl}


def summarize(rows, models):
    """Per model, over its languages at beam 1: captionctl wall / faster-whisper float32 wall."""
    out = {}
    for model in models:
        sel = [r for r in rows if r["model"] == model and r["beam"] == 1]
        fw = [r for r in sel if r["engine"] == "faster-whisper float32" and "wall_s" in r]
        ctl = [r for r in sel if r["engine"] == "captionctl"]
        s = {"fw_float32_wall_s": sum(r["wall_s"] for r in fw),
             "fw_float32_peak_rss_mb": max((r["peak_rss_mb"] for r in fw), default=None)}
        if ctl and all("wall_s" in r for r in ctl) and fw:
            s["captionctl_wall_s"] = sum(r["wall_s"] for r in ctl)
            s["ratio"] = s["captionctl_wall_s"] / s["fw_float32_wall_s"]
            s["captionctl_peak_rss_mb"] = max(r["peak_rss_mb"] for r in ctl)
            # Whole-process CPU time (load included on both sides): less sensitive than wall time
            # to other work on a busy machine.
            s["cpu_ratio"] = sum(r["cpu_s"] for r in ctl) / max(sum(r["cpu_s"] for r in fw), 1e-9)
            s["load_included"] = any(r["load_included"] for r in ctl)
            s["meets_target"] = s["ratio"] <= 1.0 and \
                s["captionctl_peak_rss_mb"] <= s["fw_float32_peak_rss_mb"]
        out[model] = s
    return out


def format_row(r):
    cfg = f"{r['model']} {r['language']} beam {r['beam']} {r['engine']}"
    cfg = f"{cfg:42s} {r['clips']:5d}"
    if "error" in r:
        return f"{cfg:44s} FAILED {r['error']}"
    load = f"{r['load_s']:.2f}" if r.get("load_s") is not None else "-"
    star = "*" if r.get("load_included") else " "
    ratio = f"{r['ratio']:.2f}" if r.get("ratio") is not None else "-"
    return (f"{cfg:44s} {r['audio_s']:8.1f} {load:>7s} {r['wall_s']:7.2f}{star} "
            f"{r['rtf']:7.3f} {ratio:>6s} {r['peak_rss_mb']:11.0f} {r['cpu_s']:7.1f}")


def report(result, write):
    write(f"{'config':42s} {'clips':>5s} {'audio s':>8s} {'load s':>7s} {'wall s':>8s} {'RTF':>7s} "
          f"{'ratio':>6s} {'peak RSS MB':>11s} {'CPU s':>7s}")
    for r in result["rows"]:
        write(format_row(r))
    if any(r.get("load_included") for r in result["rows"]):
        write("* captionctl reported no timings: whole process timed, model load included")
    write("wall s: transcription of all clips (audio decoding + features + decoding), model load "
          "excluded (shown as load s) on both sides; RTF = wall s / audio s; ratio = wall s / "
          "faster-whisper float32 wall s at the same model, language, beam and clips")
    write("CPU s and peak RSS: the whole process (start-up and load included), each configuration "
          "in its own process")
    if any(r["beam"] > 1 for r in result["rows"]):
        write("beam sizes above 1 run on fewer clips (--max-clips-beam) to bound the run time; "
              "the target is taken at beam 1 on all clips")
    for model, s in result["summary"].items():
        if "ratio" in s:
            verdict = "meets" if s["meets_target"] else "misses"
            write(f"{model}: beam-1 ratio {s['ratio']:.2f} vs faster-whisper float32 "
                  f"(target <= 1.0); peak RSS {s['captionctl_peak_rss_mb']:.0f} MB vs "
                  f"{s['fw_float32_peak_rss_mb']:.0f} MB; {verdict} the target "
                  f"(CPU-time ratio {s['cpu_ratio']:.2f})")
        else:
            write(f"{model}: beam-1 ratio n/a (no captionctl result); faster-whisper float32 "
                  f"beam 1: {s['fw_float32_wall_s']:.2f} s, peak RSS "
                  f"{s['fw_float32_peak_rss_mb'] or 0:.0f} MB")
