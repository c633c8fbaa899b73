#!/usr/bin/env python3
"""Writes the fuzz seed corpora under Fuzz/Seeds/<target>/: small (KB) pieces of the project's own
fixtures, the installed tiny.en model files and synthetic files in each format. Run from the
repository root: `python3 Fuzz/make-seeds.py` (the committed seeds are its output; needs ffmpeg for
the FLAC seeds and /var/lib/captiond/models/tiny.en for the tokenizer/config pieces)."""
import json, os, struct, subprocess, sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "Fuzz", "Seeds")
FIX = os.path.join(ROOT, "..", "shared", "fixtures")
MODEL = os.environ.get("CAPTIOND_SEED_MODEL", "/var/lib/captiond/models/tiny.en")


def put(target, name, data):
    d = os.path.join(OUT, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


def wav(rate, channels, bits, tag, payload, extensible=False):
    block = channels * bits // 8
    fmt = struct.pack("<HHIIHH", 0xFFFE if extensible else tag, channels, rate, rate * block, block, bits)
    if extensible:
        fmt += struct.pack("<HHI", 22, bits, 0) + struct.pack("<H", tag) + bytes(14)
    payload = payload[: len(payload) - len(payload) % block]
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"data" + struct.pack("<I", len(payload)) + payload
    return b"RIFF" + struct.pack("<I", len(body)) + body


def seeds_wav():
    jfk = open(os.path.join(FIX, "whisper_cpp", "jfk.wav"), "rb").read()
    speech = jfk[44 + 40000: 44 + 40000 + 800]          # 25 ms of real speech, s16 16 kHz
    put("wav", "s16-16k-mono.wav", wav(16000, 1, 16, 1, speech))
    put("wav", "u8-8k-mono.wav", wav(8000, 1, 8, 1, speech[:200]))
    put("wav", "s24-44k-stereo.wav", wav(44100, 2, 24, 1, speech[:600]))
    put("wav", "s32-48k-mono.wav", wav(48000, 1, 32, 1, speech[:400]))
    put("wav", "f32-22k-stereo.wav", wav(22050, 2, 32, 3, struct.pack("<64f", *[i / 64 - 0.5 for i in range(64)])))
    put("wav", "f64-16k-mono.wav", wav(16000, 1, 64, 3, struct.pack("<32d", *[i / 32 for i in range(32)])))
    put("wav", "extensible-s16.wav", wav(16000, 2, 16, 1, speech[:256], extensible=True))
    head = bytearray(jfk[:1024])                         # the real header (LIST chunk), cut
    put("wav", "jfk-head.wav", bytes(head))


def strip_padding(flac):
    """ffmpeg writes an 8-KB PADDING block: keep only STREAMINFO and VORBIS_COMMENT, then the frames."""
    out, at, blocks = bytearray(b"fLaC"), 4, []
    while True:
        head = flac[at]; size = int.from_bytes(flac[at + 1: at + 4], "big")
        if head & 0x7F in (0, 4): blocks.append(bytearray(flac[at: at + 4 + size]))
        at += 4 + size
        if head & 0x80: break
    for i, b in enumerate(blocks):
        b[0] = (b[0] & 0x7F) | (0x80 if i == len(blocks) - 1 else 0)
        out += b
    return bytes(out + flac[at:])


def seeds_flac():
    src = os.path.join(FIX, "speech_recognition", "chinese.flac")
    put("flac", "chinese-head.flac", open(src, "rb").read()[:2048])
    runs = [("16k-mono", ["-ar", "16000", "-ac", "1", "-t", "0.03"]),
            ("44k-stereo", ["-ar", "44100", "-ac", "2", "-t", "0.01"]),
            ("48k-s24", ["-ar", "48000", "-ac", "1", "-sample_fmt", "s32", "-t", "0.01"]),
            ("8k-verbatim", ["-ar", "8000", "-ac", "1", "-compression_level", "0", "-t", "0.02"]),
            ("16k-lpc12", ["-ar", "16000", "-ac", "1", "-compression_level", "12", "-t", "0.03"])]
    for name, args in runs:
        data = subprocess.run(["ffmpeg", "-v", "error", "-ss", "0.4", "-i", src, *args, "-c:a", "flac", "-f", "flac", "-"],
                              check=True, capture_output=True).stdout
        put("flac", name + ".flac", strip_padding(data)[:4096])


def seeds_y4m():
    cap = os.path.join(ROOT, "Tests", "Fixtures", "capture")
    for name in ["testsrc-gray.y4m", "testsrc-yuv420p.y4m", "testsrc-yuv422p.y4m"]:
        put("y4m", name, open(os.path.join(cap, name), "rb").read())
    put("y4m", "4x2-444-two.y4m", b"YUV4MPEG2 W4 H2 F30:1 Ip A1:1 C444 XYSCSS=444\n" + (b"FRAME\n" + bytes(range(24))) * 2)
    put("y4m", "3x3-420jpeg.y4m", b"YUV4MPEG2 W3 H3 F30000:1001 C420jpeg\nFRAME Ixyz\n" + bytes(9 + 8))
    put("y4m", "1x1-mono.y4m", b"YUV4MPEG2 W1 H1 Cmono\nFRAME\n\x80")


def seeds_pcm():
    s16 = open(os.path.join(ROOT, "Tests", "Fixtures", "features", "speech_recognition__english.s16"), "rb").read()
    speech = s16[32000: 32000 + 1200]
    put("pcm", "s16-16k-mono.raw", bytes([2 * 3 + 0, 5]) + speech)        # choice: s16, 1 ch, rate 16000
    put("pcm", "s32-48k-stereo.raw", bytes([6 * 24 + 1 * 3 + 1, 9]) + speech)
    put("pcm", "f32-44k-mono.raw", bytes([5 * 24 + 2, 1]) + struct.pack("<100f", *[i / 100 for i in range(100)]))
    put("pcm", "s16-8k-6ch-stray.raw", bytes([0 + 5 * 3, 3]) + speech[:241])


def ct2_string(s):
    b = s.encode() + b"\0"
    return struct.pack("<H", len(b)) + b


def ct2_var(name, shape, code, data):
    return ct2_string(name) + bytes([len(shape)]) + b"".join(struct.pack("<I", d) for d in shape) + bytes([code]) + struct.pack("<I", len(data)) + data


def seeds_ct2():
    v = [ct2_var("encoder/num_heads", [], 1, bytes([6])),
         ct2_var("decoder/num_heads", [], 2, struct.pack("<h", 6)),
         ct2_var("x", [2, 3], 4, struct.pack("<6e", 1, -2, 0.5, 3, 0, 1e-3)),
         ct2_var("q", [2, 2], 1, bytes([1, 2, 255, 128])),
         ct2_var("q_scale", [2], 0, struct.pack("<2f", 2, 4)),
         ct2_var("b", [3], 5, bytes([0x80, 0x3F, 0, 0x40, 0x80, 0xBF])),
         ct2_var("i", [1], 3, struct.pack("<i", 7))]
    body = struct.pack("<I", 6) + ct2_string("WhisperSpec") + struct.pack("<II", 3, len(v)) + b"".join(v)
    put("ct2", "tiny-synthetic.bin", body + struct.pack("<I", 1) + ct2_string("decoder/projection/weight") + ct2_string("x"))
    put("ct2", "v5-noalias.bin", struct.pack("<I", 5) + ct2_string("WhisperSpec") + struct.pack("<II", 1, 1) + v[2] + struct.pack("<I", 0))
    put("ct2", "tiny.en-head.bin", open(os.path.join(MODEL, "model.bin"), "rb").read()[:512])


def safetensors(header, data):
    h = json.dumps(header, separators=(",", ":")).encode()
    return struct.pack("<Q", len(h)) + h + data


def seeds_safetensors():
    data = struct.pack("<6f", 1, 2, 3, 4, 5, 6) + struct.pack("<4e", 1, 2, 3, 4) + bytes([0, 0x3F, 0, 0x40])
    put("safetensors", "three-dtypes.safetensors", safetensors({
        "__metadata__": {"format": "pt"},
        "x": {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 24]},
        "h": {"dtype": "F16", "shape": [4], "data_offsets": [24, 32]},
        "b": {"dtype": "BF16", "shape": [1, 2], "data_offsets": [32, 36]}}, data))
    put("safetensors", "scalar.safetensors", safetensors({"s": {"dtype": "F32", "shape": [], "data_offsets": [0, 4]}}, struct.pack("<f", 7)))
    put("safetensors", "empty.safetensors", safetensors({}, b""))


