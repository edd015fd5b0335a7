#!/usr/bin/env python3
"""PyTorch eager peer of `npm run bench -- objectives`: the same MAE and supervised training steps
on the same ViT (conv patch embed, class token, pre-norm blocks of bench/engine_torch.py, ln_post,
mean-pooled patch tokens @ proj), the same MAE decoder and label head, the same AdamW split.
argv[1]: JSON from bench/objectives.ts (embed_dim, vision_cfg, batch, steps, warmup, threads, mae, groups).
Prints one JSON line: {"mae_ms", "supervised_ms", "mae_params", "supervised_params", "torch"}."""
import json, os, statistics, sys, time
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from engine_torch import Block  # noqa: E402  (fused in_proj attention + GELU MLP, pre-norm)

SPEC = json.loads(sys.argv[1])
torch.set_num_threads(SPEC["threads"])


class ViT(nn.Module):
    def __init__(self, v, embed):
        super().__init__()
        w, p = v["width"], v["patch_size"]
        self.patch, self.grid = p, v["image_size"] // p
        self.conv1 = nn.Conv2d(3, w, p, p, bias=False)
        self.class_embedding = nn.Parameter(torch.randn(w) * w ** -0.5)
        self.positional_embedding = nn.Parameter(torch.randn(self.grid ** 2 + 1, w) * w ** -0.5)
        self.ln_pre, self.ln_post = nn.LayerNorm(w), nn.LayerNorm(w)
        self.blocks = nn.ModuleList([Block(w, w // v["head_width"]) for _ in range(v["layers"])])
        self.proj = nn.Parameter(torch.randn(w, embed) * w ** -0.5)

    def encode(self, x):
        x = self.ln_pre(x)
        for b in self.blocks:
            x = b(x)
        return self.ln_post(x)

    def patches(self, img):
        return self.conv1(img).flatten(2).transpose(1, 2)

    def forward(self, img):
        """Mean of the patch tokens after ln_post, @ proj (pool_type avg)."""
        x = self.patches(img)
        x = torch.cat([self.class_embedding.expand(x.shape[0], 1, -1), x], 1) + self.positional_embedding
        return self.encode(x)[:, 1:].mean(1) @ self.proj

    def forward_visible(self, img, ids_keep):
        x = self.patches(img) + self.positional_embedding[1:]
        x = torch.gather(x, 1, ids_keep.unsqueeze(-1).expand(-1, -1, x.shape[-1]))
        cls = (self.class_embedding + self.positional_embedding[0]).expand(x.shape[0], 1, -1)
        return self.encode(torch.cat([cls, x], 1))


class Decoder(nn.Module):
    def __init__(self, enc_width, width, depth, heads, patches, patch):
        super().__init__()
        self.decoder_embed = nn.Linear(enc_width, width)
        self.mask_token = nn.Parameter(torch.randn(width) * 0.02)
        self.decoder_pos_embed = nn.Parameter(torch.randn(patches + 1, width) * 0.02)
        self.blocks = nn.ModuleList([Block(width, heads) for _ in range(depth)])
        self.decoder_norm = nn.LayerNorm(width)
        self.decoder_pred = nn.Linear(width, patch * patch * 3)

    def forward(self, latent, ids_restore):
        x = self.decoder_embed(latent)
        b, n, d = x.shape
        masked = self.mask_token.view(1, 1, d).expand(b, ids_restore.shape[1] - (n - 1), d)
        rest = torch.gather(torch.cat([x[:, 1:], masked], 1), 1, ids_restore.unsqueeze(-1).expand(-1, -1, d))
        x = torch.cat([x[:, :1], rest], 1) + self.decoder_pos_embed
        for blk in self.blocks:
            x = blk(x)
        return self.decoder_pred(self.decoder_norm(x))[:, 1:]


def patchify(img, p):
    b, c, h, w = img.shape
    return img.reshape(b, c, h // p, p, w // p, p).permute(0, 2, 4, 3, 5, 1).reshape(b, (h // p) * (w // p), p * p * c)


def mae_loss(vit, dec, img, ratio):
    """Masks from fresh float64 noise, encoder on the kept patches, per-patch normalised MSE on the masked ones."""
    b, n = img.shape[0], vit.grid ** 2
    keep = int(n * (1 - ratio))
    ids_shuffle = torch.rand(b, n, dtype=torch.float64).argsort(1)
    ids_restore = ids_shuffle.argsort(1)
    mask = (ids_restore >= keep).float()
    pred = dec(vit.forward_visible(img, ids_shuffle[:, :keep]), ids_restore)
    t = patchify(img, vit.patch)
    t = (t - t.mean(-1, keepdim=True)) / (t.var(-1, keepdim=True) + 1e-6).sqrt()
    return (((pred - t) ** 2).mean(-1) * mask).sum() / mask.sum()


def supervised_loss(vit, head, img, targets, groups):
    logits, total, o = head(vit(img)), 0, 0
    for n in groups:
        total = total + F.binary_cross_entropy_with_logits(logits[:, o:o + n], targets[:, o:o + n])
        o += n
    return total


def adamw(model):
    """zooclip's splitDecay: 1-d tensors, embeddings, norms and biases get no weight decay."""
    named = list(model.named_parameters())
    no = [p for n, p in named if p.ndim < 2 or "embedding" in n or n.endswith("bias") or "ln_" in n or "norm" in n]
    yes = [p for n, p in named if not any(p is q for q in no)]
    return torch.optim.AdamW([{"params": yes}, {"params": no, "weight_decay": 0}], lr=1e-4, weight_decay=0.1)


def rigs():
    """(name, parameter count, step) per objective."""
    v, mae, b = SPEC["vision_cfg"], SPEC["mae"], SPEC["batch"]
    img = torch.randn(b, 3, v["image_size"], v["image_size"])
    torch.manual_seed(0)
    vit_m = ViT(v, SPEC["embed_dim"])
    dec = Decoder(v["width"], mae["decoderWidth"], mae["decoderDepth"], mae["decoderHeads"], vit_m.grid ** 2, v["patch_size"])
    vit_s, head = ViT(v, SPEC["embed_dim"]), nn.Linear(SPEC["embed_dim"], sum(SPEC["groups"]))
    targets = (torch.rand(b, sum(SPEC["groups"])) < 0.3).float()
    m_mae, m_sup = nn.ModuleList([vit_m, dec]), nn.ModuleList([vit_s, head])
    out = []
    for name, m, loss in [("mae", m_mae, lambda: mae_loss(vit_m, dec, img, mae["maskRatio"])),
                          ("supervised", m_sup, lambda: supervised_loss(vit_s, head, img, targets, SPEC["groups"]))]:
        opt = adamw(m)

        def step(opt=opt, loss=loss):
            l = loss()
            l.backward()
            opt.step()
            opt.zero_grad(set_to_none=True)
            l.item()
        out.append((name, sum(p.numel() for p in m.parameters()), step))
    return out


def main():
    rs = rigs()
    ms = {name: [] for name, _, _ in rs}
    for i in range(SPEC["warmup"] + SPEC["steps"]):
        for name, _, step in rs:
            t0 = time.perf_counter()
            step()
            if i >= SPEC["warmup"]:
                ms[name].append((time.perf_counter() - t0) * 1e3)
    out = {f"{n}_ms": statistics.median(ms[n]) for n in ms}
    out.update({f"{n}_params": p for n, p, _ in rs})
    out["torch"] = torch.__version__
    print(json.dumps(out))


if __name__ == "__main__":
    main()
