"""The "avnoise" benchmark: the audio-visual model against babble noise (issue 13).

On the held-out test split of the synthetic corpus (held-out sentences, voices and faces; docs/CORPUS.md)
with babble made of the real speech fixtures mixed at 20, 10, 5, 0 and -5 dB SNR:
  - CER of the AV checkpoint with both inputs, with the video branch gated off (audio only) and
    with the audio off (video only: the same at every SNR, since it never reads the audio; run once),
    by `captionctl eval CORPUS/manifest.jsonl --split test --model CKPT --modality M [--noise babble:X] --json`;
  - Whisper tiny.en (greedy, English) on the same noisy test audio as a reference line;
  - a table here and a PNG plot (python3-matplotlib) at --av-plot;
  - the per-frame cost of the incremental model (video CNN + WaveNet audio step + fusion + head,
    `ms_per_frame` of eval, single thread, release build);
  - end of speech -> final: a few test clips (1 s silence, the clip, 2 s silence) through a fresh
    `captiond` with `model.name` = the checkpoint, audio and mouth video from files at real-time
    pace; the delay from the moment the last speech sample is played (alignment.json's last
    phoneme that is not silence) to the receipt of the utterance's final by `captionctl subscribe`.
The corpus is made when missing: `captionctl corpus -o DIR --seed S --train 0 --validation 0
--test N --noise babble:20,...,babble:-5` (the same test clips as `make corpus-av` with that seed).
"""
import json
import os
import signal
import subprocess
import tempfile
import time
import wave

from avcorpus import LEVELS, NOISE, REPO, eval_cer, level_name, make_test_corpus
from live_daemon import subscribe, wait_for_socket, watch_log

NAME = "avnoise"


def add_arguments(ap):
    g = ap.add_argument_group("avnoise")
    g.add_argument("--av-checkpoint", default=os.path.join(REPO, "assets", "av-grid.safetensors"),
                   help="audio-visual checkpoint (default the shipped assets/av-grid.safetensors; make train-av writes .build/av/av.safetensors)")
    g.add_argument("--av-corpus", default=os.path.join(REPO, ".build", "bench-av", "corpus"),
                   help="corpus folder with test clips and babble copies (made when missing)")
    g.add_argument("--av-corpus-seed", type=int, default=1, help="corpus seed (the checkpoint's; 1 as make train-av)")
    g.add_argument("--av-test-clips", type=int, default=40, help="test clips (40)")
    g.add_argument("--av-live-clips", type=int, default=3, help="clips through the live daemon for end-of-speech -> final (3)")
    g.add_argument("--av-plot", default=os.path.join(REPO, ".build", "bench-av", "noise-curve.png"), help="PNG plot")
    g.add_argument("--av-whisper", default="tiny.en", help="Whisper reference model (tiny.en; empty: none)")
    g.add_argument("--av-endpoint-ms", type=int, default=600,
                   help="streaming.endpoint_silence_ms of the live run (600, the default; the incremental model may end sooner on streaming.endpoint_blank_ms, default 120)")


def make_corpus(ctx, args):
    make_test_corpus(ctx, args.av_corpus, args.av_corpus_seed, args.av_test_clips, NOISE)


def speech_end_seconds(corpus, entry):
    with open(os.path.join(corpus, entry["alignment"]), encoding="utf-8") as f:
        a = json.load(f)
    ends = [p["endMs"] for p in a.get("phonemes", []) if p.get("phoneme") not in ("_", "_:", "", "sil")]
    return (max(ends) if ends else entry["audioSamples"] / 16) / 1000.0


def padded_media(corpus, entry, tmp):
    """1 s of silence (still mouth), the clip, 2 s of silence: a WAV and a 64x64 Y4M at 25 fps."""
    with wave.open(os.path.join(corpus, entry["audio"]), "rb") as w:
        pcm = w.readframes(w.getnframes())
    wav = os.path.join(tmp, "in.wav")
    with wave.open(wav, "wb") as w:
        w.setnchannels(1); w.setsampwidth(2); w.setframerate(16000)
        w.writeframes(b"\0\0" * 16000 + pcm + b"\0\0" * 32000)
    with open(os.path.join(corpus, entry["mouth"]), "rb") as f:
        data = f.read()
    header, rest = data.split(b"\n", 1)
    frames = [rest[i + 6:i + 6 + 4096] for i in range(0, len(rest), 6 + 4096) if len(rest) >= i + 6 + 4096]
    y4m = os.path.join(tmp, "mouth.y4m")
    with open(y4m, "wb") as f:
        f.write(b"YUV4MPEG2 W64 H64 F25:1 Ip A1:1 Cmono\n")
        for fr in [frames[0]] * 25 + frames + [frames[-1]] * 50:
            f.write(b"FRAME\n" + fr)
    return wav, y4m


