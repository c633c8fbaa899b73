"""The "faces" benchmark: per-frame cost of the camera pipeline (BlazeFace detection, FaceMesh
landmarks, speaking score) at 640x480, via `captionctl faces --bench`.

Steps (run from the repository root):
  scripts/make-demo-sample .build/bench-faces            (the rendered talking face + speech)
  ffmpeg -i .build/bench-faces/demo.y4m -vf scale=640:480 -t 10 .build/bench-faces/face640.y4m
  captionctl faces .build/bench-faces/face640.y4m --audio .build/bench-faces/demo.wav --bench \
      --detect-every 10 --landmark-every 2
Costs are thread CPU time. Target: amortised <= 3.3 ms per frame (10% of one core at 30 fps); the
default rates (detector every 10 frames, landmarks every 2nd frame = 15 Hz lip sampling at 30 fps)
are the ones chosen to meet it.
"""
import os
import re

from measure import run_measured, tail

NAME = "faces"
TARGET_PERCENT = 10.0
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def add_arguments(ap):
    g = ap.add_argument_group("faces")
    g.add_argument("--faces-detect-every", type=int, default=10, help="detector every N frames (10)")
    g.add_argument("--faces-landmark-every", type=int, default=2, help="landmarks every N frames (2)")
    g.add_argument("--faces-seconds", type=float, default=10.0, help="seconds of video (10)")


def run(ctx, args):
    work = os.path.join(REPO, ".build", "bench-faces")
    video = os.path.join(work, "face640.y4m")
    row = {"detect_every": args.faces_detect_every, "landmark_every": args.faces_landmark_every}
    steps = []
    if not os.path.exists(os.path.join(work, "demo.y4m")):
        steps.append([os.path.join(REPO, "scripts", "make-demo-sample"), work])
    if not os.path.exists(video):
        steps.append(["ffmpeg", "-nostdin", "-v", "error", "-y", "-i", os.path.join(work, "demo.y4m"),
                      "-vf", "scale=640:480", "-t", f"{args.faces_seconds:g}", "-pix_fmt", "yuv420p",
                      "-f", "yuv4mpegpipe", video])
    for argv in steps:
        ctx.progress("faces: " + " ".join(os.path.basename(a) for a in argv[:3]))
        m = run_measured(argv, cwd=REPO)
        if m.returncode != 0:
            row["error"] = f"{argv[0]} failed: " + " | ".join(tail(m.stderr + m.stdout, 3).splitlines())
            return {"rows": [row], "summary": {}}
    ctx.progress("faces: captionctl faces --bench (640x480)")
    m = run_measured([ctx.captionctl, "faces", video, "--audio", os.path.join(work, "demo.wav"), "--bench",
                      "--detect-every", str(args.faces_detect_every),
                      "--landmark-every", str(args.faces_landmark_every), "--models", ctx.models], cwd=REPO)
    line = next((l for l in m.stdout.splitlines() if l.startswith("cost:")), "")
    found = re.search(r"amortised ([0-9.]+) ms per frame = ([0-9.]+)%", line)
    if m.returncode != 0 or not found:
        row["error"] = f"exit {m.returncode}: " + " | ".join(tail(m.stderr + m.stdout, 3).splitlines())
        return {"rows": [row], "summary": {}}
    row.update(output=line, ms_per_frame=float(found.group(1)), cpu_percent=float(found.group(2)),
               peak_rss_mb=m.peak_rss_mb)
    return {"rows": [row], "summary": {"faces": {"cpu_percent": row["cpu_percent"], "target_percent": TARGET_PERCENT,
                                                 "meets_target": row["cpu_percent"] <= TARGET_PERCENT}}}


def report(result, write):
    for r in result["rows"]:
        if "error" in r:
            write(f"faces: FAILED {r['error']}")
            continue
        write(r["output"])
        verdict = "meets" if result["summary"]["faces"]["meets_target"] else "misses"
        write(f"faces: {r['ms_per_frame']:.2f} ms per frame amortised = {r['cpu_percent']:.1f}% of one core at 30 fps "
              f"(target <= {TARGET_PERCENT:g}%: {verdict}), peak RSS {r['peak_rss_mb']:.0f} MB")