def seeds_tokenizer():
    t = json.load(open(os.path.join(MODEL, "tokenizer.json"), encoding="utf-8"))
    vocab = t["model"]["vocab"]
    merges = t["model"]["merges"][:300]
    keep = {k: v for k, v in vocab.items() if v < 256}
    for m in merges:
        a, b = m.split(" ")
        for tok in (a, b, a + b):
            if tok in vocab: keep[tok] = vocab[tok]
    added = [{"id": a["id"], "content": a["content"], "special": True} for a in t["added_tokens"]]
    for a in added: keep[a["content"]] = a["id"]
    small = {"version": "1.0", "added_tokens": added,
             "model": {"type": "BPE", "vocab": keep, "merges": merges}}
    put("tokenizer", "tiny.en-small.json", json.dumps(small, ensure_ascii=False, separators=(",", ":")))
    pairs = dict(small); pairs["model"] = dict(small["model"], merges=[m.split(" ") for m in merges[:40]])
    put("tokenizer", "merges-as-pairs.json", json.dumps(pairs, ensure_ascii=False, separators=(",", ":")))


def seeds_modelconfig():
    put("modelconfig", "tiny.en-config.json", open(os.path.join(MODEL, "config.json"), "rb").read())
    put("modelconfig", "huggingface.json", json.dumps({"encoder_attention_heads": 6, "decoder_attention_heads": 6,
                                                        "suppress_ids_begin": [220, 50256], "d_model": 384}))