def process_cpu_seconds(pid):
    """User + system CPU seconds of a running process (/proc/PID/stat), None when it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


def live_latency(ctx, args, entry, tmp, streaming_extra=""):
    """(end of speech -> final in s or None, the final's text, captiond's CPU share of one core
    from ready to the end of the input)."""
    captiond = os.path.join(os.path.dirname(ctx.captionctl), "captiond")
    wav, y4m = padded_media(args.av_corpus, entry, tmp)
    conf = os.path.join(tmp, "captiond.toml")
    with open(conf, "w") as f:
        f.write(f'[audio]\nsource = "file"\nfile = "{wav}"\npace = "realtime"\n'
                f'[video]\nenabled = true\nsource = "file"\nfile = "{y4m}"\n'
                f'[model]\nname = "{os.path.abspath(args.av_checkpoint)}"\ndir = "{ctx.models}"\nlanguage = "en"\n'
                f'[streaming]\nendpoint_silence_ms = {args.av_endpoint_ms}\n{streaming_extra}'
                f'[sockets]\ncaptions = "{tmp}/c.sock"\ncontrol = "{tmp}/ctl.sock"\nmode = "0600"\ngroup = ""\n'
                f'[log]\nlevel = "info"\n')
    for sock in ("c.sock", "ctl.sock"):
        if os.path.exists(os.path.join(tmp, sock)):
            os.unlink(os.path.join(tmp, sock))
    daemon = subprocess.Popen([captiond, "--config", conf], stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    marks = {}

    watch_log(daemon, marks)
    wait_for_socket(daemon, os.path.join(tmp, "c.sock"), 30)
    sub, events, reader = subscribe(ctx.captionctl, f"{tmp}/c.sock")
    deadline = time.monotonic() + 60
    start = None
    while "ended" not in marks and daemon.poll() is None and time.monotonic() < deadline:
        if start is None and "ready" in marks:
            start = (time.monotonic(), process_cpu_seconds(daemon.pid))
        time.sleep(0.05)
    end = (time.monotonic(), process_cpu_seconds(daemon.pid))
    share = None
    if start and start[1] is not None and end[1] is not None and end[0] > start[0]:
        share = (end[1] - start[1]) / (end[0] - start[0])
    time.sleep(0.3)
    daemon.send_signal(signal.SIGTERM)
    daemon.wait(timeout=30)
    sub.wait(timeout=30)
    reader.join(timeout=5)
    if "ready" not in marks:
        raise RuntimeError("captiond never logged ready")
    finals = [(t, e) for t, e in events if e.get("type") == "final"]
    if not finals:
        return None, "", share
    played = marks["ready"] + 1.0 + speech_end_seconds(args.av_corpus, entry)
    t, e = finals[0]
    return t - played, e.get("text", ""), share


def run(ctx, args):
    rows = []
    if not os.path.exists(args.av_checkpoint):
        return {"rows": [{"error": f"no checkpoint at {args.av_checkpoint}: pass --av-checkpoint (make train-av writes .build/av/av.safetensors)"}], "summary": {}}
    try:
        make_corpus(ctx, args)
        video_only = None
        for snr in LEVELS:
            row = {"snr": level_name(snr)}
            for modality in ("av", "audio"):
                ctx.progress(f"avnoise: {modality} at {level_name(snr)}")
                r = eval_cer(ctx, args.av_corpus, args.av_checkpoint, modality, snr)
                row[modality] = r["cer"]
                if modality == "av":
                    row["ms_per_frame"] = r.get("ms_per_frame")
                    row["clips"] = r["utterances"]
            if video_only is None:
                ctx.progress("avnoise: video only")
                video_only = eval_cer(ctx, args.av_corpus, args.av_checkpoint, "video", None)["cer"]
            row["video"] = video_only
            rows.append(row)
    except RuntimeError as e:
        rows.append({"error": str(e)})
        return {"rows": rows, "summary": {}}
    latencies = []
    with open(os.path.join(args.av_corpus, "manifest.jsonl"), encoding="utf-8") as f:
        tests = [json.loads(l) for l in f if l.strip()]
    tests = [t for t in tests if t["split"] == "test"][:args.av_live_clips]
    for entry in tests:
        ctx.progress(f"avnoise: live daemon on {entry['id']}")
        with tempfile.TemporaryDirectory(prefix="bench-av-") as tmp:
            try:
                lat, text, share = live_latency(ctx, args, entry, tmp)
            except RuntimeError as e:
                rows.append({"error": f"live {entry['id']}: {e}"})
                continue
        latencies.append({"id": entry["id"], "latency_s": lat, "final": text, "reference": entry["text"], "cpu_share": share})
    # Whisper last (the slowest: tiny.en decodes babble at length), after every AV figure.
    if args.av_whisper:
        try:
            for row, snr in zip([r for r in rows if "av" in r], LEVELS):
                ctx.progress(f"avnoise: whisper {args.av_whisper} at {level_name(snr)}")
                row["whisper"] = eval_cer(ctx, args.av_corpus, args.av_whisper, "audio", snr, ["--beam", "1", "--language", "en"])["cer"]
        except RuntimeError as e:
            rows.append({"error": str(e)})
    plot = make_plot(args, rows)
    at0 = next((r for r in rows if r.get("snr") == "+0 dB"), None)
    summary = {}
    if at0 and at0.get("audio"):
        summary["av_vs_audio_0db"] = {"ratio": at0["av"] / at0["audio"] if at0["audio"] else None,
                                      "target": 0.6, "meets_target": at0["audio"] > 0 and at0["av"] <= 0.6 * at0["audio"]}
    clean = rows[0] if rows and "av" in rows[0] else None
    if clean:
        summary["clean_cer"] = {"value": clean["av"], "target": 0.05, "meets_target": clean["av"] <= 0.05}
    good = [l["latency_s"] for l in latencies if l["latency_s"] is not None]
    if good:
        summary["end_of_speech_to_final"] = {"max_s": max(good), "target": 0.2, "meets_target": max(good) <= 0.2}
    return {"rows": rows, "latencies": latencies, "plot": plot, "endpoint_ms": args.av_endpoint_ms, "checkpoint": os.path.abspath(args.av_checkpoint),
            "summary": summary}


def make_plot(args, rows):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return "not written: python3-matplotlib is missing (scripts/setup-deps installs it)"
    data = [r for r in rows if "av" in r]
    if not data:
        return "not written: no results"
    xs = list(range(len(data)))
    fig, ax = plt.subplots(figsize=(7, 4.2))
    for key, label, style in (("av", "audio-visual", "o-"), ("audio", "audio only (video gated off)", "s-"),
                              ("video", "video only", "^--"), ("whisper", f"Whisper {args.av_whisper}", "x:")):
        if all(key in r for r in data):
            ax.plot(xs, [100 * r[key] for r in data], style, label=label)
    ax.set_xticks(xs)
    ax.set_xticklabels([r["snr"] for r in data])
    ax.set_xlabel("babble SNR")
    ax.set_ylabel("CER (%)")
    ax.set_title(f"CER vs babble, {data[0].get('clips', '?')} held-out test clips\n{os.path.basename(args.av_checkpoint)}")
    ax.grid(alpha=0.3)
    ax.legend()
    os.makedirs(os.path.dirname(os.path.abspath(args.av_plot)), exist_ok=True)
    fig.tight_layout()
    fig.savefig(args.av_plot, dpi=110)
    return args.av_plot


def report(result, write):
    for r in result["rows"]:
        if "error" in r:
            write(f"avnoise: FAILED {r['error']}")
    data = [r for r in result["rows"] if "av" in r]
    if data:
        write(f"avnoise: checkpoint {result.get('checkpoint')}, {data[0].get('clips')} held-out test clips, babble noise")
        write(f"  {'SNR':>7}  {'AV':>7}  {'audio':>7}  {'video':>7}  {'whisper':>7}")
        for r in data:
            w = f"{100 * r['whisper']:6.1f}%" if "whisper" in r else "      -"
            write(f"  {r['snr']:>7}  {100 * r['av']:6.1f}%  {100 * r['audio']:6.1f}%  {100 * r['video']:6.1f}%  {w}")
        ms = data[0].get("ms_per_frame")
        if ms is not None:
            write(f"  per-frame cost (thread CPU time: video + audio + fusion + head): {ms:.2f} ms per 40-ms frame")
    for l in result.get("latencies", []):
        lat = "no final" if l["latency_s"] is None else f"{l['latency_s']:.3f} s"
        cpu = "" if l.get("cpu_share") is None else f"; captiond CPU {100 * l['cpu_share']:.1f} % of a core"
        write(f"  live {l['id']} (endpoint_silence_ms {result.get('endpoint_ms')}): end of speech -> final {lat}{cpu}; final \"{l['final']}\" (reference \"{l['reference']}\")")
    for k, s in result.get("summary", {}).items():
        write(f"  {k}: {json.dumps(s)}")
    if result.get("plot"):
        write(f"  plot: {result['plot']}")
