#!/usr/bin/env python3
"""PyTorch eager peer of `npm run bench -- models`: image-tower inference (eval, no_grad) of the
same architectures (ViT-B-16 from the parity reference, MCi from bench/mci_torch.py), same batch
and threads. Prints one JSON line: {"<name>_ms": median ms per batch, ...}."""
import json, os, sys, time
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "test", "parity"))
sys.path.insert(0, HERE)
torch.set_num_threads(int(os.environ.get("ZOOCLIP_NUM_THREADS", os.cpu_count() or 1)))
BATCH, REPS = int(os.environ.get("BENCH_BATCH", 8)), int(os.environ.get("BENCH_REPS", 5))
WARMUP = int(os.environ.get("BENCH_WARMUP", 2))
DEVICE = os.environ.get("BENCH_DEVICE", "cpu")


def sync():
    if DEVICE.startswith("cuda"):
        torch.cuda.synchronize()


def time_tower(model, size):
    model.eval().to(DEVICE)
    x = torch.randn(BATCH, 3, size, size, device=DEVICE)
    times = []
    with torch.no_grad():
        for i in range(REPS + WARMUP):
            t0 = time.perf_counter()
            model(x)
            sync()
            if i >= WARMUP:
                times.append((time.perf_counter() - t0) * 1e3)
    return sorted(times)[len(times) // 2]


def main():
    which = sys.argv[1:] or ["vit_b16", "mci0", "mci2"]
    out = {}
    for name in which:
        if name == "vit_b16":
            from make_golden_models import Visual
            out[name + "_ms"] = time_tower(Visual(224, 16, 768, 12, 64, 512), 224)
        else:
            from mci_torch import build_mci
            m = build_mci(name, 512)
            m.eval()
            m.reparameterize()
            out[name + "_ms"] = time_tower(m, 256)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