def seeds_toml():
    put("toml", "captiond.toml", open(os.path.join(ROOT, "Config", "captiond.toml"), "rb").read())
    put("toml", "file-sources.toml", '[audio]\nsource = "file"\nfile = "/tmp/a.wav"\npace = "fast"\n'
        '[video]\nenabled = true\nsource = "file"\nfile = "/tmp/v.y4m"\nsize = "640x480"\nfps = 30\n'
        '[model]\nname = "tiny.en"\nlanguage = "auto"\nbeam = 5\n[streaming]\nstep_ms = 500\nwindow_s = 10.5\n')
    put("toml", "empty.toml", "")


def seeds_control():
    # fuzz-control reads the first byte as the reader (byte % 3: "0" control requests, "1" control
    # replies, "2" caption events) and the rest as the byte stream it splits into lines.
    requests = [
        '{"cmd":"status"}', '{"cmd":"pause"}', '{"cmd":"resume"}', '{"cmd":"reload"}',
        '{"cmd":"set","key":"language","value":"zh"}', '{"cmd":"set","key":"model","value":"base"}']
    replies = [
        '{"cmd":"pause","message":"paused; captions stop until resume","ok":true}',
        '{"cmd":"status","ok":true,"status":{"audio_dropped":0,"audio_samples":160000,"language":"en","model":"tiny.en","rtf":0.21,"state":"running","subscribers":2,"task":"transcribe","uptime_s":12.5,"video_dropped":0,"video_frames":300}}',
        '{"error":{"code":"unknown_command","message":"unknown command"},"ok":false}']
    events = [
        '{"language":"en","model":"tiny.en","protocol":1,"task":"transcribe","type":"hello"}',
        '{"end":13.9,"seq":41,"stable":"ask not what","start":12.31,"text":"ask not what your","type":"partial","utterance":7}',
        '{"end":15.02,"lang":"en","seq":42,"start":12.31,"text":"Ask not.","type":"final","utterance":7,"wall":1795849533.2,"words":[{"end":12.5,"probability":0.93,"start":12.31,"word":"Ask"}]}',
        '{"dropped_frames":0,"dropped_samples":0,"rtf":0.21,"state":"running","subscribers":3,"type":"status"}',
        '{"code":"lagging","message":"read faster","type":"error"}']
    every = "\n".join(requests + replies + events) + "\n"
    for reader, name, lines in (("0", "requests", requests), ("1", "replies", replies), ("2", "events", events)):
        put("control", "%s.txt" % name, reader + "\n".join(lines) + "\n")
        put("control", "all-messages-%s.txt" % reader, reader + every)   # each reader on every kind of line
    for i, l in enumerate(requests):
        put("control", "request-%d.txt" % i, "0" + l + "\n")


