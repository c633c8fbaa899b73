"""The "capture" benchmark: CPU cost of capture (ALSA `file` plugin audio paced at real time plus
V4L2 video from the LD_PRELOAD fake camera, converted to luma, both rings drained).

Steps (run from the repository root):
  cc -shared -fPIC -O2 -o .build/fakev4l2.so Tests/Fixtures/fakev4l2/fakev4l2.c -ldl
  swift build -c release --product capture-bench
  LD_PRELOAD=$PWD/.build/fakev4l2.so .build/release/capture-bench --seconds 10
capture-bench prints the CPU time it used as a percentage of one core; target: under 3%.
"""
import os
import re

from measure import run_measured, tail

NAME = "capture"
TARGET_PERCENT = 3.0
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def add_arguments(ap):
    g = ap.add_argument_group("capture")
    g.add_argument("--capture-seconds", type=float, default=10.0, help="capture duration (10)")


def _step(argv, what, env=None):
    m = run_measured(argv, env=env, cwd=REPO)
    if m.returncode != 0:
        return f"{what} failed (exit {m.returncode}): " + " | ".join(
            tail(m.stderr + m.stdout, 3).splitlines())
    return None


def run(ctx, args):
    shim = os.path.join(REPO, ".build", "fakev4l2.so")
    binary = os.path.join(REPO, ".build", "release", "capture-bench")
    ctx.progress("capture: building the fake camera shim and capture-bench")
    err = _step(["cc", "-shared", "-fPIC", "-O2", "-o", shim,
                 os.path.join("Tests", "Fixtures", "fakev4l2", "fakev4l2.c"), "-ldl"], "cc fakev4l2.so")
    err = err or _step(["swift", "build", "-c", "release", "--product", "capture-bench"],
                       "swift build --product capture-bench")
    row = {"seconds": args.capture_seconds}
    if err:
        row["error"] = err
        return {"rows": [row], "summary": {}}
    ctx.progress(f"capture: {args.capture_seconds:g} s of paced audio + fake camera video")
    env = dict(os.environ, LD_PRELOAD=shim)
    m = run_measured([binary, "--seconds", f"{args.capture_seconds:g}"], env=env, cwd=REPO)
    row.update(peak_rss_mb=m.peak_rss_mb, process_s=m.wall_s, cpu_s=m.user_s + m.sys_s,
               output=[l for l in m.stdout.splitlines() if l.startswith("capture-bench:")])
    found = re.search(r"=\s*([0-9.]+)% of one core", m.stdout)
    if m.returncode != 0 or not found:
        row["error"] = f"exit {m.returncode}: " + " | ".join(tail(m.stderr + m.stdout, 3).splitlines())
        return {"rows": [row], "summary": {}}
    row["cpu_percent"] = float(found.group(1))
    return {"rows": [row], "summary": {"capture": {"cpu_percent": row["cpu_percent"],
                                                   "target_percent": TARGET_PERCENT,
                                                   "meets_target": row["cpu_percent"] < TARGET_PERCENT}}}


def report(result, write):
    for r in result["rows"]:
        if "error" in r:
            write(f"capture: FAILED {r['error']}")
            continue
        for line in r["output"]:
            write(line)
        s = result["summary"]["capture"]
        verdict = "meets" if s["meets_target"] else "misses"
        write(f"capture: CPU {r['cpu_percent']:.2f}% of one core over {r['seconds']:g} s "
              f"(target < {TARGET_PERCENT:g}%: {verdict}); whole-process CPU {r['cpu_s']:.2f} s, "
              f"peak RSS {r['peak_rss_mb']:.0f} MB")
