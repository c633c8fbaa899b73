"""The "streaming" benchmark: the English fixtures through the live daemon at real-time pace.

For each clip a fresh `captiond` (tiny.en, file source, pace realtime, greedy) publishes captions
and `captionctl subscribe --json` records every event with its receive time (CLOCK_MONOTONIC, the
clock the daemon stamps audio with). The file source's pacer starts when capture starts, just
before the daemon logs "ready", so audio time t is played at ready_time + t.

Reference word end times: faster-whisper (same model, word_timestamps=True) on the same clip.
Figures (computed here in Python, with the definitions of Metrics' StreamingFigures):
  - latency: after every event, the shown transcript (finals so far + the open partial's text) and
    the committed transcript (finals + the open partial's `stable` prefix, never revised) are
    aligned with the reference words (Levenshtein); a word's latency is the receive time of the
    first event whose transcript matches it minus the time its end was played. "partial" = first
    appearance, "final" = first committed (as StreamingFigures' commitment); the latency to the
    utterance's `final` event is printed too.
  - flicker: per utterance, each distinct emitted partial word (with the words before it) counts
    once; it is revised when the utterance's final does not start with that prefix.
  - WER: streamed (finals joined) and offline (`captionctl transcribe --beam 1`), corpus-level,
    against the manifest's references, scored by `captionctl score --metrics wer` (per-clip
    figures use a simple lower-case, no-punctuation split).
  - CPU: the daemon's utime+stime (/proc/PID/stat) from ready to end of input, as % of 2 cores.
"""
import json
import os
import re
import signal
import sys
import subprocess
import tempfile
import time

from live_daemon import subscribe, wait_for_socket, watch_log
from offline_section import read_clips

NAME = "streaming"
TARGETS = {"final_median_s": 2.0, "partial_median_s": 1.0, "flicker": 0.10, "wer_gap": 0.02, "cpu_pct": 60.0}


def add_arguments(ap):
    g = ap.add_argument_group("streaming")
    g.add_argument("--streaming-model", default="tiny.en", help="model for the streaming section")
    g.add_argument("--streaming-max-clips", type=int, default=0, help="at most N clips (0: all)")
    g.add_argument("--streaming-step-ms", type=int, default=0, help="override streaming.step_ms")
    g.add_argument("--streaming-clips", default="", help="only clips whose path contains this")


# Number words zero to twenty as digits, as `captionctl score` compares words (EnglishNormalizer.wordKeys).
NUMBER_DIGITS = {w: str(i) for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
    "sixteen seventeen eighteen nineteen twenty".split())}


def norm_words(text):
    """Lower-case words without punctuation; each Han character is a word of its own (Chinese has
    no spaces: a growing partial "换一" of the final "换一首歌" is not a revision)."""
    text = text.lower().replace("’", "'")
    text = re.sub(r"[^\w\s']", " ", text)
    text = re.sub(r"([\u3400-\u9fff\uf900-\ufaff])", r" \1 ", text)
    words = [w.strip("'") for w in text.split() if w.strip("'")]
    return [NUMBER_DIGITS.get(w, w) for w in words]


def align(ref, hyp):
    """Indices of reference words matched (equal) by a minimum-edit alignment with hyp."""
    n, m = len(ref), len(hyp)
    d = [[0] * (m + 1) for _ in range(n + 1)]
    for i in range(n + 1):
        d[i][0] = i
    for j in range(m + 1):
        d[0][j] = j
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (ref[i - 1] != hyp[j - 1]))
    matched, i, j = set(), n, m
    while i > 0 and j > 0:
        if ref[i - 1] == hyp[j - 1] and d[i][j] == d[i - 1][j - 1]:
            matched.add(i - 1); i -= 1; j -= 1
        elif d[i][j] == d[i - 1][j - 1] + 1:
            i -= 1; j -= 1
        elif d[i][j] == d[i - 1][j] + 1:
            i -= 1
        else:
            j -= 1
    return matched


def edits(ref, hyp):
    n, m = len(ref), len(hyp)
    prev = list(range(m + 1))
    for i in range(1, n + 1):
        cur = [i] + [0] * m
        for j in range(1, m + 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ref[i - 1] != hyp[j - 1]))
        prev = cur
    return prev[m]


