"""The "avlive" benchmark: end of speech -> final of the audio-visual model in the live daemon
(issue 13, "Streaming: end-of-speech -> final <= 0.2 s"), alone (the "avnoise" section runs it
too, after the whole noise curve).

For the first --avlive-clips test clips of the avnoise corpus (made when missing) and each
streaming.endpoint_blank_ms in --avlive-blank-ms: a fresh `captiond` with `model.name` = the
checkpoint reads the clip padded with 1 s of silence before and 2 s after (audio and mouth video
from files at real-time pace, as avnoise does); the delay is the receipt of the first final by
`captionctl subscribe` minus the moment the clip's last non-silent phoneme (alignment.json) was
played. endpoint_blank_ms 0 is the VAD endpoint alone (hangover + endpoint_silence_ms 600, the
behaviour before the CTC-blank endpoint); 120 is the default.
Run alone: scripts/bench.py --only avlive [--captionctl .build-rel/release/captionctl].
"""
import os
import tempfile

import avnoise_section

NAME = "avlive"


def add_arguments(ap):
    g = ap.add_argument_group("avlive")
    g.add_argument("--avlive-clips", type=int, default=3, help="test clips through the live daemon (3)")
    g.add_argument("--avlive-blank-ms", default="0,120",
                   help="streaming.endpoint_blank_ms values to compare, comma-separated (0,120)")


def run(ctx, args):
    if not os.path.exists(args.av_checkpoint):
        return {"error": f"no checkpoint at {args.av_checkpoint}: pass --av-checkpoint (make train-av writes .build/av/av.safetensors)"}
    try:
        avnoise_section.make_corpus(ctx, args)
    except RuntimeError as e:
        return {"error": str(e)}
    import json
    with open(os.path.join(args.av_corpus, "manifest.jsonl"), encoding="utf-8") as f:
        tests = [json.loads(line) for line in f if line.strip()]
    tests = [t for t in tests if t["split"] == "test"][:args.avlive_clips]
    runs = []
    for blank in [int(v) for v in args.avlive_blank_ms.split(",") if v.strip()]:
        for entry in tests:
            ctx.progress(f"avlive: endpoint_blank_ms {blank} on {entry['id']}")
            with tempfile.TemporaryDirectory(prefix="bench-avlive-") as tmp:
                try:
                    lat, text, share = avnoise_section.live_latency(ctx, args, entry, tmp, f"endpoint_blank_ms = {blank}\n")
                except RuntimeError as e:
                    runs.append({"blank_ms": blank, "id": entry["id"], "error": str(e)})
                    continue
            runs.append({"blank_ms": blank, "id": entry["id"], "latency_s": lat, "final": text, "reference": entry["text"], "cpu_share": share})
    summary = {}
    for blank in sorted({r["blank_ms"] for r in runs}):
        good = [r["latency_s"] for r in runs if r["blank_ms"] == blank and r.get("latency_s") is not None]
        if good:
            summary[f"blank_{blank}_ms"] = {"max_s": max(good), "clips": len(good), "target": 0.2, "meets_target": max(good) <= 0.2}
    return {"runs": runs, "checkpoint": os.path.abspath(args.av_checkpoint), "endpoint_ms": args.av_endpoint_ms, "summary": summary}


def report(result, write):
    if "error" in result:
        write(f"avlive: FAILED {result['error']}")
        return
    write(f"avlive: checkpoint {result['checkpoint']}, live daemon, endpoint_silence_ms {result['endpoint_ms']}")
    for r in result["runs"]:
        if "error" in r:
            write(f"  endpoint_blank_ms {r['blank_ms']:>4} {r['id']}: FAILED {r['error']}")
            continue
        lat = "no final" if r["latency_s"] is None else f"{r['latency_s']:.3f} s"
        cpu = "" if r.get("cpu_share") is None else f", captiond CPU {100 * r['cpu_share']:.1f} % of a core"
        write(f"  endpoint_blank_ms {r['blank_ms']:>4} {r['id']}: end of speech -> final {lat}{cpu}; final \"{r['final']}\" (reference \"{r['reference']}\")")
    for k, s in result.get("summary", {}).items():
        write(f"  {k}: max {s['max_s']:.3f} s over {s['clips']} clips (target <= {s['target']} s: {'met' if s['meets_target'] else 'NOT met'})")
