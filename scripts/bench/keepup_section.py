"""The "keepup" benchmark: does the live path keep up (issue 11 item 1)?

Each run plays one stream in real time through a fresh `captiond` (file source, pace realtime,
beam 1): the fixture clips of one language, one after another with 2 s of silence between them
(one session, as a speaker would, so the lag carries over from clip to clip). Runs:
  - en:        tiny.en on the English clips;
  - zh:        base on the Mandarin clips (language zh);
  - zh-1core:  the same under `taskset -c 0` (one core, the other processes on it too): the
               throttled run, where the daemon should warn and still lose nothing;
  - en-camera: tiny.en on the English clips with the camera on: a Y4M file (the demo sample's
               talking face, 640x480 at 30 fps, looped) paced in real time, the face analysis at its
               default rate and `video.gate = "tag"` (every word captioned), so the analysis
               competes with the window decodes for the two cores. `status` shows the analysis rate.
The daemon runs under `nice -n 5`. While it runs, `captionctl status --json` is read every second
(lag, lag_max, warning); `captionctl subscribe --json` records every event with its receive time
(CLOCK_MONOTONIC, the clock the daemon stamps audio with; audio time t of the stream is played
at ready_time + t, as in the streaming section).

Per clip: end of speech = the clip's offset + the end of its last word (faster-whisper word
timestamps, same model, on the clip alone); first word end likewise.
  - end of speech → final: receive time of the clip's last final (a final whose `end` falls in
    the clip's span of the stream) minus the end of speech;
  - first appearance: first partial or final overlapping the clip, minus the end of its first word;
  - lost: a clip with speech and no final;
  - flicker: partial words revised, as in the streaming section (each distinct partial word with
    the words before it counts once per utterance; revised when the final does not start so);
  - error rate: the clip's finals joined against the manifest reference (WER for en, CER for zh,
    `captionctl score`), and offline greedy (`captionctl transcribe --beam 1`) on the same clip.
"""
import json
import os
import signal
import subprocess
import tempfile
import time
import wave

from live_daemon import subscribe, wait_for_socket, watch_log
from offline_section import read_clips
from streaming_section import percentile, revisions

NAME = "keepup"
GAP_S = 2.0
LEAD_S = 1.0


def add_arguments(ap):
    g = ap.add_argument_group("keepup")
    g.add_argument("--keepup-runs", default="en,zh,zh-1core,en-camera",
                   help="runs: en, zh, zh-1core, en-1core, en-camera")


# name: (model, language, taskset CPU or None, camera on)
RUNS = {
    "en": ("tiny.en", "en", None, False),
    "zh": ("base", "zh", None, False),
    "zh-1core": ("base", "zh", "0", False),
    "en-1core": ("tiny.en", "en", "0", False),
    "en-camera": ("tiny.en", "en", None, True),
}
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def camera_file():
    """The demo sample's talking face as a 640x480, 30 fps Y4M (made once, as the camera section does)."""
    demo_dir = os.path.join(REPO, ".build", "bench-faces")
    face640 = os.path.join(demo_dir, "face640_30.y4m")
    if not os.path.exists(face640):
        if not os.path.exists(os.path.join(demo_dir, "demo.y4m")):
            subprocess.run([os.path.join(REPO, "scripts", "make-demo-sample"), demo_dir], cwd=REPO, check=True,
                           capture_output=True)
        subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-i", os.path.join(demo_dir, "demo.y4m"),
                        "-vf", "scale=640:480,fps=30", "-pix_fmt", "yuv420p", "-f", "yuv4mpegpipe", face640],
                       check=True, capture_output=True)
    return face640


def pcm16k(path):
    out = subprocess.run(["ffmpeg", "-nostdin", "-loglevel", "error", "-i", path, "-ar", "16000", "-ac", "1",
                          "-f", "s16le", "-"], check=True, capture_output=True)
    return out.stdout