def percentile(values, q):
    if not values:
        return None
    s = sorted(values)
    pos = q / 100 * (len(s) - 1)
    lo = int(pos)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (pos - lo)


def reference_words(model_dir, wav):
    from faster_whisper import WhisperModel  # the reference implementation (bench only)
    global _FW
    if _FW is None or _FW[0] != model_dir:
        _FW = (model_dir, WhisperModel(model_dir, device="cpu", compute_type="float32", cpu_threads=2))
    segments, _ = _FW[1].transcribe(wav, language="en", beam_size=1, word_timestamps=True,
                                    vad_filter=False)
    out = []
    for s in segments:
        for w in s.words or []:
            for token in norm_words(w.word):
                out.append((token, float(w.end)))
    return out


_FW = None


def figures(events, ref, start):
    """Latency lists, flicker counts and the streamed text of one clip's recorded events."""
    ref_tokens = [t for t, _ in ref]
    first_any = [None] * len(ref)
    first_final = [None] * len(ref)
    first_commit = [None] * len(ref)
    finals, open_partial, open_stable = [], {}, {}
    for recv, e in events:
        kind = e.get("type")
        if kind == "partial":
            open_partial = {e["utterance"]: e["text"]}
            open_stable = {e["utterance"]: e.get("stable", "")}
        elif kind == "final":
            finals.append(e["text"])
            open_partial.pop(e["utterance"], None)
            open_stable.pop(e["utterance"], None)
        else:
            continue
        final_tokens = [t for f in finals for t in norm_words(f)]
        shown = final_tokens + [t for p in open_partial.values() for t in norm_words(p)]
        for i in align(ref_tokens, shown):
            if first_any[i] is None:
                first_any[i] = recv
        for i in align(ref_tokens, final_tokens):
            if first_final[i] is None:
                first_final[i] = recv
        committed = final_tokens + [t for p in open_stable.values() for t in norm_words(p)]
        for i in align(ref_tokens, committed):
            if first_commit[i] is None:
                first_commit[i] = recv
    lat_any = [first_any[i] - (start + ref[i][1]) for i in range(len(ref)) if first_any[i] is not None]
    lat_final = [first_final[i] - (start + ref[i][1]) for i in range(len(ref)) if first_final[i] is not None]
    lat_commit = [first_commit[i] - (start + ref[i][1]) for i in range(len(ref)) if first_commit[i] is not None]
    total, revised = revisions(events)
    return lat_any, lat_commit, lat_final, total, revised, " ".join(finals)


def revisions(events):
    """Flicker as (partial words, revised ones): per utterance each distinct emitted partial word
    (with the words before it) counts once; it is revised when the utterance's final (or, with no
    final, its last partial) does not start with that prefix (lower case, punctuation dropped)."""
    prefixes, last, finals = {}, {}, {}
    for _, e in events:
        kind = e.get("type")
        if kind == "partial":
            words = norm_words(e["text"])
            last[e["utterance"]] = words
            seen = prefixes.setdefault(e["utterance"], set())
            seen.update(tuple(words[:k]) for k in range(1, len(words) + 1))
        elif kind == "final":
            finals[e["utterance"]] = norm_words(e["text"])
    total = revised = 0
    for utt, seen in prefixes.items():
        outcome = finals.get(utt, last.get(utt, []))
        total += len(seen)
        revised += sum(tuple(outcome[:len(p)]) != p for p in seen)
    return total, revised


