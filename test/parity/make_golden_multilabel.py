#!/usr/bin/env python3
"""Regenerates test/parity/multilabel_golden.safetensors + multilabel_golden.json: the supervised
objective's multi-label loss (sigmoid + binary cross-entropy per column, mean per label group,
groups weighted and summed), written here as a plain formula (independent of zooclip's code and of
F.binary_cross_entropy_with_logits), with the gradient of the total w.r.t. the logits.
Run with Debian's python3-torch:
    /usr/bin/python3 test/parity/make_golden_multilabel.py
test/losses/multi_label_parity.test.ts replays it."""
import os, sys
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from make_golden import write_manifest, write_safetensors  # noqa: E402

torch.manual_seed(20261206)
# the synthetic world's groups: 5 shapes, 8 colours, 6 counts
GROUPS = [("shape", 0, 5, 1.0), ("colour", 5, 8, 0.5), ("count", 13, 6, 2.0)]


def bce(x, y):
    """max(x, 0) - x y + log(1 + exp(-|x|)), elementwise."""
    return x.clamp(min=0) - x * y + torch.log1p(torch.exp(-x.abs()))


def main():
    b, k = 6, 19
    logits = (3 * torch.randn(b, k, dtype=torch.float64)).float()
    logits[0, 0], logits[1, 1] = 40.0, -40.0  # saturated: the stable form must not overflow
    targets = (torch.rand(b, k) < 0.3).float()
    x = logits.clone().requires_grad_(True)
    parts = [bce(x[:, o:o + n], targets[:, o:o + n]).mean() for _, o, n, _ in GROUPS]
    total = sum(w * p for (_, _, _, w), p in zip(GROUPS, parts))
    total.backward()
    tensors = {"logits": logits, "targets": targets, "total": total.detach().reshape(()), "grad": x.grad}
    for (name, _, _, _), p in zip(GROUPS, parts):
        tensors[f"part.{name}"] = p.detach().reshape(())
    write_safetensors(os.path.join(HERE, "multilabel_golden.safetensors"), tensors)
    write_manifest("multilabel_golden.json", {"torch": torch.__version__, "groups": [{"name": g, "offset": o, "size": n, "weight": w} for g, o, n, w in GROUPS]})
    print(f"wrote the multi-label case (torch {torch.__version__})")


if __name__ == "__main__":
    main()
