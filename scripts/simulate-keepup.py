#!/usr/bin/env python3
"""The keep-up stream through `captionctl simulate --timeline`: the streaming policy's own latency
and accuracy, deterministic and free of the machine's speed (issue 11 diagnosis).

The keepup benchmark plays the stream in real time, so its latencies mix the policy's rules with
this machine's compute. Here the same stream (the fixture clips of one language, 1 s of lead and
2 s of silence after each clip: `scripts/bench/keepup_section.build_stream`) goes through the live
captioner as fast as it computes, and each event is placed at the audio time the captioner had
reached when it emitted it (`simulate --timeline`). Per clip, as in the keepup section:
  - first appearance: first partial or final overlapping the clip - end of its first word;
  - end of speech -> final: the clip's last final - end of its last word;
  - the finals joined against the manifest reference (WER, `captionctl score`), and flicker.
Word ends come from faster-whisper word timestamps (the keepup section's `word_span`), or from a
keepup dump (KEEPUP_DUMP=PREFIX: its "spans") with --spans PREFIX.en.json, which needs no
reference implementation.

With --paced (`simulate --paced`) every decode takes its measured compute on a virtual clock and
the decode schedule adapts as in the daemon: the latencies of live captions on an idle machine,
without playing the stream in real time (a run is not bit-for-bit repeatable: decode times vary).

Usage: scripts/simulate-keepup.py --captionctl BIN [--streaming "key = v; ..."] [--spans DUMP]
       [--fixtures DIR] [--models DIR] [--run en] [--paced [--slowdown K]] [--trace FILE]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "bench"))

from keepup_section import GAP_S, RUNS, build_stream, score, word_span  # noqa: E402
from offline_section import read_clips  # noqa: E402
from streaming_section import percentile, revisions  # noqa: E402


SIMULATE_ORIGIN_S = 100.0   # captionctl simulate: the captioner's clock at the file's first sample


def references(fixtures):
    import csv
    with open(os.path.join(fixtures, "manifest.tsv"), newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
    return {os.path.join(fixtures, r["path"]): r["reference"] for r in rows}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--captionctl", required=True)
    ap.add_argument("--streaming", default="", help="[streaming] keys, ';'-separated")
    ap.add_argument("--spans", help="a keepup dump (PREFIX.LANG.json) whose word spans to use")
    ap.add_argument("--fixtures", default=os.environ.get("CAPTIOND_SHARED_FIXTURES",
                                                         os.path.join(HERE, "..", "..", "shared", "fixtures")))
    ap.add_argument("--models", default=os.environ.get("CAPTIOND_MODELS", "/var/lib/captiond/models"))
    ap.add_argument("--run", default="en", choices=sorted(RUNS))
    ap.add_argument("--json", action="store_true", help="print the summary as JSON")
    ap.add_argument("--paced", action="store_true",
                    help="simulate --paced: decodes take their measured compute on a virtual clock, as live")
    ap.add_argument("--slowdown", type=float, default=1.0,
                    help="with --paced: each decode takes its measured compute times this (a slower or loaded machine)")
    ap.add_argument("--trace", help="write simulate's standard error here (with CAPTIOND_TRACE_DECODES=1: every decode)")
    args = ap.parse_args()
    model, lang = RUNS[args.run][:2]
    clips = read_clips(args.fixtures).get(lang, [])
    refs = references(args.fixtures)
    with tempfile.TemporaryDirectory(prefix="simulate-keepup-") as tmp:
        stream, offsets, wavs = build_stream(clips, tmp)
        if args.spans:
            spans = [tuple(s) if s else None for s in json.load(open(args.spans))["spans"]]
        else:
            spans = [word_span(os.path.join(args.models, model), w, lang) for w in wavs]
        timeline = os.path.join(tmp, "timeline.tsv")
        cmd = [args.captionctl, "simulate", stream, "--model", model, "--models", args.models,
               "--timeline", timeline, "--language", lang]
        if args.streaming:
            cmd += ["--streaming", args.streaming]
        if args.paced:
            cmd += ["--paced"]
            if args.slowdown != 1.0:
                cmd += ["--slowdown", str(args.slowdown)]
        elif args.slowdown != 1.0:
            raise SystemExit("--slowdown goes with --paced")
        out = subprocess.run(cmd, capture_output=True, text=True)
        if args.trace:
            with open(args.trace, "w", encoding="utf-8") as f:
                f.write(out.stderr)
        if out.returncode != 0:
            raise SystemExit(f"simulate failed ({out.returncode}): {out.stderr.strip()[-400:]}")
        events = []
        for line in open(timeline, encoding="utf-8"):
            t, _, doc = line.partition("\t")
            e = json.loads(doc)
            for key in ("start", "end"):
                if key in e:
                    e[key] -= SIMULATE_ORIGIN_S
            events.append((float(t), e))
    # The timeline's first column is audio seconds from the stream's start; the events' own
    # start/end carry the captioner's clock, which simulate starts at SIMULATE_ORIGIN_S (shifted
    # above). The clips' offsets are from the stream's start too.
    finals = [(t, e) for t, e in events if e.get("type") == "final"]
    rows, lat_final, lat_first, lost = [], [], [], 0
    for (path, _), (off, dur), span in zip(clips, offsets, spans):
        lo, hi = off, off + dur + GAP_S - 0.05
        mine = [(t, e) for t, e in finals if lo - 0.5 <= e["end"] < hi]
        seen = [(t, e) for t, e in events if e.get("type") in ("partial", "final") and e["end"] > lo and e["start"] < hi]
        row = {"clip": os.path.basename(path), "text": " ".join(e["text"] for _, e in mine),
               "reference": refs.get(path, "")}
        if span:
            if mine:
                row["final_s"] = mine[-1][0] - (off + span[1])
                lat_final.append(row["final_s"])
            else:
                lost += 1
            if seen:
                row["first_s"] = min(t for t, _ in seen) - (off + span[0])
                lat_first.append(row["first_s"])
        rows.append(row)

    class Ctx:
        captionctl = args.captionctl
    words, revised = revisions(events)
    summary = {
        "streaming": args.streaming, "clips": len(rows), "lost": lost,
        "final_median_s": percentile(lat_final, 50), "final_p90_s": percentile(lat_final, 90),
        "first_median_s": percentile(lat_first, 50), "first_p90_s": percentile(lat_first, 90),
        "error": score(Ctx, lang, [r["reference"] for r in rows], [r["text"] for r in rows]),
        "partial_words": words, "revised_words": revised, "rows": rows,
    }
    if args.json:
        print(json.dumps(summary, indent=1))
        return
    for r in rows:
        print(f"  {r['clip'][:44]:44s} first {r.get('first_s', float('nan')):5.2f} s  final "
              f"{r.get('final_s', float('nan')):5.2f} s  | {r['text'][:70]}")
    f = lambda v: "-" if v is None else f"{v:.2f} s"  # noqa: E731
    err = summary["error"]
    paced = f" (paced, slowdown {args.slowdown:g})" if args.paced and args.slowdown != 1.0 else " (paced)" if args.paced else ""
    print(f"streaming: {args.streaming or '(defaults)'}{paced}")
    print(f"first appearance median {f(summary['first_median_s'])} (p90 {f(summary['first_p90_s'])}); "
          f"end of speech -> final median {f(summary['final_median_s'])} (p90 {f(summary['final_p90_s'])}); "
          f"{'WER' if lang == 'en' else 'CER'} {'-' if err is None else f'{100 * err:.2f} %'}; "
          f"flicker {revised}/{words}; lost {lost}")


if __name__ == "__main__":
    main()
