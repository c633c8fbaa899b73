"""The "speed" benchmark (issue 11): the default offline settings against faster-whisper, whole process.

Configurations (each engine in its own process, same clips, same thread count, in one run):
  - beam 1 and beam 5 with the language given: tiny.en and base on the English clips, base on the
    Mandarin clips;
  - `--language auto` (detection on the first window, then decoding; beam 5, the default) with base
    on the English and the Mandarin clips;
  - model load: tiny.en and base, `captionctl transcribe` of the shortest clip (its JSON
    `timing.load_seconds`) against faster-whisper's `WhisperModel(...)` construction (fw_worker's
    load_s), repeated --speed-load-repeats times, median.

"process s" is the whole process, start to exit (faster-whisper: Python start-up and imports,
model load, audio decoding, features, transcription; captionctl: the same without Python); ratio =
captionctl process s / faster-whisper float32 process s. Each configuration runs --speed-repeats
times per engine (default 3), the engines alternating; the times shown are medians, the ratio is
the median of the repeats' ratios (each pair run back to back), with their range. "CPU s" is the process's user+system time;
CPU ratio compares those (less sensitive than wall time to other work on a shared machine, but it
counts busy-waiting worker threads on both sides). "transcribe s" excludes model load on both sides
(fw_worker's transcribe_s, captionctl's timing.transcribe_seconds summed).
Targets: beam 5 ratio <= 0.8, beam 1 <= 0.6, --language auto <= 0.7; load <= faster-whisper's.
"""
import json
import os
import statistics
import sys

from measure import run_measured, tail
from offline_section import captionctl_timing, read_clips

NAME = "speed"
HERE = os.path.dirname(os.path.abspath(__file__))
TARGETS = {1: 0.6, 5: 0.8, "auto": 0.7}
# (label, model, clip language, language passed, beam)
CONFIGS = [
    ("beam 1", "tiny.en", "en", "en", 1), ("beam 5", "tiny.en", "en", "en", 5),
    ("beam 1", "base", "en", "en", 1), ("beam 5", "base", "en", "en", 5),
    ("beam 1", "base", "zh", "zh", 1), ("beam 5", "base", "zh", "zh", 5),
    ("auto", "base", "en", "auto", 5), ("auto", "base", "zh", "auto", 5),
]


def add_arguments(ap):
    g = ap.add_argument_group("speed")
    g.add_argument("--speed-configs", default="",
                   help="only configurations whose 'label model language' contains one of these "
                        "comma-separated strings (e.g. 'beam 5 tiny.en,auto')")
    g.add_argument("--speed-max-clips", type=int, default=0, help="at most N clips per language (0: all)")
    g.add_argument("--speed-load-repeats", type=int, default=3, help="model loads per engine and model")
    g.add_argument("--speed-skip-load", action="store_true", help="skip the model-load measurement")
    g.add_argument("--speed-compute", default="default",
                   help="captionctl's --compute (default: the default settings; float16 keeps every product in "
                        "float32 where the default uses AMX bfloat16 tiles)")
    g.add_argument("--speed-repeats", type=int, default=3,
                   help="runs per engine and configuration, the engines alternating (ratio: median of the pairs)")


def fw(ctx, model, language, beam, files):
    argv = [sys.executable, os.path.join(HERE, "fw_worker.py"), "--model-dir", os.path.join(ctx.models, model),
            "--compute", "float32", "--beam", str(beam), "--threads", str(ctx.threads),
            "--language", language] + files
    m = run_measured(argv)
    row = {"process_s": m.wall_s, "cpu_s": m.user_s + m.sys_s, "peak_rss_mb": m.peak_rss_mb}
    if m.returncode != 0:
        row["error"] = f"faster-whisper exit {m.returncode}: " + " | ".join(tail(m.stderr, 3).splitlines())
        return row
    out = json.loads(m.stdout.strip().splitlines()[-1])
    row.update(load_s=out["load_s"], import_s=out["import_s"], transcribe_s=out["transcribe_s"])
    return row


