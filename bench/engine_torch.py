#!/usr/bin/env python3
"""PyTorch eager peer of `npm run bench -- engine`: the same small CLIP training step (same shapes,
same arithmetic: fused in_proj attention, pre-norm blocks, symmetric InfoNCE, AdamW), the same
thread count. Prints one JSON line: {"step_ms", "sgemm_gflops", "torch", "threads", "blas"}."""
import json, math, os, sys, time
import torch
import torch.nn as nn
import torch.nn.functional as F

THREADS = int(os.environ.get("ZOOCLIP_NUM_THREADS", os.cpu_count() or 1))
torch.set_num_threads(THREADS)
DEVICE = os.environ.get("BENCH_DEVICE", "cpu")
SDPA = hasattr(F, "scaled_dot_product_attention")


class Attn(nn.Module):
    def __init__(self, d, h):
        super().__init__()
        self.h = h
        self.in_proj_weight = nn.Parameter(torch.empty(3 * d, d).uniform_(-(6 / (4 * d)) ** 0.5, (6 / (4 * d)) ** 0.5))
        self.in_proj_bias = nn.Parameter(torch.zeros(3 * d))
        self.out_proj = nn.Linear(d, d)

    def forward(self, x, causal=False):
        b, l, d = x.shape
        q, k, v = F.linear(x, self.in_proj_weight, self.in_proj_bias).view(b, l, 3, self.h, d // self.h).permute(2, 0, 3, 1, 4).unbind(0)
        if SDPA:
            a = F.scaled_dot_product_attention(q, k, v, is_causal=causal)
        else:
            s = (q * (1 / math.sqrt(d // self.h))) @ k.transpose(-2, -1)
            if causal:
                s = s.masked_fill(torch.ones(l, l, dtype=torch.bool, device=x.device).triu(1), float("-inf"))
            a = s.softmax(-1) @ v
        return self.out_proj(a.transpose(1, 2).reshape(b, l, d))


class Block(nn.Module):
    def __init__(self, d, h):
        super().__init__()
        self.ln_1, self.attn, self.ln_2 = nn.LayerNorm(d), Attn(d, h), nn.LayerNorm(d)
        self.c_fc, self.c_proj = nn.Linear(d, 4 * d), nn.Linear(4 * d, d)

    def forward(self, x, causal=False):
        x = x + self.attn(self.ln_1(x), causal)
        return x + self.c_proj(F.gelu(self.c_fc(self.ln_2(x))))


class SmallClip(nn.Module):
    def __init__(self, img=64, patch=8, w=192, vl=6, h=3, ctx=32, vocab=1000, tl=4, embed=192):
        super().__init__()
        g = img // patch
        self.conv1 = nn.Conv2d(3, w, patch, patch, bias=False)
        self.cls = nn.Parameter(torch.randn(w) * w ** -0.5)
        self.vpos = nn.Parameter(torch.randn(g * g + 1, w) * w ** -0.5)
        self.ln_pre, self.ln_post = nn.LayerNorm(w), nn.LayerNorm(w)
        self.vblocks = nn.ModuleList([Block(w, h) for _ in range(vl)])
        self.proj = nn.Parameter(torch.randn(w, embed) * w ** -0.5)
        self.tok = nn.Embedding(vocab, w)
        self.tpos = nn.Parameter(torch.randn(ctx, w) * 0.01)
        self.tblocks = nn.ModuleList([Block(w, h) for _ in range(tl)])
        self.ln_final = nn.LayerNorm(w)
        self.text_projection = nn.Parameter(torch.randn(w, embed) * w ** -0.5)
        self.logit_scale = nn.Parameter(torch.tensor(math.log(1 / 0.07)))

    def forward(self, img, ids):
        b = img.shape[0]
        x = self.conv1(img).reshape(b, self.cls.shape[0], -1).permute(0, 2, 1)
        x = torch.cat([self.cls.view(1, 1, -1).expand(b, 1, -1), x], 1) + self.vpos
        x = self.ln_pre(x)
        for blk in self.vblocks:
            x = blk(x)
        fi = F.normalize(self.ln_post(x[:, 0]) @ self.proj, dim=-1)
        t = self.tok(ids) + self.tpos
        for blk in self.tblocks:
            t = blk(t, causal=True)
        t = self.ln_final(t)
        ft = F.normalize(t[torch.arange(b, device=ids.device), ids.argmax(-1)] @ self.text_projection, dim=-1)
        logits = ft.new_tensor(0) + self.logit_scale.exp() * fi @ ft.t()
        labels = torch.arange(b, device=ids.device)
        return (F.cross_entropy(logits, labels) + F.cross_entropy(logits.t(), labels)) / 2


def sync():
    if DEVICE.startswith("cuda"):
        torch.cuda.synchronize()


def sgemm(n, reps=5):
    a, b = torch.randn(n, n, device=DEVICE), torch.randn(n, n, device=DEVICE)
    a @ b
    sync()
    t0 = time.perf_counter()
    for _ in range(reps):
        a @ b
    sync()
    return 2 * n ** 3 * reps / (time.perf_counter() - t0) / 1e9


def main():
    torch.manual_seed(0)
    m = SmallClip().to(DEVICE)
    decay = [p for n, p in m.named_parameters() if p.ndim >= 2 and "tok" not in n]
    no_decay = [p for n, p in m.named_parameters() if not (p.ndim >= 2 and "tok" not in n)]
    opt = torch.optim.AdamW([{"params": decay}, {"params": no_decay, "weight_decay": 0}], lr=1e-4, weight_decay=0.1)
    img = torch.randn(64, 3, 64, 64, device=DEVICE)
    ids = torch.randint(1, 1000, (64, 32), device=DEVICE)
    times = []
    for i in range(23):
        t0 = time.perf_counter()
        loss = m(img, ids)
        loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=True)
        loss.item()
        sync()
        if i >= 3:
            times.append((time.perf_counter() - t0) * 1e3)
    times.sort()
    print(json.dumps({"step_ms": (times[9] + times[10]) / 2, "sgemm_gflops": sgemm(2048), "torch": torch.__version__,
                      "threads": torch.get_num_threads(), "device": DEVICE}))


if __name__ == "__main__":
    main()
