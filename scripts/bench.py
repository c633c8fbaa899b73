#!/usr/bin/env python3
"""captiond benchmarks (`make bench`).

Usage: scripts/bench.py [--only offline] [--captionctl PATH] [--threads 2] [--json out.json] ...

Sections live in scripts/bench/<name>_section.py; each exposes NAME, add_arguments(parser),
run(ctx, args) -> dict and report(result, write). To add one (capture CPU, streaming latency),
write the module and list it in SECTIONS; `--only NAME[,NAME]` selects sections.
Every configuration runs in its own process so its peak RSS is its own.
"""
import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "bench"))

import capture_section  # noqa: E402
import offline_section  # noqa: E402
import score_memory_section  # noqa: E402
import streaming_section  # noqa: E402
import subscribers_section  # noqa: E402
import faces_section  # noqa: E402
import keepup_section  # noqa: E402
import camera_section  # noqa: E402
import int8_section  # noqa: E402
import avnoise_section  # noqa: E402
import avlive_section  # noqa: E402
import avsets_section  # noqa: E402
import speed_section  # noqa: E402
import overlay_section  # noqa: E402

SECTIONS = {offline_section.NAME: offline_section,
            capture_section.NAME: capture_section,
            streaming_section.NAME: streaming_section,
            subscribers_section.NAME: subscribers_section,
            score_memory_section.NAME: score_memory_section,
            faces_section.NAME: faces_section,
            keepup_section.NAME: keepup_section,
            camera_section.NAME: camera_section,
            int8_section.NAME: int8_section,
            avnoise_section.NAME: avnoise_section,
            avlive_section.NAME: avlive_section,
            avsets_section.NAME: avsets_section,
            speed_section.NAME: speed_section,
            overlay_section.NAME: overlay_section}
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class Context:
    """What every section gets: paths, thread count, captionctl location, progress output."""

    def __init__(self, args):
        self.fixtures = args.fixtures
        self.models = args.models
        self.threads = args.threads
        self.captionctl = args.captionctl
        self.captionctl_ok = os.path.isfile(self.captionctl) and os.access(self.captionctl, os.X_OK)

    @staticmethod
    def progress(msg):
        print(f"bench: {msg}", file=sys.stderr, flush=True)


def default_models():
    env = os.environ.get("CAPTIOND_MODELS", "")
    if env:
        return env
    if os.geteuid() == 0:
        return "/var/lib/captiond/models"
    return os.path.join(os.path.expanduser("~"), ".cache", "captiond", "models")


def main():
    ap = argparse.ArgumentParser(description="captiond benchmarks")
    ap.add_argument("--only", default=",".join(SECTIONS),
                    help=f"sections to run, comma-separated ({', '.join(SECTIONS)})")
    ap.add_argument("--captionctl", default=os.path.join(REPO, ".build", "release", "captionctl"))
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--fixtures", default=os.environ.get("CAPTIOND_SHARED_FIXTURES") or
                    os.path.join(os.path.dirname(REPO), "shared", "fixtures"))
    ap.add_argument("--models", default=default_models(), help="models directory")
    ap.add_argument("--json", metavar="OUT", help="also write all results as JSON")
    ap.add_argument("--check-targets", action="store_true",
                    help="exit 1 when a section's target is missed")
    for section in SECTIONS.values():
        section.add_arguments(ap)
    args = ap.parse_args()

    names = [n for n in args.only.split(",") if n]
    unknown = [n for n in names if n not in SECTIONS]
    if unknown:
        ap.error(f"unknown section(s) {', '.join(unknown)}; known: {', '.join(SECTIONS)}")
    ctx = Context(args)
    if not ctx.captionctl_ok and not getattr(args, "skip_captionctl", False):
        print(f"bench: captionctl not found at {ctx.captionctl}: build it with "
              "`swift build -c release --product captionctl` or pass --captionctl PATH; "
              "running faster-whisper only", file=sys.stderr)

    load1 = os.getloadavg()[0]
    if load1 > (os.cpu_count() or 1):
        print(f"bench: warning: load average {load1:.1f} on {os.cpu_count()} CPUs; other work "
              "competes with the benchmark, so times are inflated and noisy", file=sys.stderr)
    results = {"threads": args.threads, "load_average_at_start": load1, "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
               "sections": {}}
    status = 0
    for name in names:
        section = SECTIONS[name]
        result = section.run(ctx, args)
        results["sections"][name] = result
        print(f"\n== {name} ({args.threads} threads, load average at start {load1:.1f}"
              f" on {os.cpu_count()} CPUs)")
        section.report(result, print)
        rows = result.get("rows", [])
        if any("error" in r for r in rows):
            status = 1
        if args.check_targets and any(s.get("meets_target") is False
                                      for s in result.get("summary", {}).values()):
            status = 1
    if not ctx.captionctl_ok and not getattr(args, "skip_captionctl", False):
        status = 1  # the comparison could not be made
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(results, f, ensure_ascii=False, indent=1)
            f.write("\n")
        print(f"bench: wrote {args.json}")
    return status


if __name__ == "__main__":
    sys.exit(main())
