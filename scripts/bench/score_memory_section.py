"""Score memory: peak RSS of `captionctl score` on one-line transcripts of 20 and 60 minutes.

The CER alignment of one long line used to hold the whole (n+1)×(m+1) matrix (1.3 GB for 20
minutes, an abort for 60). A synthetic reference of 150 words a minute and a hypothesis with about
10% word errors are scored with `--metrics wer,cer`; the child's own peak RSS comes from GNU time (measure.py).
"""
import os
import random
import subprocess
import tempfile
import time

import measure

NAME = "score_memory"
TARGETS = {"rss_mb_20min": 200.0}


def add_arguments(ap):
    ap.add_argument("--score-minutes", default="20,60", help="transcript lengths in minutes (score_memory section)")


def transcripts(minutes, seed=7):
    rng = random.Random(seed)
    vocab = ("the a of to and in is that it was for on are with as i his they be at one have this from or had by "
             "hot word but what some we can out other were all there when up use your how said an each she which do "
             "their time if will way about many then them write would like so these her long make thing see him two "
             "has look more day could go come did number sound no most people my over know water than call first who "
             "may down side been now find").split()
    ref = [rng.choice(vocab) for _ in range(150 * minutes)]
    hyp = []
    for w in ref:
        r = rng.random()
        if r < 0.04:
            continue
        if r < 0.08:
            hyp.append(rng.choice(vocab))
            continue
        hyp.append(w)
        if r > 0.97:
            hyp.append(rng.choice(vocab))
    return " ".join(ref), " ".join(hyp)


def run(ctx, args):
    if not ctx.captionctl_ok:
        return {"rows": [{"error": f"captionctl not built at {ctx.captionctl}"}]}
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-score-") as tmp:
        for minutes in [int(m) for m in args.score_minutes.split(",") if m]:
            ref, hyp = transcripts(minutes)
            rp, hp = os.path.join(tmp, "ref.txt"), os.path.join(tmp, "hyp.txt")
            with open(rp, "w") as f:
                f.write(ref + "\n")
            with open(hp, "w") as f:
                f.write(hyp + "\n")
            ctx.progress(f"score_memory: {minutes} min ({len(ref)} characters)")
            m = measure.run_measured([ctx.captionctl, "score", "--hyp", hp, "--ref", rp, "--metrics", "wer,cer"])
            row = {"minutes": minutes, "characters": len(ref), "seconds": m.wall_s,
                   "peak_rss_mb": m.peak_rss_mb, "exit": m.returncode}
            if m.returncode != 0:
                row["error"] = m.stderr.strip()[-200:]
            else:
                row["output"] = m.stdout.strip().splitlines()[1:]
            rows.append(row)
    summary = {}
    twenty = [r for r in rows if r["minutes"] == 20 and "error" not in r]
    if twenty:
        summary["rss_mb_20min"] = {"value": twenty[0]["peak_rss_mb"], "target": TARGETS["rss_mb_20min"]}
        summary["rss_mb_20min"]["meets_target"] = twenty[0]["peak_rss_mb"] <= TARGETS["rss_mb_20min"]
    return {"rows": rows, "summary": summary}


def report(result, write):
    for r in result.get("rows", []):
        if "error" in r and "minutes" not in r:
            write(f"  error: {r['error']}")
            continue
        line = (f"  {r['minutes']:3d} min, {r['characters']} characters: peak RSS {r['peak_rss_mb']:.1f} MB, "
                f"{r['seconds']:.1f} s, exit {r['exit']}")
        write(line + (f"  error: {r['error']}" if "error" in r else ""))
        for o in r.get("output", []):
            write(f"      {o}")
    s = result.get("summary", {}).get("rss_mb_20min")
    if s:
        write(f"  20-min transcript peak RSS target <= {s['target']:.0f} MB: {'ok' if s['meets_target'] else 'MISSED'}")