def corpus_wer(ctx, refs, hyps):
    """Corpus WER from `captionctl score --metrics wer` (None when it fails)."""
    with tempfile.TemporaryDirectory(prefix="bench-score-") as tmp:
        paths = [os.path.join(tmp, "ref.txt"), os.path.join(tmp, "hyp.txt")]
        for path, lines in zip(paths, (refs, hyps)):
            with open(path, "w", encoding="utf-8") as f:
                f.write("".join(" ".join(line.split()) + "\n" for line in lines))
        out = subprocess.run([ctx.captionctl, "score", "--ref", paths[0], "--hyp", paths[1], "--metrics", "wer",
                              "--json"], capture_output=True, text=True)
        try:
            return json.loads(out.stdout)["wer"]["rate"]
        except (ValueError, KeyError):
            return None


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def stream_clip(ctx, args, captiond, wav, model, tmp):
    conf = os.path.join(tmp, "captiond.toml")
    step = f"[streaming]\nstep_ms = {args.streaming_step_ms}\n" if args.streaming_step_ms else ""
    with open(conf, "w") as f:
        f.write(f'[audio]\nsource = "file"\nfile = "{wav}"\npace = "realtime"\n'
                f'[model]\nname = "{model}"\ndir = "{ctx.models}"\nlanguage = "en"\nbeam = 1\n{step}'
                f'[sockets]\ncaptions = "{tmp}/c.sock"\ncontrol = "{tmp}/ctl.sock"\nmode = "0600"\ngroup = ""\n'
                f'[log]\nlevel = "info"\n')
    for sock in ("c.sock", "ctl.sock"):
        if os.path.exists(os.path.join(tmp, sock)):
            os.unlink(os.path.join(tmp, sock))
    env = dict(os.environ, CAPTIOND_TRACE_DECODES="1") if os.environ.get("BENCH_TRACE") else None
    daemon = subprocess.Popen([captiond, "--config", conf], stderr=subprocess.PIPE, stdout=subprocess.DEVNULL,
                              text=True, env=env)
    marks = {}

    def on_line(line):
        if env:
            print(line, end="", file=sys.stderr)
        if "ready:" in line and "cpu_ready" not in marks:
            marks["cpu_ready"] = cpu_seconds(daemon.pid)
    watch_log(daemon, marks, on_line)
    wait_for_socket(daemon, os.path.join(tmp, "c.sock"), 30)
    sub, events, reader = subscribe(ctx.captionctl, f"{tmp}/c.sock")
    deadline = time.monotonic() + 120
    while "ended" not in marks and daemon.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    cpu_end = cpu_seconds(daemon.pid) if daemon.poll() is None else None
    ended = marks.get("ended", time.monotonic())
    daemon.send_signal(signal.SIGTERM)
    daemon.wait(timeout=30)
    sub.wait(timeout=30)
    reader.join(timeout=5)
    if "ready" not in marks:
        raise RuntimeError("captiond never logged ready")
    cpu = None
    if cpu_end is not None:
        cpu = (cpu_end - marks["cpu_ready"], ended - marks["ready"])
    return events, marks["ready"], cpu


