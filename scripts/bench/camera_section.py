"""The "camera" benchmark: the face speaker in the live path (issue 12, items 3, 4, 6).

Everything runs through `captionctl simulate` (the daemon's LiveCaptioner with tiny.en and the
camera's FaceSpeakerActivity, over files, as fast as it computes) and `captionctl faces --json`
(the same tracker and speaking score, per frame). Inputs, all made here, deterministically:
  - corpus: `captionctl corpus --test N --full-frames` (synthetic talking faces, GRID sentences,
    espeak-ng), clips joined into one stream with 1 s of the clip's first frame and silence after
    each (talking seconds and quiet seconds);
  - television: the same audio with each clip's first frame held still (a face that does not speak);
  - demo: scripts/make-demo-sample's rendered face with its speech (talking), and held still;
  - the English speech fixtures (../shared/fixtures) with a still camera picture and no face
    (the fake V4L2 camera's (x + y) & 255 pattern, 640x480), and with a still face photograph.
Figures:
  - speaking accuracy per second: a second is "speaking" in truth when at least half of its frames
    have voiced audio (the VAD) and, for talking faces, the face speaks then; predicted "speaking"
    when at least half of its frames name a speaker. Television: truth is never speaking.
  - strict: on-camera words lost = words of the no-video transcript not found (edit alignment) in
    the strict transcript of the talking video; off-camera words captioned = words of the strict
    transcript with a still face (television) or no face / words of the no-video transcript.
  - tag: WER on the English fixtures without video and with the still no-face camera.
  - cost: `captionctl simulate` reports the camera analysis' thread CPU per camera frame on the
    demo face at 640x480, 30 fps (analysis at video.analysis_fps = 15); `captionctl faces --bench`
    the per-run cost of detection, landmarks and the speaking score.
"""
import os
import re
import struct
import wave

from measure import run_measured, tail

NAME = "camera"
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TARGETS = {"strict_off_camera": 0.05, "strict_on_camera_lost": 0.01, "tag_wer_gap": 0.005, "cpu_percent": 10.0}


def add_arguments(ap):
    g = ap.add_argument_group("camera")
    g.add_argument("--camera-clips", type=int, default=12, help="corpus test clips (12)")
    g.add_argument("--camera-model", default="tiny.en", help="model for simulate (tiny.en)")


