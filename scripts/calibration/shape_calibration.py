#!/usr/bin/env python3
"""Can a small tower learn the main object's shape from a demo world's 3000 web images at 64 px?
Plain PyTorch, one thread, on the dump of dump_world.py. Two objectives on the same towers, data,
crops and schedule (AdamW, 25 warmup steps, cosine, batch 64):
  supervised  cross-entropy on the main object's shape (an upper bound for what CLIP can learn here)
  clip        contrastive image-text loss: the web caption's term plus a quality caption's term
              (DataCompDR's multi-caption loss), zero-shot on the classify split with its templates;
              --negatives adds, per quality caption, a copy with every shape word swapped for another
              shape as an extra negative for its image (NegCLIP-style hard negatives); --knn-batches
              draws each batch as an anchor image and its 63 nearest neighbours in the tower's
              current embedding space (refreshed every 50 steps), so that what the tower already
              sees (colour) cannot tell the batch apart
Towers: vit (zooclip-quick's: 8-px patches, width 128, 3 layers, mean pool) and convvit (the same
behind zooclip-quick-conv's stem: 3x3 stride-2 conv+BN+ReLU to 32 and 64 channels, 2x2 patches).
Usage: shape_calibration.py DUMP --objective clip --arch convvit --captions captioner --steps 450"""
import argparse, json, math, os, random, re, time
import numpy as np
import torch, torch.nn as nn, torch.nn.functional as F

MEAN = torch.tensor([0.481, 0.458, 0.408]).view(1, 3, 1, 1)
STD = torch.tensor([0.269, 0.261, 0.276]).view(1, 3, 1, 1)
SHAPE_WORDS = {"sphere": "spheres", "ball": "balls", "cube": "cubes", "block": "blocks", "cylinder": "cylinders",
               "cone": "cones", "torus": "tori", "ring": "rings", "donut": "donuts"}


def encoder(width=128, layers=3):
    return nn.TransformerEncoder(nn.TransformerEncoderLayer(width, 4, 4 * width, 0.0, activation="gelu", batch_first=True, norm_first=True), layers)


class Tower(nn.Module):
    def __init__(self, arch, width=128):
        super().__init__()
        if arch == "vit":
            self.embed = nn.Conv2d(3, width, 8, 8, bias=False)
        else:
            block = lambda i, o: [nn.Conv2d(i, o, 3, 2, 1, bias=False), nn.BatchNorm2d(o), nn.ReLU()]
            self.embed = nn.Sequential(*block(3, 32), *block(32, 64), nn.Conv2d(64, width, 2, 2, bias=False))
        self.pos = nn.Parameter(torch.randn(1, 64, width) * 0.02)
        self.blocks, self.ln, self.width = encoder(width), nn.LayerNorm(width), width

    def forward(self, x):
        return self.ln(self.blocks(self.embed(x).flatten(2).transpose(1, 2) + self.pos)).mean(1)


class Text(nn.Module):
    """Word-level text tower: embedding, 2 pre-norm layers, mean over the words."""
    def __init__(self, vocab, width=128, embed=128):
        super().__init__()
        self.tok, self.pos = nn.Embedding(vocab, width), nn.Parameter(torch.randn(1, 32, width) * 0.01)
        self.blocks, self.ln, self.proj = encoder(width, 2), nn.LayerNorm(width), nn.Linear(width, embed, bias=False)

    def forward(self, ids):
        m = ids > 0
        x = self.ln(self.blocks(self.tok(ids) + self.pos, src_key_padding_mask=~m))
        return self.proj((x * m.unsqueeze(-1)).sum(1) / m.sum(1, keepdim=True).clamp(min=1))


class Vocab:
    def __init__(self):
        self.ids = {}

    def encode(self, text, length=32):
        t = [self.ids.setdefault(w, len(self.ids) + 1) for w in re.findall(r"[a-z]+", text.lower())][:length]
        return t + [0] * (length - len(t))


def swap_shapes(text, rng):
    """The caption with every shape word replaced by another shape's (same number); None without one."""
    words = re.findall(r"[a-z]+", text.lower())
    plural = {p: s for s, p in SHAPE_WORDS.items()}
    hits = [i for i, w in enumerate(words) if w in SHAPE_WORDS or w in plural]
    for i in hits:
        singular = plural.get(words[i], words[i])
        other = rng.choice([s for s in SHAPE_WORDS if s != singular])
        words[i] = other if words[i] == singular else SHAPE_WORDS[other]
    return " ".join(words) if hits else None


def load_images(path, size=64):
    x = torch.from_numpy(np.fromfile(path, np.uint8).reshape(-1, size, size, 3)).permute(0, 3, 1, 2).float() / 255
    return (x - MEAN) / STD


def random_crops(x, idx, g):
    """RandomResizedCrop(scale 0.5-1, ratio 3/4-4/3) back to 64 px, as the demo's loader."""
    out = []
    for i in idx.tolist():
        a = float(torch.empty(1).uniform_(0.5, 1, generator=g))
        r = math.exp(float(torch.empty(1).uniform_(math.log(3 / 4), math.log(4 / 3), generator=g)))
        w, h = min(64, round(64 * math.sqrt(a * r))), min(64, round(64 * math.sqrt(a / r)))
        x0, y0 = int(torch.randint(0, 65 - w, (1,), generator=g)), int(torch.randint(0, 65 - h, (1,), generator=g))
        out.append(F.interpolate(x[i:i + 1, :, y0:y0 + h, x0:x0 + w], size=(64, 64), mode="bilinear", align_corners=False))
    return torch.cat(out)