def ctl(ctx, model, language, beam, files, compute="default"):
    argv = [ctx.captionctl, "transcribe"] + files + ["--model", model, "--beam", str(beam),
                                                     "--threads", str(ctx.threads), "--language", language,
                                                     "--format", "json", "--compute", compute]
    m = run_measured(argv, env=dict(os.environ, CAPTIOND_MODELS=ctx.models))
    row = {"process_s": m.wall_s, "cpu_s": m.user_s + m.sys_s, "peak_rss_mb": m.peak_rss_mb}
    if m.returncode != 0:
        row["error"] = f"captionctl exit {m.returncode}: " + " | ".join(tail(m.stderr, 3).splitlines())
        return row
    timing = captionctl_timing(m.stdout)
    if timing:
        row.update(load_s=timing[0], transcribe_s=timing[1])
    return row


def median_run(runs):
    """One engine's repeated runs of a configuration: the median of each time, the largest peak
    RSS, every process time; the first error if any run failed."""
    failed = [r for r in runs if "error" in r]
    if failed:
        return failed[0]
    out = {"runs_process_s": [r["process_s"] for r in runs], "peak_rss_mb": max(r["peak_rss_mb"] for r in runs)}
    for key in ("process_s", "cpu_s", "load_s", "import_s", "transcribe_s"):
        if all(key in r for r in runs):
            out[key] = statistics.median(r[key] for r in runs)
    return out


def selected(label, model, lang, wanted):
    if not wanted:
        return True
    key = f"{label} {model} {lang}"
    return any(w.strip() and w.strip() in key for w in wanted.split(","))


def run(ctx, args):
    if not ctx.captionctl_ok:
        raise SystemExit(f"bench: speed: captionctl not found at {ctx.captionctl}")
    clips = read_clips(ctx.fixtures)
    rows = []
    for label, model, lang, language, beam in CONFIGS:
        if not selected(label, model, lang, args.speed_configs) or lang not in clips:
            continue
        if not os.path.isfile(os.path.join(ctx.models, model, "model.bin")):
            raise SystemExit(f"bench: model {model} not installed in {ctx.models}: run scripts/fetch-models {model}")
        group = clips[lang][:args.speed_max_clips] if args.speed_max_clips > 0 else clips[lang]
        files = [p for p, _ in group]
        row = {"label": label, "model": model, "clips_language": lang, "language": language, "beam": beam,
               "clips": len(files), "audio_s": sum(s for _, s in group)}
        fws, ctls = [], []
        for i in range(max(1, args.speed_repeats)):
            # The engines alternate (fw, ctl, ctl, fw, ...) so a slow spell of the machine is
            # shared between them rather than falling on one.
            order = [("faster-whisper", fw, fws), ("captionctl", lambda *a: ctl(*a, compute=args.speed_compute), ctls)]
            for name, engine, runs in (order if i % 2 == 0 else order[::-1]):
                ctx.progress(f"speed: {label} {model} {lang}: {name} ({i + 1}/{args.speed_repeats})")
                runs.append(engine(ctx, model, language, beam, files))
        row["fw"], row["ctl"] = median_run(fws), median_run(ctls)
        if "error" not in row["fw"] and "error" not in row["ctl"]:
            row["pair_ratios"] = [c["process_s"] / f["process_s"] for f, c in zip(fws, ctls)]
            row["ratio"] = statistics.median(row["pair_ratios"])
            row["cpu_ratio"] = row["ctl"]["cpu_s"] / max(row["fw"]["cpu_s"], 1e-9)
            if "transcribe_s" in row["ctl"]:
                row["transcribe_ratio"] = row["ctl"]["transcribe_s"] / row["fw"]["transcribe_s"]
            target = TARGETS["auto" if label == "auto" else beam]
            row["target"] = target
            row["meets_target"] = row["ratio"] <= target
        else:
            row["error"] = row["fw"].get("error") or row["ctl"].get("error")
        ctx.progress("speed: " + format_row(row))
        rows.append(row)

    loads = []
    if not args.speed_skip_load:
        shortest = {}
        for lang, group in clips.items():
            for path, seconds in group:
                shortest[lang] = min(shortest.get(lang, (path, seconds)), (path, seconds), key=lambda c: c[1])
        for model, lang in [("tiny.en", "en"), ("base", "en")]:
            if lang not in shortest or not os.path.isfile(os.path.join(ctx.models, model, "model.bin")):
                continue
            clip = shortest[lang][0]
            ctl_loads, fw_loads, fw_imports = [], [], []
            for i in range(max(1, args.speed_load_repeats)):
                ctx.progress(f"speed: load {model} ({i + 1}/{args.speed_load_repeats})")
                c = ctl(ctx, model, lang, 1, [clip], args.speed_compute)
                f = fw(ctx, model, lang, 1, [clip])
                if "load_s" in c:
                    ctl_loads.append(c["load_s"])
                if "load_s" in f:
                    fw_loads.append(f["load_s"])
                    fw_imports.append(f["import_s"])
            load = {"model": model, "ctl_load_s": ctl_loads, "fw_load_s": fw_loads, "fw_import_s": fw_imports}
            if ctl_loads and fw_loads:
                load["ctl_median_s"] = statistics.median(ctl_loads)
                load["fw_median_s"] = statistics.median(fw_loads)
                load["ratio"] = load["ctl_median_s"] / max(load["fw_median_s"], 1e-9)
                load["meets_target"] = load["ratio"] <= 1.0
            loads.append(load)
    summary = {f"{r['label']} {r['model']} {r['clips_language']}": {"ratio": r.get("ratio"),
                                                                    "meets_target": r.get("meets_target")}
               for r in rows}
    for load in loads:
        summary[f"load {load['model']}"] = {"ratio": load.get("ratio"), "meets_target": load.get("meets_target")}
    return {"rows": rows, "loads": loads, "summary": summary, "compute": args.speed_compute}