class FlatBuffer:
    """A minimal FlatBuffers writer laid out front to back (parents before children, so every
    uoffset points forward as the format requires; vtables sit just before their tables)."""

    def __init__(self, ident):
        self.buf = bytearray(4) + ident

    def align(self, n):
        while len(self.buf) % n:
            self.buf.append(0)

    def patch(self, at, target):
        struct.pack_into("<I", self.buf, at, target - at)

    def write(self, obj):
        """obj: ("table", {index: (kind, value)}) | ("vtables", [...]) | ("vi32", [...]) |
        ("bytes", b"") | ("string", "..."); returns its position."""
        kind, value = obj
        if kind == "table":
            fields = sorted(value.items())
            n = (max(value) + 1) if value else 0
            layout, size = [], 4
            for index, (k, v) in fields:
                width = {"i8": 1, "u8": 1, "i32": 4, "u32": 4, "u64": 8}.get(k, 4)
                size = (size + width - 1) // width * width
                layout.append((index, k, v, size, width))
                size += width
            self.align(4)
            vt = len(self.buf)
            self.buf += struct.pack("<HH", 4 + 2 * n, size) + bytes(2 * n)
            for index, _, _, off, _ in layout:
                struct.pack_into("<H", self.buf, vt + 4 + 2 * index, off)
            self.align(8) if any(l[1] == "u64" for l in layout) else self.align(4)
            pos = len(self.buf)
            self.buf += bytes(size)
            struct.pack_into("<i", self.buf, pos, pos - vt)
            children = []
            for index, k, v, off, _ in layout:
                fmt = {"i8": "<b", "u8": "<B", "i32": "<i", "u32": "<I", "u64": "<Q"}.get(k)
                if fmt:
                    struct.pack_into(fmt, self.buf, pos + off, v)
                else:
                    children.append((pos + off, (k, v)))
            for at, child in children:
                self.patch(at, self.write(child))
            return pos
        self.align(4)
        pos = len(self.buf)
        if kind == "vtables":
            self.buf += struct.pack("<I", len(value)) + bytes(4 * len(value))
            for i, t in enumerate(value):
                self.patch(pos + 4 + 4 * i, self.write(("table", t)))
        elif kind == "vi32":
            self.buf += struct.pack("<I%di" % len(value), len(value), *value)
        elif kind in ("bytes", "string"):
            data = value.encode() if kind == "string" else value
            self.buf += struct.pack("<I", len(data)) + data + (b"\0" if kind == "string" else b"")
        return pos

    def finish(self, root):
        pos = self.write(root)
        struct.pack_into("<I", self.buf, 0, pos)
        return bytes(self.buf)


def tflite(tensors, operators, buffers, inputs, outputs, codes):
    """A TFLite (schema 3) model: tensors [(name, shape, type, buffer)], operators
    [(opcode index, inputs, outputs, options table or None)], buffers [bytes], op codes."""
    model = {
        0: ("u32", 3),
        1: ("vtables", [{0: ("i8", c), 3: ("i32", c)} for c in codes]),
        2: ("vtables", [{
            0: ("vtables", [{0: ("vi32", shape), 1: ("i8", ty), 2: ("u32", buf), 3: ("string", name)}
                            for name, shape, ty, buf in tensors]),
            1: ("vi32", inputs), 2: ("vi32", outputs),
            3: ("vtables", [dict([(0, ("u32", code)), (1, ("vi32", ins)), (2, ("vi32", outs))]
                                 + ([(4, ("table", opts))] if opts is not None else []))
                            for code, ins, outs, opts in operators]),
        }]),
        4: ("vtables", [{0: ("bytes", b)} if b else {} for b in buffers]),
    }
    return FlatBuffer(b"TFL3").finish(("table", model))


def f32(values):
    return struct.pack("<%df" % len(values), *values)


