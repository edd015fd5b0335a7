#!/usr/bin/env python3
"""Dumps a demo world (runs/<demo>/world) for the shape calibration scripts, into OUT/:
  web.u8, classify.u8   images, uint8 [N, S, S, 3], key order
  web.json              per web image: main-object shape index, count, web caption, captioner captions, ground-truth captions
  classify.json         a copy of the world's classify.json (tasks, labels, main_share)
Reads web/ (images, web captions), web-gt/ (scenes, ground-truth quality captions) and web-cap/
(the captioner's captions) shards. With --truth-split, also writes world/web-truth/: the web shards
with the ground-truth quality captions as syn.json (to train zooclip on perfect captions).
Run with /usr/bin/python3 (Debian's, with PIL and numpy).
Usage: dump_world.py runs/demo-paper/world /tmp/shape-cal [--truth-split]"""
import glob, io, json, os, shutil, sys, tarfile
import numpy as np
from PIL import Image

SHAPES = ["sphere", "cube", "cylinder", "cone", "torus"]


def members(split_dir):
    """(key, extension, bytes) of every file in a split's shards."""
    for t in sorted(glob.glob(os.path.join(split_dir, "*.tar"))):
        with tarfile.open(t) as tf:
            for m in tf.getmembers():
                if m.isfile():
                    key, _, ext = m.name.partition(".")
                    yield key, ext, tf.extractfile(m).read()


def images(split_dir):
    out = {k: np.asarray(Image.open(io.BytesIO(b)).convert("RGB")) for k, e, b in members(split_dir) if e in ("jpg", "png")}
    return sorted(out), out


def write_truth_split(world):
    """world/web-truth/: each web shard again, each sample with its ground-truth syn.json added."""
    truth = {k: b for k, e, b in members(os.path.join(world, "web-gt")) if e == "syn.json"}
    out_dir = os.path.join(world, "web-truth")
    os.makedirs(out_dir, exist_ok=True)
    for i, t in enumerate(sorted(glob.glob(os.path.join(world, "web", "*.tar")))):
        tmp = os.path.join(out_dir, f".web-truth-{i:06d}.tar.tmp")
        with tarfile.open(t) as src, tarfile.open(tmp, "w") as dst:
            for m in src.getmembers():
                dst.addfile(m, src.extractfile(m))
                if m.name.endswith(".txt"):
                    data = truth[m.name.split(".")[0]]
                    info = tarfile.TarInfo(m.name[:-4] + ".syn.json")
                    info.size, info.mtime = len(data), m.mtime
                    dst.addfile(info, io.BytesIO(data))
        os.replace(tmp, os.path.join(out_dir, f"web-truth-{i:06d}.tar"))
    print(f"{out_dir}: the web shards with ground-truth quality captions")


def main(world, out, *flags):
    os.makedirs(out, exist_ok=True)
    keys, web = images(os.path.join(world, "web"))
    np.stack([web[k] for k in keys]).tofile(os.path.join(out, "web.u8"))
    rows = {k: {} for k in keys}
    for k, e, b in members(os.path.join(world, "web")):
        if e == "txt":
            rows[k]["web"] = b.decode()
    for k, e, b in members(os.path.join(world, "web-gt")):
        if e == "json":
            s = json.loads(b)["scene"]
            main = next(o for o in s["objects"] if o["id"] == s["main_object"])
            rows[k].update(shape=SHAPES.index(main["shape"]), count=s["count"])
        elif e == "syn.json":
            rows[k]["truth"] = json.loads(b)["syn_text"]
    for k, e, b in members(os.path.join(world, "web-cap")):
        if e == "syn.json":
            rows[k]["captioner"] = json.loads(b)["syn_text"]
    json.dump([rows[k] for k in keys], open(os.path.join(out, "web.json"), "w"))
    ckeys, cls = images(os.path.join(world, "classify"))
    np.stack([cls[k] for k in ckeys]).tofile(os.path.join(out, "classify.u8"))
    shutil.copy(os.path.join(world, "classify.json"), os.path.join(out, "classify.json"))
    assert json.load(open(os.path.join(out, "classify.json")))["keys"] == ckeys, "classify.json keys are not in shard key order"
    print(f"{out}: {len(keys)} web images, {len(ckeys)} classify images")
    if "--truth-split" in flags:
        write_truth_split(world)


if __name__ == "__main__":
    main(*sys.argv[1:])
