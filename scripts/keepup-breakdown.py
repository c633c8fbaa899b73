#!/usr/bin/env python3
"""Where the keepup run's latency goes, per clip (issue 11 diagnosis).

Input: the dump `scripts/bench.py --only keepup` writes with KEEPUP_DUMP=PREFIX (PREFIX.en.json),
the daemon run with CAPTIOND_TRACE_DECODES=1 so every decode is in its log. All times are
CLOCK_MONOTONIC (the daemon stamps audio with it; the bench received each line and event at it).

Per clip, relative to T_last (end of the clip's last word, faster-whisper) and T_first (end of
its first word):
  vad_end    final's `end` (the VAD's speech end, hangover included) - T_last
  endpoint   the frame that ended the utterance: vad_end + endpoint silence (inferred: the start
             of the final pass, or the final, minus its own compute)
  pass       the final pass's compute (trace), if one ran
  final      receive time of the final - T_last
  first      first partial/final - T_first, with the decodes before it (window end - T_first,
             compute, why nothing was shown)
Usage: scripts/keepup-breakdown.py PREFIX.en.json
"""
import json
import re
import statistics
import sys

TRACE = re.compile(r"(decode|final pass|early pass) (\d+): ([\d.]+) s window at ([\d.]+) took ([\d.]+) s; lp (-?[\d.]+) nsp ([\d.]+) cr ([\d.]+): ?(.*)")


def main(path):
    d = json.load(open(path))
    ready = d["ready"]
    decodes = []
    for t, line in d["log"]:
        m = TRACE.search(line)
        if m:
            kind, n, span, at, took, lp, nsp, cr, words = m.groups()
            decodes.append({"kind": kind, "recv": t, "start": float(at), "end": float(at) + float(span),
                            "took": float(took), "lp": float(lp), "nsp": float(nsp), "words": words})
    events = d["events"]
    med = {k: [] for k in ("vad_end", "final", "pass", "wait", "first", "pass_n")}
    for i, ((off, dur), span) in enumerate(zip(d["offsets"], d["spans"])):
        if not span:
            continue
        lo, hi = ready + off, ready + off + dur + 2.0 - 0.05
        t_first, t_last = ready + off + span[0], ready + off + span[1]
        finals = [(t, e) for t, e in events if e.get("type") == "final" and lo - 0.5 <= e["end"] < hi]
        seen = [(t, e) for t, e in events if e.get("type") in ("partial", "final") and e["end"] > lo and e["start"] < hi]
        print(f"clip {i}: {dur:.1f} s, first word ends {span[0]:.2f}, last {span[1]:.2f}")
        mine = [x for x in decodes if lo - 0.5 <= x["end"] < hi + 0.5]
        for x in mine:
            print(f"   {x['kind']:<10} end {x['end'] - t_last:+6.2f} (first {x['end'] - t_first:+6.2f})  done {x['recv'] - t_last:+6.2f}"
                  f"  took {x['took']:.3f}  lp {x['lp']:.2f}  {x['words'][:90]}")
        for t, e in seen[:3]:
            print(f"   {e['type']:<8} at first {t - t_first:+6.2f}: {e['text'][:60]!r} stable {e.get('stable', '')[:30]!r}")
        if finals:
            t, e = finals[-1]
            vad = e["end"] - t_last
            passes = [x for x in mine if x["kind"] == "final pass" and abs(x["end"] - (e["end"] + 0.6)) < 0.3]
            pass_took = passes[-1]["took"] if passes else 0.0
            fin = t - t_last
            print(f"   FINAL {fin:+.2f}: vad_end {vad:+.2f}, endpoint at {vad + 0.6:+.2f}, pass {pass_took:.3f} "
                  f"({'ran' if passes else 'none'}), rest {fin - vad - 0.6 - pass_took:+.2f}: {e['text'][:50]!r}")
            med["vad_end"].append(vad); med["final"].append(fin); med["pass"].append(pass_took)
            med["wait"].append(fin - vad - 0.6 - pass_took); med["pass_n"].append(1 if passes else 0)
        if seen:
            med["first"].append(min(t for t, _ in seen) - t_first)
    print("medians:", {k: round(statistics.median(v), 3) for k, v in med.items() if v})
    wins = [x["took"] for x in decodes if x["kind"] == "decode"]
    if wins:
        print(f"window decodes: {len(wins)}, median {statistics.median(wins):.3f} s, max {max(wins):.3f} s; "
              f"final passes: {sum(1 for x in decodes if x['kind'] != 'decode')}")


if __name__ == "__main__":
    main(sys.argv[1])