def seeds_tflite():
    F32, F16, I32 = 0, 1, 2
    ADD, CONCAT, CONV, DW, DEQ, MAXPOOL, RELU, RESHAPE, PAD, PRELU = 0, 2, 3, 4, 6, 17, 19, 22, 34, 54
    # conv 3x3 SAME (+ bias, relu6) on a 1x4x4x1 input
    put("tflite", "conv.tflite", tflite(
        [("input", [1, 4, 4, 1], F32, 0), ("w", [1, 3, 3, 1], F32, 1), ("b", [1], F32, 2), ("y", [1, 4, 4, 1], F32, 0)],
        [(0, [0, 1, 2], [3], {0: ("i8", 0), 1: ("i32", 1), 2: ("i32", 1), 3: ("i8", 3)})],
        [b"", f32([0.1 * i for i in range(9)]), f32([0.5])], [0], [3], [CONV]))
    # depthwise (float16 weights through DEQUANTIZE), relu, add, max pool, reshape, concatenation
    w16 = struct.pack("<8e", *[0.25 * i - 1 for i in range(8)])
    put("tflite", "blocks.tflite", tflite(
        [("input", [1, 4, 4, 2], F32, 0), ("w16", [1, 2, 2, 2], F16, 1), ("w", [1, 2, 2, 2], F32, 0),
         ("b", [2], F32, 2), ("dw", [1, 4, 4, 2], F32, 0), ("r", [1, 4, 4, 2], F32, 0), ("sum", [1, 4, 4, 2], F32, 0),
         ("pool", [1, 2, 2, 2], F32, 0), ("flat", [1, 8], F32, 0), ("cat", [1, 16], F32, 0)],
        [(1, [1], [2], None),
         (2, [0, 2, 3], [4], {0: ("i8", 0), 1: ("i32", 1), 2: ("i32", 1), 3: ("i32", 1), 4: ("i8", 0)}),
         (3, [4], [5], None), (0, [5, 0], [6], {0: ("i8", 1)}),
         (4, [6], [7], {0: ("i8", 1), 1: ("i32", 2), 2: ("i32", 2), 3: ("i32", 2), 4: ("i32", 2), 5: ("i8", 0)}),
         (5, [7], [8], {0: ("vi32", [1, 8])}), (6, [8, 8], [9], {0: ("i32", 1), 1: ("i8", 0)})],
        [b"", w16, f32([0.0, 0.1])], [0], [9], [ADD, DEQ, DW, RELU, MAXPOOL, RESHAPE, CONCAT]))
    # pad + prelu
    put("tflite", "pad-prelu.tflite", tflite(
        [("input", [1, 2, 2, 1], F32, 0), ("paddings", [4, 2], I32, 1), ("p", [1, 4, 4, 1], F32, 0),
         ("alpha", [1, 1, 1], F32, 2), ("y", [1, 4, 4, 1], F32, 0)],
        [(0, [0, 1], [2], None), (1, [2, 3], [4], None)],
        [b"", struct.pack("<8i", 0, 0, 1, 1, 1, 1, 0, 0), f32([0.2])], [0], [4], [PAD, PRELU]))
    # the head of the real face detector (its tables; the weights are cut off)
    real = "/var/lib/captiond/models/faces/face_detection_short_range.tflite"
    if os.path.exists(real):
        put("tflite", "blazeface-head.tflite", open(real, "rb").read()[:4096])


def seeds_manifest():
    """`captionctl eval` manifests (TSV): header-less, with a header naming the columns, and the
    shapes it refuses (language or number in the second column, three columns, empty references)."""
    put("manifest", "plain.tsv", "speech_recognition/english.wav\tAnd so my fellow Americans.\n"
        "whisper_cpp/jfk.wav\tAsk not what your country can do for you.\n")
    put("manifest", "header.tsv", "path\tlang\treference\n# a comment\nspeech_recognition/chinese.flac\tzh\t\u4f60\u597d\u4e16\u754c\r\n"
        "/abs/clip.wav\ten\thello there\n\nempty.wav\ten\t\n")
    put("manifest", "language-column.tsv", "a.wav\ten\tone\nb.wav\tzh-CN\ttwo\n")
    put("manifest", "numbers.tsv", "a.wav\t1.5\nb.wav\t2\n")
    put("manifest", "text-header.tsv", "Path\tduration\tText\tLocale\nx.wav\t3.2\thi\t\n")
    fixtures = os.path.join(FIX, "manifest.tsv")
    if os.path.exists(fixtures):
        put("manifest", "fixtures.tsv", open(fixtures, "rb").read()[:4096])


