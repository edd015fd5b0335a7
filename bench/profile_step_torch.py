#!/usr/bin/env python3
"""PyTorch peer of bench/profile_step.ts: forward, backward and optimizer timed apart."""
import json, os, sys, time
import torch
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from engine_torch import SmallClip

dev = sys.argv[1] if len(sys.argv) > 1 else "cpu"
sync = (lambda: torch.cuda.synchronize()) if dev.startswith("cuda") else (lambda: None)
torch.manual_seed(0)
m = SmallClip().to(dev)
opt = torch.optim.AdamW(m.parameters(), lr=1e-4)
img, ids = torch.randn(64, 3, 64, 64, device=dev), torch.randint(1, 1000, (64, 32), device=dev)
f, b, u = [], [], []
for i in range(15):
    t0 = time.perf_counter(); l = m(img, ids); sync(); t1 = time.perf_counter()
    l.backward(); sync(); t2 = time.perf_counter()
    opt.step(); opt.zero_grad(); sync(); t3 = time.perf_counter()
    f.append(t1 - t0); b.append(t2 - t1); u.append(t3 - t2)
med = lambda xs: sorted(xs[5:])[5] * 1e3
print(json.dumps({"device": dev, "forward_ms": med(f), "backward_ms": med(b), "optimizer_ms": med(u)}))
