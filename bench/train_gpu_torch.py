#!/usr/bin/env python3
"""PyTorch eager peer of bench/train_gpu.ts: the same CLIP (plain modules from the parity reference,
open_clip layout) trained with bf16 autocast + AdamW on random inputs. Prints one JSON line."""
import json, os, sys, time
import torch
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "test", "parity"))
from make_golden_models import CLIPRef  # noqa: E402
import torch.nn.functional as F  # noqa: E402

name, batch, steps = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
cfg = json.load(open(os.path.join(HERE, "..", "src", "models", "model_configs", name + ".json")))
torch.manual_seed(0)
m = CLIPRef(cfg).cuda()
opt = torch.optim.AdamW(m.parameters(), lr=1e-4, weight_decay=0.2, betas=(0.9, 0.98))
v, t = cfg["vision_cfg"], cfg["text_cfg"]
img = torch.randn(batch, 3, v["image_size"], v["image_size"], device="cuda")
ids = torch.randint(1, 49407, (batch, t["context_length"]), device="cuda")
labels = torch.arange(batch, device="cuda")
times = []
for i in range(steps + 10):
    t0 = time.perf_counter()
    with torch.autocast("cuda", dtype=torch.bfloat16):
        fi, ft, logits = m(img, ids)
        loss = (F.cross_entropy(logits, labels) + F.cross_entropy(logits.t(), labels)) / 2
    loss.backward()
    opt.step()
    opt.zero_grad(set_to_none=True)
    torch.cuda.synchronize()
    if i >= 10:
        times.append((time.perf_counter() - t0) * 1e3)
times.sort()
print(json.dumps({"step_ms": times[len(times) // 2], "max_mem_gb": torch.cuda.max_memory_allocated() / 2**30}))
