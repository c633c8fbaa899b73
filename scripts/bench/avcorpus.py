"""Shared by the audio-visual sections (avnoise, avlive, avsets): a held-out test corpus made when
missing, and `captionctl eval` of a checkpoint on its test split, cached per corpus."""
import json
import os

from measure import run_measured, tail

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# Babble SNRs of the noise curves (None: clean), and the corpus --noise list that makes their copies.
LEVELS = [None, 20, 10, 5, 0, -5]
NOISE = ",".join(f"babble:{s}" for s in LEVELS if s is not None)


def level_name(snr):
    return "clean" if snr is None else f"{snr:+d} dB"


def make_test_corpus(ctx, corpus, seed, clips, noise, extra=()):
    """`captionctl corpus -o CORPUS --seed S --train 0 --validation 0 --test N --noise NOISE [EXTRA]`
    unless CORPUS/manifest.jsonl exists: a clip depends only on the seed, its split and its index,
    so these are the test clips of the full corpus with that seed and set."""
    if os.path.exists(os.path.join(corpus, "manifest.jsonl")):
        return
    argv = [ctx.captionctl, "corpus", "-o", corpus, "--seed", str(seed), "--train", "0", "--validation", "0",
            "--test", str(clips), "--babble", ctx.fixtures] + (["--noise", noise] if noise else []) + list(extra)
    ctx.progress(" ".join(["captionctl"] + argv[1:]))
    m = run_measured(argv, cwd=REPO)
    if m.returncode != 0:
        raise RuntimeError("corpus: " + " | ".join(tail(m.stderr + m.stdout, 3).splitlines()))


def eval_cer(ctx, corpus, model, modality, snr, extra=()):
    """One `captionctl eval CORPUS/manifest.jsonl --split test --json` (cached in CORPUS/bench-cache.json
    by model file, mtime, condition and captionctl binary, so an interrupted run resumes where it stopped)."""
    cache_path = os.path.join(corpus, "bench-cache.json")
    stamp = os.path.getmtime(model) if os.path.exists(model) else 0
    sidecar = model[:-len(".safetensors")] + ".arpa" if model.endswith(".safetensors") else None
    if sidecar and os.path.exists(sidecar):   # the character language model the search uses
        stamp = f"{stamp}+{os.path.getmtime(sidecar)}"
    # The binary too: a new captionctl may decode differently (a cached number is the binary's it names).
    binary = f"{os.path.abspath(ctx.captionctl)}@{os.path.getmtime(ctx.captionctl)}"
    key = f"{os.path.abspath(model) if os.path.exists(model) else model}|{stamp}|{modality}|{snr}|{' '.join(extra)}|{binary}"
    cache = {}
    if os.path.exists(cache_path):
        with open(cache_path, encoding="utf-8") as f:
            cache = json.load(f)
    if key in cache:
        return cache[key]
    result = eval_uncached(ctx, corpus, model, modality, snr, extra)
    cache[key] = result
    with open(cache_path, "w", encoding="utf-8") as f:
        json.dump(cache, f, indent=1)
    return result


def eval_uncached(ctx, corpus, model, modality, snr, extra=()):
    argv = [ctx.captionctl, "eval", os.path.join(corpus, "manifest.jsonl"), "--split", "test", "--json",
            "--model", model, "--modality", modality, "--threads", "1"] + list(extra)
    if snr is not None:
        argv += ["--noise", f"babble:{snr}"]
    m = run_measured(argv, cwd=REPO, env=dict(os.environ, CAPTIOND_MODELS=ctx.models))
    if m.returncode != 0:
        raise RuntimeError(f"eval {modality} {level_name(snr)}: " + " | ".join(tail(m.stderr + m.stdout, 3).splitlines()))
    return json.loads(m.stdout.strip().splitlines()[-1])