def build_stream(clips, tmp):
    """One WAV: LEAD_S of silence, then each clip followed by GAP_S of silence; the clips' offsets."""
    data, offsets = bytearray(b"\0\0" * int(16000 * LEAD_S)), []
    wavs = []
    for path, _ in clips:
        pcm = pcm16k(path)
        clip_wav = os.path.join(tmp, f"clip{len(wavs)}.wav")
        with wave.open(clip_wav, "wb") as w:
            w.setnchannels(1); w.setsampwidth(2); w.setframerate(16000); w.writeframes(pcm)
        wavs.append(clip_wav)
        offsets.append((len(data) // 2 / 16000, len(pcm) // 2 / 16000))
        data += pcm + b"\0\0" * int(16000 * GAP_S)
    stream = os.path.join(tmp, "stream.wav")
    with wave.open(stream, "wb") as w:
        w.setnchannels(1); w.setsampwidth(2); w.setframerate(16000); w.writeframes(bytes(data))
    return stream, offsets, wavs


def word_span(model_dir, wav, lang):
    """(first word end, last word end) of a clip, from faster-whisper word timestamps."""
    from faster_whisper import WhisperModel  # the reference implementation (bench only)
    global _FW
    if _FW is None or _FW[0] != model_dir:
        _FW = (model_dir, WhisperModel(model_dir, device="cpu", compute_type="float32", cpu_threads=2))
    segments, _ = _FW[1].transcribe(wav, language=lang, beam_size=1, word_timestamps=True, vad_filter=False)
    ends = [float(w.end) for s in segments for w in (s.words or [])]
    return (ends[0], ends[-1]) if ends else None


_FW = None
_REFERENCE = {}


def play(ctx, captiond, stream, model, lang, cpu, tmp, camera=None):
    """Runs the daemon on the stream (with `camera`, a Y4M file looped as the camera); returns
    events, ready time, status samples, log warnings."""
    conf = os.path.join(tmp, "captiond.toml")
    with open(conf, "w") as f:
        f.write(f'[audio]\nsource = "file"\nfile = "{stream}"\npace = "realtime"\n'
                f'[model]\nname = "{model}"\ndir = "{ctx.models}"\nlanguage = "{lang}"\nbeam = 1\n'
                + os.environ.get("KEEPUP_MODEL", "").replace(";", "\n") + "\n"   # A/B of [model] keys, e.g. 'compute = "int8"'
                f'[sockets]\ncaptions = "{tmp}/c.sock"\ncontrol = "{tmp}/ctl.sock"\nmode = "0600"\ngroup = ""\n'
                f'[log]\nlevel = "info"\n')
        if camera:
            f.write(f'[video]\nenabled = true\nsource = "file"\nfile = "{camera}"\nloop = true\n'
                    f'size = "640x480"\nfps = 30\ngate = "tag"\n')
        if os.environ.get("KEEPUP_STREAMING"):   # A/B of [streaming] keys, e.g. "final_from_window = false"
            f.write("[streaming]\n" + os.environ["KEEPUP_STREAMING"].replace(";", "\n") + "\n")
    for sock in ("c.sock", "ctl.sock"):
        if os.path.exists(os.path.join(tmp, sock)):
            os.unlink(os.path.join(tmp, sock))
    argv = ["nice", "-n", "5", captiond, "--config", conf]
    if cpu is not None:
        argv = ["taskset", "-c", cpu] + argv
    daemon = subprocess.Popen(argv, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    marks, warnings = {}, []
    ctx_lines = play.lines = []

    def on_line(line):
        ctx_lines.append((time.monotonic(), line.rstrip()))
        if "cannot keep up" in line:
            warnings.append(line.strip())
    watch_log(daemon, marks, on_line)
    wait_for_socket(daemon, os.path.join(tmp, "c.sock"), 60, poll=0.05)
    sub, events, reader = subscribe(ctx.captionctl, f"{tmp}/c.sock")
    statuses = []
    deadline = time.monotonic() + 600
    while "ended" not in marks and daemon.poll() is None and time.monotonic() < deadline:
        r = subprocess.run([ctx.captionctl, "status", "--json", "--socket", f"{tmp}/ctl.sock"],
                           capture_output=True, text=True)
        try:
            statuses.append(json.loads(r.stdout))
        except ValueError:
            pass
        time.sleep(1.0)
    time.sleep(0.5)  # the end-of-input final
    r = subprocess.run([ctx.captionctl, "status", "--json", "--socket", f"{tmp}/ctl.sock"], capture_output=True, text=True)
    try:
        statuses.append(json.loads(r.stdout))
    except ValueError:
        pass
    daemon.send_signal(signal.SIGTERM)
    daemon.wait(timeout=60)
    sub.wait(timeout=30)
    reader.join(timeout=5)
    if "ready" not in marks:
        raise RuntimeError("captiond never logged ready")
    return events, marks["ready"], statuses, warnings


def score(ctx, lang, refs, hyps):
    metric = "wer" if lang == "en" else "cer"
    with tempfile.TemporaryDirectory(prefix="bench-score-") as tmp:
        paths = [os.path.join(tmp, "ref.txt"), os.path.join(tmp, "hyp.txt")]
        for path, lines in zip(paths, (refs, hyps)):
            with open(path, "w", encoding="utf-8") as f:
                f.write("".join(" ".join(line.split()) + "\n" for line in lines))
        out = subprocess.run([ctx.captionctl, "score", "--ref", paths[0], "--hyp", paths[1], "--metrics", metric,
                              "--language", lang, "--json"], capture_output=True, text=True)
        try:
            return json.loads(out.stdout)[metric]["rate"]
        except (ValueError, KeyError):
            return None


def one_run(ctx, name, captiond, refs_by_path, clips_by_lang):
    import time as _t
    model, lang, cpu, with_camera = RUNS[name]
    clips = clips_by_lang.get(lang, [])
    model_dir = os.path.join(ctx.models, model)
    with tempfile.TemporaryDirectory(prefix="bench-keepup-") as tmp:
        stream, offsets, wavs = build_stream(clips, tmp)
        if (model, lang) not in _REFERENCE:   # the one-core run reuses the references of its model
            _REFERENCE[(model, lang)] = (
                [word_span(model_dir, w, lang) for w in wavs],
                [subprocess.run([ctx.captionctl, "transcribe", w, "--model", model, "--beam", "1", "--language", lang],
                                capture_output=True, text=True).stdout.strip() for w in wavs])
        spans, offline = _REFERENCE[(model, lang)]
        total = offsets[-1][0] + offsets[-1][1] + GAP_S
        ctx.progress(f"keepup {name}: {model} {lang}, {len(clips)} clips, {total:.0f} s in real time"
                     + (f" on CPU {cpu}" if cpu is not None else ""))
        began = _t.monotonic()
        events, ready, statuses, warnings = play(ctx, captiond, stream, model, lang, cpu, tmp,
                                                 camera_file() if with_camera else None)
        wall = _t.monotonic() - began
    finals = [(t, e) for t, e in events if e.get("type") == "final"]
    # Capture-clock origin of the stream: event times are CLOCK_MONOTONIC; the pacer starts at ready.
    rows, lat_final, lat_first, lost = [], [], [], 0
    for (path, _), (off, dur), span, off_text in zip(clips, offsets, spans, offline):
        lo, hi = ready + off, ready + off + dur + GAP_S - 0.05
        mine = [(t, e) for t, e in finals if lo - 0.5 <= e["end"] < hi]
        seen = [(t, e) for t, e in events if e.get("type") in ("partial", "final") and e["end"] > lo and e["start"] < hi]
        text = " ".join(e["text"] for _, e in mine)
        row = {"clip": os.path.basename(path), "seconds": dur, "streamed": text, "offline": off_text,
               "reference": refs_by_path.get(path, "")}
        if span:
            if mine:
                row["final_s"] = mine[-1][0] - (ready + off + span[1])
                lat_final.append(row["final_s"])
            else:
                lost += 1
            if seen:
                row["first_s"] = min(t for t, _ in seen) - (ready + off + span[0])
                lat_first.append(row["first_s"])
        rows.append(row)
    if os.environ.get("KEEPUP_DUMP"):   # diagnosis: events, daemon log lines (CAPTIOND_TRACE_DECODES=1), clip spans
        with open(os.environ["KEEPUP_DUMP"] + f".{name}.json", "w") as f:
            json.dump({"ready": ready, "offsets": offsets, "spans": spans, "events": events,
                       "log": play.lines, "rows": rows}, f)
    partial_words, revised_words = revisions(events)
    lags = [s.get("lag", 0) for s in statuses]
    lag_max = max([s.get("lag_max", 0) for s in statuses] + [0])
    status_warnings = sorted({s["warning"] for s in statuses if s.get("warning")})
    refs = [r["reference"] for r in rows]
    return {
        "run": name, "model": model, "lang": lang, "cpu": cpu, "clips": len(clips), "stream_s": total,
        "wall_s": wall, "rows": rows, "lost": lost,
        "final_median_s": percentile(lat_final, 50), "final_p90_s": percentile(lat_final, 90),
        "final_max_s": max(lat_final) if lat_final else None,
        "first_median_s": percentile(lat_first, 50), "first_p90_s": percentile(lat_first, 90),
        "lag_max_s": lag_max, "lag_samples_max_s": max(lags) if lags else None,
        "partial_words": partial_words, "revised_words": revised_words,
        "error_streamed": score(ctx, lang, refs, [r["streamed"] for r in rows]),
        "error_offline": score(ctx, lang, refs, [r["offline"] for r in rows]),
        "log_warnings": warnings[:3], "status_warnings": status_warnings[:3],
        "camera": with_camera,
        "video_analysis_fps": [s["video_analysis_fps"] for s in statuses if s.get("video_analysis_fps") is not None],
        "video_fps": [s["video_fps"] for s in statuses if s.get("video_fps") is not None],
    }


def run(ctx, args):
    import csv
    captiond = os.path.join(os.path.dirname(ctx.captionctl), "captiond")
    if not (os.access(captiond, os.X_OK) and ctx.captionctl_ok):
        return {"runs": [{"error": f"captiond/captionctl not built next to {ctx.captionctl}"}]}
    refs = {}
    with open(os.path.join(ctx.fixtures, "manifest.tsv"), newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE):
            refs[os.path.join(ctx.fixtures, row["path"])] = row["reference"]
    clips = read_clips(ctx.fixtures)
    runs = []
    for name in [n for n in args.keepup_runs.split(",") if n]:
        if name not in RUNS:
            runs.append({"run": name, "error": f"unknown run; known: {', '.join(RUNS)}"})
            continue
        try:
            runs.append(one_run(ctx, name, captiond, refs, clips))
        except Exception as e:  # noqa: BLE001 - reported per run
            runs.append({"run": name, "error": str(e)})
    return {"runs": runs}


def report(result, write):
    def f(v, unit=" s"):
        return "n/a" if v is None else f"{v:.2f}{unit}"
    for r in result.get("runs", []):
        if "error" in r:
            write(f"  {r.get('run', '?')}: error: {r['error']}")
            continue
        metric = "WER" if r["lang"] == "en" else "CER"
        write(f"  run {r['run']}: {r['model']} {r['lang']}, {r['clips']} clips, {r['stream_s']:.0f} s stream"
              + (f", taskset -c {r['cpu']}" if r["cpu"] is not None else "")
              + (", camera on (face analysis, gate tag)" if r.get("camera") else "") + f", wall {r['wall_s']:.0f} s")
        if r.get("camera"):
            a, v = r.get("video_analysis_fps") or [], r.get("video_fps") or []
            write(f"    camera: {len(a)} status samples with an analysis rate; analysed fps median "
                  f"{f(percentile(a, 50) if a else None, '')}, camera fps median {f(percentile(v, 50) if v else None, '')}")
        for c in r["rows"]:
            write(f"    {c['clip']:<42} {c['seconds']:5.1f} s  final {f(c.get('final_s'))}  first {f(c.get('first_s'))}"
                  f"  | {c['streamed'][:60]}")
        write(f"    end of speech -> final: median {f(r['final_median_s'])}, p90 {f(r['final_p90_s'])}, "
              f"max {f(r['final_max_s'])}; first appearance: median {f(r['first_median_s'])}, p90 {f(r['first_p90_s'])}")
        es, eo = r["error_streamed"], r["error_offline"]
        write(f"    {metric}: streamed {f(None if es is None else 100 * es, '%')}, offline greedy "
              f"{f(None if eo is None else 100 * eo, '%')}; lag max {f(r['lag_max_s'])} (status samples max "
              f"{f(r['lag_samples_max_s'])}); lost utterances {r['lost']}")
        if r.get("partial_words"):
            write(f"    flicker: {r['revised_words']} of {r['partial_words']} partial words revised "
                  f"({100 * r['revised_words'] / r['partial_words']:.1f}%)")
        for w in r["status_warnings"] or r["log_warnings"]:
            write(f"    warning: {w}")
        if not (r["status_warnings"] or r["log_warnings"]):
            write("    warning: none")
