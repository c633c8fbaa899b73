#!/usr/bin/env python3
"""Writes an int8 CTranslate2 Whisper model from an installed float16 one, with CTranslate2's own
converter code (`ctranslate2.specs.WhisperSpec`, `optimize(quantization="int8")`, `save`): the same
bytes `ct2-transformers-converter --quantization int8` writes (linear, embedding and conv weights as
int8 with per-row float32 `…_scale`, other variables kept as they were, tied weights aliased).

Usage: scripts/make-int8-model.py SOURCE_DIR OUTPUT_DIR

SOURCE_DIR is a CTranslate2 Whisper model directory (model.bin, config.json, tokenizer.json,
vocabulary.txt), e.g. <models>/tiny.en; OUTPUT_DIR (e.g. <models>/tiny.en-int8) is built in a
temporary directory beside it and renamed into place. Needs `pip install ctranslate2` (faster-whisper
brings it); the Swift tests only read the result. scripts/fetch-models tiny.en-int8 calls this.
"""
import os
import shutil
import struct
import sys
import tempfile

DTYPES = {0: "float32", 1: "int8", 2: "int16", 3: "int32", 4: "float16", 5: "bfloat16"}


def read_model_bin(path):
    """(spec name, [(name, numpy array)], [(alias, target)]) of a CTranslate2 model.bin."""
    import numpy as np
    with open(path, "rb") as f:
        data = f.read()
    off = 0

    def take(fmt):
        nonlocal off
        v = struct.unpack_from("<" + fmt, data, off)
        off += struct.calcsize("<" + fmt)
        return v[0]

    def string():
        nonlocal off
        n = take("H")
        s = data[off:off + n - 1].decode("utf-8")
        off += n
        return s

    version = take("I")
    if version not in (5, 6):
        raise SystemExit(f"make-int8-model: {path}: format version {version} is not 5 or 6")
    spec = string()
    take("I")  # revision
    variables = []
    for _ in range(take("I")):
        name = string()
        shape = [take("I") for _ in range(take("B"))]
        dtype = DTYPES[take("B")]
        nbytes = take("I")
        np_dtype = {"bfloat16": np.uint16}.get(dtype, dtype)
        if dtype == "bfloat16":
            raise SystemExit(f"make-int8-model: {path}: bfloat16 variable {name} is not handled")
        value = np.frombuffer(data, dtype=np_dtype, count=nbytes // np.dtype(np_dtype).itemsize, offset=off)
        off += nbytes
        variables.append((name, value.reshape(shape) if shape else value.reshape(())))
    aliases = [(string(), string()) for _ in range(take("I"))]
    return spec, variables, aliases


def convert(source, output):
    try:
        import numpy as np
        from ctranslate2.specs import whisper_spec
        from ctranslate2.specs.model_spec import index_spec, _parent_scope
    except ImportError as e:
        raise SystemExit(f"make-int8-model: {e}: pip install ctranslate2 (or faster-whisper==1.2.1)")
    spec_name, variables, aliases = read_model_bin(os.path.join(source, "model.bin"))
    if spec_name != "WhisperSpec":
        raise SystemExit(f"make-int8-model: {source}: spec {spec_name}, expected WhisperSpec")
    values = dict(variables)
    for quantized in (n for n, v in variables if n.endswith("_scale")):
        raise SystemExit(f"make-int8-model: {source} is already quantised (it has {quantized})")

    def layers(side):
        n = 0
        while f"{side}/layer_{n}/self_attention/linear_0/weight" in values:
            n += 1
        return n

    spec = whisper_spec.WhisperSpec(layers("encoder"), int(values["encoder/num_heads"]),
                                    layers("decoder"), int(values["decoder/num_heads"]))
    for name, value in variables + [(a, values[t]) for a, t in aliases]:
        scope, attr = _parent_scope(name)
        layer = index_spec(spec, scope)
        current = getattr(layer, attr)
        if current is None or isinstance(current, str):   # a weight (None) or OPTIONAL
            setattr(layer, attr, np.array(value))
        elif np.ndim(current) == 0 and float(current) != float(value):
            raise SystemExit(f"make-int8-model: {name} is {value}, the spec says {current}")
    with open(os.path.join(source, "vocabulary.txt"), encoding="utf-8") as f:
        vocabulary = [line.rstrip("\n") for line in f]
    spec.register_vocabulary(vocabulary)
    spec.validate()
    spec.optimize(quantization="int8")

    parent = os.path.dirname(os.path.abspath(output)) or "."
    os.makedirs(parent, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix="." + os.path.basename(output) + ".tmp-", dir=parent)
    try:
        os.chmod(tmp, 0o755)
        spec.save(tmp)
        # The source's config.json (suppress ids, language ids, alignment heads) and tokenizer
        # replace the spec's empty defaults; the vocabulary stays as the source has it.
        for name in ("config.json", "tokenizer.json", "vocabulary.txt"):
            if os.path.exists(os.path.join(source, name)):
                shutil.copy(os.path.join(source, name), os.path.join(tmp, name))
        for extra in os.listdir(tmp):
            if extra not in ("model.bin", "config.json", "tokenizer.json", "vocabulary.txt"):
                os.remove(os.path.join(tmp, extra))
        if os.path.exists(output):
            shutil.rmtree(output)
        os.rename(tmp, output)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    size = os.path.getsize(os.path.join(output, "model.bin"))
    print(f"make-int8-model: wrote {output}/model.bin ({size / 1e6:.1f} MB, int8 weights)")


def main():
    if len(sys.argv) != 3:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    source, output = sys.argv[1], sys.argv[2]
    if not os.path.isfile(os.path.join(source, "model.bin")):
        print(f"make-int8-model: no model.bin in {source}: install it with scripts/fetch-models", file=sys.stderr)
        return 1
    convert(source, output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