def run(ctx, args):
    import csv
    repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    captiond = os.path.join(os.path.dirname(ctx.captionctl), "captiond")
    if not (os.access(captiond, os.X_OK) and ctx.captionctl_ok):
        return {"rows": [{"error": f"captiond/captionctl not built next to {ctx.captionctl}"}]}
    model = args.streaming_model
    model_dir = os.path.join(ctx.models, model)
    refs = {}
    with open(os.path.join(ctx.fixtures, "manifest.tsv"), newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE):
            refs[os.path.join(ctx.fixtures, row["path"])] = row["reference"]
    clips = read_clips(ctx.fixtures).get("en", [])
    clips = [c for c in clips if args.streaming_clips in c[0]]
    if args.streaming_max_clips:
        clips = clips[:args.streaming_max_clips]
    rows, lat_any, lat_commit, lat_final, refs_by_clip = [], [], [], [], {}
    emitted = revised = 0
    ref_edits = ref_count = off_edits = 0
    cpu_used = cpu_wall = 0.0
    with tempfile.TemporaryDirectory(prefix="bench-stream-") as tmp:
        for path, seconds in clips:
            ctx.progress(f"streaming {os.path.basename(path)} ({seconds:.1f} s) in real time")
            wav = os.path.join(tmp, "clip.wav")
            subprocess.run(["ffmpeg", "-nostdin", "-loglevel", "error", "-y", "-i", path, "-ar", "16000",
                            "-ac", "1", "-c:a", "pcm_s16le", wav], check=True)
            words = reference_words(model_dir, wav)
            try:
                events, start, cpu = stream_clip(ctx, args, captiond, wav, model, tmp)
            except Exception as e:  # noqa: BLE001 - reported per clip
                rows.append({"clip": os.path.basename(path), "error": str(e)})
                continue
            a, cm, fl, em, rv, text = figures(events, words, start)
            lat_any += a; lat_commit += cm; lat_final += fl; emitted += em; revised += rv
            offline = subprocess.run([ctx.captionctl, "transcribe", wav, "--model", model, "--beam", "1",
                                      "--language", "en"], capture_output=True, text=True)
            ref = norm_words(refs.get(path, ""))
            e_s, e_o = edits(ref, norm_words(text)), edits(ref, norm_words(offline.stdout))
            ref_edits += e_s; off_edits += e_o; ref_count += len(ref)
            if cpu:
                cpu_used += cpu[0]; cpu_wall += cpu[1]
            refs_by_clip[os.path.basename(path)] = refs.get(path, "")
            rows.append({"clip": os.path.basename(path), "seconds": seconds, "streamed": text,
                         "offline": offline.stdout.strip(), "wer_streamed": e_s / max(1, len(ref)),
                         "wer_offline": e_o / max(1, len(ref)), "words": len(words), "shown": len(a), "finalised": len(fl)})
    wer_s, wer_o = ref_edits / max(1, ref_count), off_edits / max(1, ref_count)
    scored = [r for r in rows if "error" not in r]
    if scored:  # corpus WER with the project's own scorer (Metrics' English normalisation)
        wer_s = corpus_wer(ctx, [refs_by_clip[r["clip"]] for r in scored], [r["streamed"] for r in scored]) or wer_s
        wer_o = corpus_wer(ctx, [refs_by_clip[r["clip"]] for r in scored], [r["offline"] for r in scored]) or wer_o
    cpu_pct = 100 * cpu_used / (2 * cpu_wall) if cpu_wall else None
    summary = {
        "final_median_s": {"value": percentile(lat_commit, 50), "p90": percentile(lat_commit, 90),
                           "final_event_median": percentile(lat_final, 50), "final_event_p90": percentile(lat_final, 90)},
        "partial_median_s": {"value": percentile(lat_any, 50), "p90": percentile(lat_any, 90)},
        "flicker": {"value": revised / emitted if emitted else None},
        "wer_gap": {"value": wer_s - wer_o, "streamed": wer_s, "offline": wer_o},
        "cpu_pct": {"value": cpu_pct},
    }
    for k, s in summary.items():
        s["target"] = TARGETS[k]
        s["meets_target"] = s["value"] is not None and s["value"] <= TARGETS[k]
    return {"model": model, "rows": rows, "summary": summary, "partial_words": emitted, "revised_words": revised}


def report(result, write):
    for r in result.get("rows", []):
        if "error" in r:
            write(f"  {r.get('clip', '?')}: error: {r['error']}")
        else:
            write(f"  {r['clip']:<44} {r['seconds']:5.1f} s  WER streamed {100 * r['wer_streamed']:5.1f}%  "
                  f"offline {100 * r['wer_offline']:5.1f}%  words {r['shown']}/{r['finalised']}/{r['words']}")
    s = result.get("summary")
    if not s:
        return

    def fmt(v, unit="s"):
        return "n/a" if v is None else (f"{v:.2f} {unit}" if unit == "s" else f"{v:.1f}{unit}")
    ok = lambda k: "ok" if s[k]["meets_target"] else "MISSED"  # noqa: E731
    write(f"  latency to first appearance (partial): median {fmt(s['partial_median_s']['value'])}, "
          f"p90 {fmt(s['partial_median_s']['p90'])}  (target median <= 1.0 s: {ok('partial_median_s')})")
    f = s["final_median_s"]
    write(f"  latency to final (committed text):     median {fmt(f['value'])}, "
          f"p90 {fmt(f['p90'])}  (target median <= 2.0 s: {ok('final_median_s')})")
    write(f"  latency to the utterance's final event: median {fmt(f['final_event_median'])}, p90 {fmt(f['final_event_p90'])}")
    fl = s["flicker"]["value"]
    write(f"  flicker: {fmt(None if fl is None else 100 * fl, '%')} of {result['partial_words']} partial words revised "
          f"(target <= 10%: {ok('flicker')})")
    w = s["wer_gap"]
    write(f"  WER: streamed {100 * w['streamed']:.1f}%, offline {100 * w['offline']:.1f}% "
          f"(target gap <= 2 points: {ok('wer_gap')})")
    write(f"  CPU: {fmt(s['cpu_pct']['value'], '%')} of 2 cores from ready to end of input (target <= 60%: {ok('cpu_pct')})")