def format_row(r):
    cfg = f"{r['label']:6s} {r['model']:8s} {r['clips_language']} {r['clips']:3d} clips {r['audio_s']:6.1f} s"
    if "error" in r:
        return f"{cfg}  FAILED {r['error']}"
    f, c = r["fw"], r["ctl"]
    tr = f"{r['transcribe_ratio']:.2f}" if "transcribe_ratio" in r else "-"
    verdict = "meets" if r["meets_target"] else "misses"
    pairs = r.get("pair_ratios", [r["ratio"]])
    spread = f" (pairs {min(pairs):.2f}-{max(pairs):.2f})" if len(pairs) > 1 else ""
    return (f"{cfg}  process s fw {f['process_s']:6.2f} ctl {c['process_s']:6.2f}  ratio {r['ratio']:.2f}{spread} "
            f"(target <= {r['target']}, {verdict})  CPU s fw {f['cpu_s']:6.1f} ctl {c['cpu_s']:6.1f} "
            f"ratio {r['cpu_ratio']:.2f}  transcribe ratio {tr}  peak RSS MB fw {f['peak_rss_mb']:.0f} "
            f"ctl {c['peak_rss_mb']:.0f}")


def report(result, write):
    write("whole process, faster-whisper 1.2.1 float32 vs captionctl (--compute "
          f"{result.get('compute', 'default')}), same clips and threads; ratio = captionctl / faster-whisper")
    for r in result["rows"]:
        write(format_row(r))
    for load in result["loads"]:
        if "ratio" not in load:
            write(f"load {load['model']}: n/a")
            continue
        verdict = "meets" if load["meets_target"] else "misses"
        write(f"load {load['model']:8s} median of {len(load['ctl_load_s'])}: captionctl {load['ctl_median_s']:.3f} s, "
              f"faster-whisper {load['fw_median_s']:.3f} s (+ {statistics.median(load['fw_import_s']):.2f} s of "
              f"Python imports), ratio {load['ratio']:.2f} (target <= 1.0, {verdict}); all: captionctl "
              f"{', '.join(f'{x:.3f}' for x in load['ctl_load_s'])}; faster-whisper "
              f"{', '.join(f'{x:.3f}' for x in load['fw_load_s'])}")
