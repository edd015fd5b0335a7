#!/usr/bin/env python3
"""Regenerates test/parity/rand_augment_golden.safetensors + rand_augment_golden.json: torchvision's
RandAugment ops on fixed uint8 RGB images (odd and even sizes, a flat and a low-contrast one), each
op at several magnitudes of the 31-bin tables with both signs, applied through torchvision's own
RandAugment op dispatch (autoaugment._apply_op, nearest interpolation, fill None = 0) on uint8
tensors; whole RandAugment(2, 9) draws with the steps torchvision took recorded; and the
magnitude tables of _augmentation_space for a few (num_bins, size) pairs.
Run with Debian's python3-torch and python3-torchvision (apt-get install -y python3-torchvision):
    /usr/bin/python3 test/parity/make_golden_rand_augment.py
test/data/rand_augment_golden.test.ts replays it."""
import os, sys
import torch
import torchvision
from torchvision.transforms import InterpolationMode, autoaugment

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from make_golden import write_manifest, write_safetensors  # noqa: E402

torch.set_num_threads(1)
OPS = ["Identity", "ShearX", "ShearY", "TranslateX", "TranslateY", "Rotate", "Brightness", "Color", "Contrast",
       "Sharpness", "Posterize", "Solarize", "AutoContrast", "Equalize"]
SIGNED = {"ShearX", "ShearY", "TranslateX", "TranslateY", "Rotate", "Brightness", "Color", "Contrast", "Sharpness"}
# bins of the 31-bin tables per op (20 on a shear is 0.2: rows whose sample points fall exactly
# halfway between two pixels, decided by float rounding)
BINS = {"ShearX": [1, 9, 20, 30], "ShearY": [1, 9, 20, 30], "TranslateX": [1, 9, 30], "TranslateY": [1, 9, 30],
        "Rotate": [1, 9, 17, 30], "Brightness": [1, 9, 30], "Color": [1, 9, 30], "Contrast": [1, 9, 30],
        "Sharpness": [1, 9, 30], "Posterize": [0, 9, 15, 22, 30], "Solarize": [0, 9, 20, 30]}
TENSORS = {}


def image(h, w, seed):
    """Smooth colour gradients, a bright disc and noise: every op changes something."""
    g = torch.Generator().manual_seed(seed)
    y, x = torch.meshgrid(torch.arange(h, dtype=torch.float64), torch.arange(w, dtype=torch.float64), indexing="ij")
    chans = [128 + 90 * torch.sin(x / w * (3 + c) + y / h * (2 - c) + c) for c in range(3)]
    img = torch.stack(chans, -1)
    disc = ((x - w * 0.6) ** 2 + (y - h * 0.4) ** 2) < (min(h, w) * 0.25) ** 2
    img[disc] = img[disc] * 0.3 + 170
    img += torch.randn(h, w, 3, generator=g, dtype=torch.float64) * 12
    return img.round().clamp(0, 255).to(torch.uint8)


def images():
    out = {"a23x31": image(23, 31, 1), "b26x40": image(26, 40, 2), "c45x33": image(45, 33, 3)}
    out["flat9x7"] = torch.full((9, 7, 3), 77, dtype=torch.uint8)
    low = image(20, 20, 4).to(torch.int32)
    out["low20x20"] = (100 + low * 40 // 255).to(torch.uint8)  # values 100..140: autocontrast stretches
    out["thin2x5"] = image(2, 5, 5)  # sharpness leaves images under 3 pixels a side alone
    return out


def apply(hwc, op, magnitude):
    chw = hwc.permute(2, 0, 1).contiguous()
    out = autoaugment._apply_op(chw, op, magnitude, interpolation=InterpolationMode.NEAREST, fill=None)
    return out.permute(1, 2, 0).contiguous()


def single_op_cases(imgs):
    cases = []
    ra = autoaugment.RandAugment()

    def add(name, op, magnitude, bin_):
        TENSORS[f"case.{len(cases)}"] = apply(imgs[name], op, magnitude)
        cases.append({"image": name, "op": OPS.index(op), "name": op, "magnitude": magnitude, "bin": bin_})

    for name in ["a23x31", "b26x40", "c45x33"]:
        h, w = imgs[name].shape[:2]
        space = ra._augmentation_space(31, (h, w))
        for op in OPS:
            mags, signed = space[op]
            for b in BINS.get(op, [None]):
                m = float(mags[b].item()) if b is not None else 0.0
                add(name, op, m, b)
                if signed and m != 0:
                    add(name, op, -m, b)
    for name in ["flat9x7", "low20x20"]:
        for op in ["AutoContrast", "Equalize", "Contrast", "Sharpness", "Color", "Solarize"]:
            mags, _ = autoaugment.RandAugment()._augmentation_space(31, imgs[name].shape[:2])[op]
            add(name, op, float(mags[9].item()) if mags.ndim else 0.0, 9 if mags.ndim else None)
    add("thin2x5", "Sharpness", 0.9, 30)
    add("thin2x5", "Rotate", 30.0, 30)
    return cases


def draw_cases(imgs):
    """Whole RandAugment draws, recording the (op, magnitude) torchvision applied."""
    cases, steps = [], []
    real = autoaugment._apply_op

    def spy(img, op_name, magnitude, interpolation, fill):
        steps.append([OPS.index(op_name), magnitude])
        return real(img, op_name, magnitude, interpolation=interpolation, fill=fill)

    autoaugment._apply_op = spy
    try:
        for k, (num_ops, magnitude, bins) in enumerate([(2, 9, 31)] * 10 + [(3, 15, 31)] * 3 + [(2, 5, 10)] * 3):
            name = ["a23x31", "b26x40", "c45x33"][k % 3]
            torch.manual_seed(100 + k)
            steps.clear()
            out = autoaugment.RandAugment(num_ops, magnitude, bins)(imgs[name].permute(2, 0, 1).contiguous())
            TENSORS[f"draw.{k}"] = out.permute(1, 2, 0).contiguous()
            cases.append({"image": name, "numOps": num_ops, "magnitude": magnitude, "numBins": bins, "steps": [list(s) for s in steps]})
    finally:
        autoaugment._apply_op = real
    return cases


def tables():
    out = []
    for bins, h, w in [(31, 224, 224), (31, 23, 31), (10, 40, 26), (2, 5, 5), (7, 331, 100)]:
        space = autoaugment.RandAugment()._augmentation_space(bins, (h, w))
        out.append({"numBins": bins, "height": h, "width": w, "tables": {
            op: ([float(v) for v in mags.tolist()] if mags.ndim else [0.0]) for op, (mags, _) in space.items()}})
    return out


def main():
    imgs = images()
    for name, img in imgs.items():
        TENSORS[f"input.{name}"] = img
    cases = single_op_cases(imgs)
    draws = draw_cases(imgs)
    write_safetensors(os.path.join(HERE, "rand_augment_golden.safetensors"), TENSORS)
    write_manifest("rand_augment_golden.json", {"torch": torch.__version__, "torchvision": torchvision.__version__,
                                                "ops": OPS, "cases": cases, "draws": draws, "tables": tables()})
    print(f"wrote {len(cases)} single-op cases and {len(draws)} draws (torch {torch.__version__}, torchvision {torchvision.__version__})")


if __name__ == "__main__":
    main()