def seeds_pinyin():
    put("pinyin", "tang-line.txt", "lao3 fu1 bu4 zhi1 qi2 suo3 wang3")
    put("pinyin", "modern.txt", "jin1 tian1 tian1 qi4 hen3 hao3")
    put("pinyin", "v-for-u.txt", "lv4 se4 nv3 er2")
    put("pinyin", "unreadable.txt", "ni3 hao3 xq3 zhong1 guo2 ng2 hm")
    put("pinyin", "separators.txt", "xi1'an1  zhong1\tguo2\n")
    put("pinyin", "mixed.txt", "zhong1 \u4e2d guo2 abc 123")


def seeds_arpa():
    """Character n-gram language models (ARPA) as `captionctl lm` writes them and as KenLM/SRILM
    do (<unk>, blank lines, a backoff on the top order), and the shapes the reader refuses."""
    letters = ["<space>", "'"] + [chr(c) for c in range(ord("a"), ord("z") + 1)]
    uni = ["-99.000000\t<s>\t-0.301030", "-1.000000\t</s>"] + ["-1.477121\t%s\t-0.176091" % t for t in letters]
    bi = ["-0.522879\t<s> %s" % t for t in ("b", "p", "s", "l")] + ["-0.301030\tb i", "-0.301030\ti n\t-0.1", "-0.698970\tn </s>"]
    tri = ["-0.176091\tb i n", "-0.301030\t<s> b i"]
    body = "\\data\\\nngram 1=%d\nngram 2=%d\nngram 3=%d\n\n\\1-grams:\n%s\n\n\\2-grams:\n%s\n\n\\3-grams:\n%s\n\n\\end\\\n" % (
        len(uni), len(bi), len(tri), "\n".join(uni), "\n".join(bi), "\n".join(tri))
    put("arpa", "trigram.arpa", body)
    put("arpa", "kenlm-style.arpa", body.replace("ngram 1=%d" % len(uni), "ngram 1=%d" % (len(uni) + 1))
        .replace("\\1-grams:\n", "\\1-grams:\n-100.000000\t<unk>\t0\n"))
    pinyin = ["<space>"] + [chr(c) for c in range(ord("a"), ord("z") + 1)] + list("12345")
    put("arpa", "pinyin-unigram.arpa", "\\data\\\nngram 1=%d\n\n\\1-grams:\n%s\n\n\\end\\\n" % (
        len(pinyin) + 2, "\n".join(["-99\t<s>", "-1.5\t</s>"] + ["-1.5\t%s" % t for t in pinyin])))
    put("arpa", "count-mismatch.arpa", "\\data\\\nngram 1=3\n\n\\1-grams:\n-1\ta\n\n\\end\\\n")
    put("arpa", "unknown-token.arpa", "\\data\\\nngram 1=1\n\n\\1-grams:\n-1\t\u00e9\n\n\\end\\\n")
    real = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "assets", "av-grid.arpa")
    if os.path.exists(real):
        put("arpa", "av-grid-head.arpa", open(real, "rb").read()[:8192])


SEEDS = {"wav": seeds_wav, "flac": seeds_flac, "y4m": seeds_y4m, "pcm": seeds_pcm, "ct2": seeds_ct2,
         "safetensors": seeds_safetensors, "tokenizer": seeds_tokenizer, "modelconfig": seeds_modelconfig,
         "toml": seeds_toml, "control": seeds_control, "tflite": seeds_tflite, "manifest": seeds_manifest,
         "arpa": seeds_arpa, "pinyin": seeds_pinyin}
# `python3 Fuzz/make-seeds.py [target…]` writes only those targets' seeds.
for name in sys.argv[1:] or list(SEEDS):
    SEEDS[name]()
total = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(OUT) for f in fs)
print("seeds written to %s: %d bytes" % (OUT, total))