# ---------------------------------------------------------------- files
def read_y4m(path):
    with open(path, "rb") as f:
        data = f.read()
    end = data.index(b"\n")
    header = data[:end].decode().split()
    w = int(next(t[1:] for t in header if t.startswith("W")))
    h = int(next(t[1:] for t in header if t.startswith("H")))
    rate = next((t[1:] for t in header if t.startswith("F")), "25:1").split(":")
    fps = int(rate[0]) / int(rate[1])
    c = next((t[1:] for t in header if t.startswith("C")), "420")
    chroma = 0 if c.startswith("mono") else (2 * w * h if c.startswith("444") else (w * h if c.startswith("422") else 2 * ((w + 1) // 2) * ((h + 1) // 2)))
    frames, pos = [], end + 1
    while pos < len(data):
        nl = data.index(b"\n", pos)
        pos = nl + 1
        frames.append(data[pos:pos + w * h])
        pos += w * h + chroma
    return w, h, fps, frames


def write_y4m(path, w, h, fps, frames):
    num, den = (int(round(fps * 1000)), 1000) if abs(fps - round(fps)) > 1e-6 else (int(round(fps)), 1)
    with open(path, "wb") as f:
        f.write(f"YUV4MPEG2 W{w} H{h} F{num}:{den} Ip A1:1 Cmono\n".encode())
        for fr in frames:
            f.write(b"FRAME\n")
            f.write(fr)


def read_wav(path):
    with wave.open(path, "rb") as w:
        assert w.getframerate() == 16000 and w.getnchannels() == 1 and w.getsampwidth() == 2, path
        return w.readframes(w.getnframes())


def write_wav(path, pcm):
    with wave.open(path, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16000)
        w.writeframes(pcm)


def make_corpus_streams(ctx, args, work):
    """Talking-face and television streams from corpus test clips; returns (talk, tv, wav) paths."""
    corpus = os.path.join(work, "corpus")
    if not os.path.exists(os.path.join(corpus, "manifest.jsonl")):
        m = run_measured([ctx.captionctl, "corpus", "-o", corpus, "--seed", "7", "--train", "0", "--validation", "0",
                          "--test", str(args.camera_clips), "--full-frames"], cwd=REPO)
        if m.returncode != 0:
            raise RuntimeError("captionctl corpus failed: " + tail(m.stderr + m.stdout, 3))
    import json
    clips = [json.loads(l) for l in open(os.path.join(corpus, "manifest.jsonl")) if l.strip()]
    talk, still, pcm = [], [], b""
    w = h = fps = None
    for c in clips:
        w, h, fps, frames = read_y4m(os.path.join(corpus, c["frames"]))
        audio = read_wav(os.path.join(corpus, c["audio"]))
        per_frame = int(round(16000 / fps)) * 2
        audio = audio + b"\0" * max(0, len(frames) * per_frame - len(audio))
        quiet = int(round(fps))          # 1 s of the clip's first frame and silence before it
        talk += [frames[0]] * quiet + frames
        still += [frames[0]] * (quiet + len(frames))
        pcm += b"\0" * (quiet * per_frame) + audio[:len(frames) * per_frame]
    paths = tuple(os.path.join(work, n) for n in ("corpus_talk.y4m", "corpus_tv.y4m", "corpus.wav"))
    write_y4m(paths[0], w, h, fps, talk)
    write_y4m(paths[1], w, h, fps, still)
    write_wav(paths[2], pcm)
    return paths


def still_pictures(work):
    """A 640x480 picture without a face ((x + y) & 255, the fake camera's) and a face photograph."""
    noface = os.path.join(work, "noface.y4m")
    write_y4m(noface, 640, 480, 30, [bytes((x + y) & 255 for y in range(480) for x in range(640))])
    with open(os.path.join(REPO, "Tests", "Fixtures", "vision", "obama.pgm"), "rb") as f:
        photo = f.read()[-205 * 256:]
    canvas = bytearray([120] * (320 * 256))
    for y in range(256):
        canvas[y * 320 + 57:y * 320 + 57 + 205] = photo[y * 205:(y + 1) * 205]
    face = os.path.join(work, "stillface.y4m")
    write_y4m(face, 320, 256, 30, [bytes(canvas)])
    return noface, face


# ---------------------------------------------------------------- measuring
def norm_words(text):
    text = text.lower().replace("’", "'")
    text = re.sub(r"[^\w\s']", " ", text)
    return [w.strip("'") for w in text.split() if w.strip("'")]


def edit_distance(ref, hyp):
    prev = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        cur = [i] + [0] * len(hyp)
        for j, x in enumerate(hyp, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (r != x))
        prev = cur
    return prev[-1]


def matched(ref, hyp):
    """Reference words matched by a minimum-edit alignment (len(ref) - deletions - substitutions)."""
    n, m = len(ref), len(hyp)
    d = [[0] * (m + 1) for _ in range(n + 1)]
    for i in range(n + 1):
        d[i][0] = i
    for j in range(m + 1):
        d[0][j] = j
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (ref[i - 1] != hyp[j - 1]))
    i, j, hits = n, m, 0
    while i > 0 and j > 0:
        if d[i][j] == d[i - 1][j - 1] + (ref[i - 1] != hyp[j - 1]):
            hits += ref[i - 1] == hyp[j - 1]
            i, j = i - 1, j - 1
        elif d[i][j] == d[i - 1][j] + 1:
            i -= 1
        else:
            j -= 1
    return hits


def simulate(ctx, args, audio, video=None, gate="tag"):
    argv = [ctx.captionctl, "simulate", audio, "--model", args.camera_model, "--models", ctx.models, "--gate", gate]
    if video:
        argv += ["--video", video, "--loop-video"]
    m = run_measured(argv, cwd=REPO)
    if m.returncode != 0:
        raise RuntimeError(f"simulate {os.path.basename(audio)} failed: " + tail(m.stderr + m.stdout, 3))
    lines = [l for l in m.stdout.splitlines() if l.strip()]
    words = []
    for l in lines:
        words += norm_words(re.sub(r"^\[(#\d+|off camera)\] ", "", l))
    labels = [re.match(r"^\[(#\d+|off camera)\] ", l).group(1) if re.match(r"^\[(#\d+|off camera)\] ", l) else None for l in lines]
    summary = next((l for l in m.stderr.splitlines() if l.startswith("simulate:")), "")
    return words, labels, summary


def faces_per_second(ctx, video, audio, talking):
    m = run_measured([ctx.captionctl, "faces", video, "--audio", audio, "--json", "--detect-every", "5",
                      "--landmark-every", "1", "--models", ctx.models], cwd=REPO)
    if m.returncode != 0:
        raise RuntimeError("faces failed: " + tail(m.stderr + m.stdout, 3))
    import json
    frames = [json.loads(l) for l in m.stdout.splitlines() if l.startswith("{")]
    seconds = {}
    for f in frames:
        s = seconds.setdefault(int(f["time"]), [0, 0, 0, 0])
        s[0] += 1
        s[1] += bool(f.get("voiced"))
        s[2] += f.get("speaker") is not None
        s[3] += len(f.get("faces", [])) > 0
    right = total = 0
    for n, voiced, spoke, _ in seconds.values():
        truth = talking and voiced * 2 >= n
        right += truth == (spoke * 2 >= n)
        total += 1
    with_face = sum(s[3] for s in seconds.values())
    return right, total, with_face, len(frames)


def run(ctx, args):
    work = os.path.join(REPO, ".build", "bench-camera")
    os.makedirs(work, exist_ok=True)
    demo_dir = os.path.join(REPO, ".build", "bench-faces")
    result = {"rows": [], "summary": {}}
    try:
        if not os.path.exists(os.path.join(demo_dir, "demo.y4m")):
            m = run_measured([os.path.join(REPO, "scripts", "make-demo-sample"), demo_dir], cwd=REPO)
            if m.returncode != 0:
                raise RuntimeError("make-demo-sample failed: " + tail(m.stderr, 3))
        demo_wav, demo_y4m = os.path.join(demo_dir, "demo.wav"), os.path.join(demo_dir, "demo.y4m")
        w, h, fps, frames = read_y4m(demo_y4m)
        demo_still = os.path.join(work, "demo_still.y4m")
        write_y4m(demo_still, w, h, fps, [frames[0]] * len(frames))
        ctx.progress("camera: corpus clips")
        corpus_talk, corpus_tv, corpus_wav = make_corpus_streams(ctx, args, work)
        noface, stillface = still_pictures(work)

        # 1. speaking accuracy per second
        acc = {}
        for name, video, audio, talking in [("corpus talking", corpus_talk, corpus_wav, True),
                                            ("corpus television", corpus_tv, corpus_wav, False),
                                            ("demo talking", demo_y4m, demo_wav, True),
                                            ("demo television", demo_still, demo_wav, False)]:
            ctx.progress(f"camera: faces per second, {name}")
            right, total, with_face, n = faces_per_second(ctx, video, audio, talking)
            acc[name] = (right, total)
            result["rows"].append({"figure": "speaking accuracy per second", "case": name, "right": right, "seconds": total,
                                   "frames_with_face": with_face, "frames": n})

        # 2. strict: on-camera words lost, off-camera words captioned
        strict = {}
        for name, audio, talk, tv in [("corpus", corpus_wav, corpus_talk, corpus_tv), ("demo", demo_wav, demo_y4m, demo_still)]:
            ctx.progress(f"camera: strict gate, {name}")
            plain, _, _ = simulate(ctx, args, audio)
            on, on_labels, _ = simulate(ctx, args, audio, talk, "strict")
            off, _, _ = simulate(ctx, args, audio, tv, "strict")
            lost = len(plain) - matched(plain, on)
            strict[name] = (len(plain), lost, len(off))
            result["rows"].append({"figure": "strict", "case": name, "words_no_video": len(plain), "on_camera_lost": lost,
                                   "off_camera_captioned": len(off), "on_camera_labels": sorted(set(l or "-" for l in on_labels))})

        # 3. tag: WER without video and with a still no-face camera; strict with a still face photo
        import csv
        with open(os.path.join(ctx.fixtures, "manifest.tsv"), newline="", encoding="utf-8") as f:
            clips = [dict(r, path=os.path.join(ctx.fixtures, r["path"])) for r in csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE)
                     if r["lang"] == "en"]
        errs_plain = errs_video = ref_words = 0
        tv_words = tv_plain = 0
        for c in clips:
            ctx.progress(f"camera: tag WER, {os.path.basename(c['path'])}")
            ref = norm_words(c["reference"])
            plain, _, _ = simulate(ctx, args, c["path"])
            tagged, labels, _ = simulate(ctx, args, c["path"], noface, "tag")
            photo_strict, _, _ = simulate(ctx, args, c["path"], stillface, "strict")
            errs_plain += edit_distance(ref, plain)
            errs_video += edit_distance(ref, tagged)
            ref_words += len(ref)
            tv_words += len(photo_strict)
            tv_plain += len(plain)
            result["rows"].append({"figure": "tag", "clip": os.path.basename(c["path"]), "words": len(ref),
                                   "errors_no_video": edit_distance(ref, plain), "errors_still_no_face": edit_distance(ref, tagged),
                                   "labels": sorted(set(l or "-" for l in labels)), "strict_still_face_words": len(photo_strict)})
        strict["fixtures, still face photo"] = (tv_plain, None, tv_words)

        # 4. cost in the live path (640x480, 30 fps) and per stage
        face640 = os.path.join(demo_dir, "face640_30.y4m")
        if not os.path.exists(face640):
            m = run_measured(["ffmpeg", "-nostdin", "-v", "error", "-y", "-i", demo_y4m, "-vf", "scale=640:480,fps=30",
                              "-pix_fmt", "yuv420p", "-f", "yuv4mpegpipe", face640], cwd=REPO)
            if m.returncode != 0:
                raise RuntimeError("ffmpeg failed: " + tail(m.stderr, 3))
        ctx.progress("camera: cost in the live path")
        _, _, summary = simulate(ctx, args, demo_wav, face640, "tag")
        cost = re.search(r"([0-9.]+) ms CPU per camera frame = ([0-9.]+)%", summary)
        m = run_measured([ctx.captionctl, "faces", face640, "--audio", demo_wav, "--bench", "--detect-every", "10",
                          "--landmark-every", "2", "--models", ctx.models], cwd=REPO)
        stages = next((l for l in m.stdout.splitlines() if l.startswith("cost:")), "")
        result["summary"] = {
            "accuracy": {k: list(v) for k, v in acc.items()},
            "strict": {k: list(v) for k, v in strict.items()},
            "tag": {"ref_words": ref_words, "wer_no_video": errs_plain / max(ref_words, 1),
                    "wer_still_no_face": errs_video / max(ref_words, 1)},
            "cost": {"live_summary": summary, "ms_per_camera_frame": float(cost.group(1)) if cost else None,
                     "cpu_percent": float(cost.group(2)) if cost else None, "stages": stages},
        }
    except RuntimeError as e:
        result["rows"].append({"error": str(e)})
    return result


def report(result, write):
    for r in result["rows"]:
        if "error" in r:
            write(f"camera: FAILED {r['error']}")
    s = result.get("summary") or {}
    if not s:
        return
    for name, (right, total) in s["accuracy"].items():
        write(f"camera: speaking accuracy per second, {name}: {right}/{total} = {100.0 * right / max(total, 1):.1f}%")
    for name, (words, lost, off) in s["strict"].items():
        if lost is not None:
            write(f"camera: strict, {name}: on camera {lost}/{words} words lost = {100.0 * lost / max(words, 1):.1f}% "
                  f"(target <= 1%); television (still face) {off}/{words} words captioned = {100.0 * off / max(words, 1):.1f}% (target <= 5%)")
        else:
            write(f"camera: strict, {name}: {off}/{words} words captioned = {100.0 * off / max(words, 1):.1f}% (target <= 5%)")
    t = s["tag"]
    gap = abs(t["wer_still_no_face"] - t["wer_no_video"])
    write(f"camera: tag, English fixtures ({t['ref_words']} words): WER without video {100 * t['wer_no_video']:.1f}%, "
          f"with a still no-face camera {100 * t['wer_still_no_face']:.1f}% (gap {100 * gap:.1f} points, target <= 0.5)")
    c = s["cost"]
    write(f"camera: live path {c['live_summary']}")
    write(f"camera: stages {c['stages']}")