def contrastive(img, txt, scale, extra=None):
    """Symmetric InfoNCE; `extra` [B] (one hard negative text per image, -inf where none) joins image->text only."""
    logits, y = scale * img @ txt.t(), torch.arange(len(img))
    i2t = logits if extra is None else torch.cat([logits, extra.unsqueeze(1)], 1)
    return (F.cross_entropy(i2t, y) + F.cross_entropy(logits.t(), y)) / 2


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dump")
    ap.add_argument("--objective", choices=["supervised", "clip"], default="clip")
    ap.add_argument("--arch", choices=["vit", "convvit"], default="convvit")
    ap.add_argument("--captions", choices=["captioner", "truth"], default="captioner")
    ap.add_argument("--negatives", action="store_true")
    ap.add_argument("--knn-batches", action="store_true")
    ap.add_argument("--steps", type=int, default=450)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--evals", type=int, default=3)
    a = ap.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(0)
    rng, g = random.Random(0), torch.Generator().manual_seed(1)
    rows = json.load(open(os.path.join(a.dump, "web.json")))
    cls = json.load(open(os.path.join(a.dump, "classify.json")))
    xtr, xte = load_images(os.path.join(a.dump, "web.u8")), load_images(os.path.join(a.dump, "classify.u8"))
    shape = torch.tensor([r["shape"] for r in rows])
    vocab = Vocab()
    web_ids = torch.tensor([vocab.encode(r["web"]) for r in rows])
    quality = [r[a.captions][:5] for r in rows]
    tower = Tower(a.arch)
    head = nn.Linear(tower.width, 5) if a.objective == "supervised" else nn.Linear(tower.width, 128, bias=False)
    text = Text(4096) if a.objective == "clip" else nn.Identity()
    log_scale = nn.Parameter(torch.tensor(math.log(1 / 0.07)))
    params = [*tower.parameters(), *head.parameters(), *text.parameters(), log_scale]
    opt = torch.optim.AdamW(params, lr=a.lr, weight_decay=0.1 if a.objective == "clip" else 0.05)

    def evaluate():
        tower.eval(); text.eval()
        with torch.no_grad():
            feats = head(tower(xte))
            if a.objective == "supervised":
                return {"shape": (feats.argmax(1) == torch.tensor(cls["tasks"]["shape"]["labels"])).float().mean().item()}
            img, res = F.normalize(feats, dim=-1), {}
            for name, task in cls["tasks"].items():
                w = [F.normalize(F.normalize(text(torch.tensor([vocab.encode(t.replace("{}", c)) for t in task["templates"]])), dim=-1).mean(0), dim=0) for c in task["classes"]]
                res[name] = ((img @ torch.stack(w).t()).argmax(1) == torch.tensor(task["labels"])).float().mean().item()
        tower.train(); text.train()
        return res

    def neighbours():
        """Each web image's 63 nearest neighbours (cosine) under the current tower, unaugmented."""
        tower.eval()
        with torch.no_grad():
            f = F.normalize(head(tower(xtr)), dim=-1)
        tower.train()
        return (f @ f.t()).topk(64, dim=1).indices

    t0, near = time.time(), None
    for step in range(a.steps):
        if a.knn_batches and step % 50 == 0:
            near = neighbours()
        lr = a.lr * min(1, (step + 1) / 25) * 0.5 * (1 + math.cos(math.pi * step / a.steps))
        for pg in opt.param_groups:
            pg["lr"] = lr
        idx = near[int(torch.randint(0, len(rows), (1,), generator=g))] if near is not None else torch.randint(0, len(rows), (64,), generator=g)
        feats = head(tower(random_crops(xtr, idx, g)))
        if a.objective == "supervised":
            loss = F.cross_entropy(feats, shape[idx])
        else:
            img, scale = F.normalize(feats, dim=-1), log_scale.exp().clamp(max=100)
            picked = [rng.choice(quality[i]) for i in idx.tolist()]
            syn = F.normalize(text(torch.tensor([vocab.encode(c) for c in picked])), dim=-1)
            extra = None
            if a.negatives:
                negs = [swap_shapes(c, rng) for c in picked]
                neg = F.normalize(text(torch.tensor([vocab.encode(n or "") for n in negs])), dim=-1)
                has = torch.tensor([n is not None for n in negs])
                extra = (scale * (img * neg).sum(-1)).masked_fill(~has, float("-inf"))
            loss = contrastive(img, F.normalize(text(web_ids[idx]), dim=-1), scale) + contrastive(img, syn, scale, extra)
        opt.zero_grad(); loss.backward(); opt.step()
        if (step + 1) % max(1, a.steps // a.evals) == 0:
            res = " ".join(f"{k} {v:.3f}" for k, v in evaluate().items())
            print(f"{a.objective} {a.arch}{'' if a.objective == 'supervised' else ' ' + a.captions}{' +negatives' if a.negatives else ''}{' +knn-batches' if a.knn_batches else ''} step {step + 1}: loss {loss.item():.3f}, classify top-1 {res} ({time.time() - t0:.0f}s)", flush=True)


if __name__ == "__main__":
    main()
