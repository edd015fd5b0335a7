#!/usr/bin/env python3
"""Golden forward outputs of the MCi0/1/2 image towers and zooclip's 3-stage mci_tiny, from the plain-PyTorch reference in
bench/mci_torch.py, for test/models/mci_golden.test.ts. Writes:
  test/parity/mci_golden.safetensors  the input image and, per variant, the embedding and the stage
                                      maps (four; three for mci_tiny), with training-time branches and folded
  test/parity/mci_golden.json         per variant: state-dict keys and shapes (training-time and
                                      folded), parameter counts, the largest |value| of each output
The weights are not stored (MCi0 alone is 45 MB): both sides regenerate them with seeded_weights(),
one libtorch CPU generator seed per key, as make_golden_models.py does for ViT-B-16. BN statistics,
BN affines and layer scales get values far from their init, so the folding is really exercised.
Run with /usr/bin/python3 (Debian's python3-torch)."""
import math, os, sys
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "..", "bench"))
from make_golden import write_manifest, write_safetensors  # noqa: E402  (one writer for every golden file)
from make_golden_models import key_seed  # noqa: E402  (one key hash for every seeded model)
from mci_torch import VARIANTS, build_mci  # noqa: E402

IMAGE_SIZE = 128  # the smallest side where every stage map is wider than the 7x7 kernels' centre


def seeded_value(key, shape, is_bn):
    """The value of one state-dict entry: z = randn(shape) seeded by the key, then scaled by role.
    test/models/mci_golden.test.ts applies the same rule; change both together."""
    torch.manual_seed(key_seed(key))
    z = torch.randn(shape)
    if key.endswith("running_var"):
        return z.abs() * 0.5 + 0.5
    if key.endswith("running_mean"):
        return z * 0.2
    if key.endswith("gamma"):
        return z.abs() * 0.1 + 0.05
    if is_bn:
        return z * 0.2 + 1 if key.endswith("weight") else z * 0.1
    if len(shape) >= 2:
        return z * (1 / math.sqrt(math.prod(shape[1:])))
    return z * 0.1


def seeded_weights(model):
    """Fills every float entry of the state dict (not num_batches_tracked) with seeded_value()."""
    sd = model.state_dict()
    with torch.no_grad():
        for k, t in sd.items():
            if k.endswith("num_batches_tracked"):
                continue
            owner = k.rsplit(".", 1)[0]
            t.copy_(seeded_value(k, list(t.shape), f"{owner}.running_var" in sd))


def key_shapes(model):
    """'key d0xd1x...' per state-dict entry, in order: what zooclip's stateDict() must list too."""
    return [f"{k} {'x'.join(map(str, t.shape))}" for k, t in model.state_dict().items() if not k.endswith("num_batches_tracked")]


def outputs(model, images):
    """The embedding and every stage map, in eval mode, without gradients."""
    with torch.no_grad():
        return {"embedding": model(images), **{f"stage{i}": x for i, x in enumerate(model.forward_intermediates(images))}}


def run(variant, images, tensors, meta):
    model = build_mci(variant).eval()
    seeded_weights(model)
    entry = {"keys": key_shapes(model), "params": sum(p.numel() for p in model.parameters())}
    branched = outputs(model, images)
    model.reparameterize()
    entry.update(folded_keys=key_shapes(model), folded_params=sum(p.numel() for p in model.parameters()))
    folded = outputs(model, images)
    entry["max_abs"] = {}
    for prefix, outs in (("", branched), ("folded.", folded)):
        for name, x in outs.items():
            tensors[f"{variant}.{prefix}{name}"] = x
            entry["max_abs"][prefix + name] = float(x.abs().max())
    meta["variants"][variant] = entry


def main():
    torch.manual_seed(7)
    images = torch.randn(1, 3, IMAGE_SIZE, IMAGE_SIZE)
    tensors = {"images": images}
    meta = {"torch": torch.__version__, "image_size": IMAGE_SIZE, "variants": {}}
    for variant in VARIANTS:
        run(variant, images, tensors, meta)
        print(variant, {k: round(v, 3) for k, v in meta["variants"][variant]["max_abs"].items()})
    write_safetensors(os.path.join(HERE, "mci_golden.safetensors"), tensors)
    write_manifest("mci_golden.json", meta)
    print(f"wrote {len(tensors)} tensors (torch {torch.__version__})")


if __name__ == "__main__":
    sys.exit(main())
