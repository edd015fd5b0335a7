#!/usr/bin/env python3
"""Reference CLIP towers written with plain PyTorch modules (nn.MultiheadAttention, nn.LayerNorm,
...) under open_clip's key names, for the models parity test. Writes:
  test/parity/models_tiny.safetensors  weights of the zooclip-tiny-test config, written here
  test/parity/models_golden.safetensors inputs and outputs for zooclip-tiny-test and ViT-B-16
ViT-B-16's weights are not stored: both sides regenerate them with seeded_weights() (the same
libtorch CPU generator, one seed per key), so the test stays small. Run with /usr/bin/python3."""
import json, math, os, struct, sys
from collections import OrderedDict
import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from make_golden import write_safetensors  # noqa: E402  (one safetensors writer for every golden file)
CONFIGS = os.path.join(HERE, "..", "..", "src", "models", "model_configs")


class Block(nn.Module):
    def __init__(self, d, h):
        super().__init__()
        self.ln_1 = nn.LayerNorm(d)
        self.attn = nn.MultiheadAttention(d, h, batch_first=True)
        self.ln_2 = nn.LayerNorm(d)
        self.mlp = nn.Sequential(OrderedDict([("c_fc", nn.Linear(d, 4 * d)), ("gelu", nn.GELU()), ("c_proj", nn.Linear(4 * d, d))]))

    def forward(self, x, mask=None):
        y = self.ln_1(x)
        x = x + self.attn(y, y, y, need_weights=False, attn_mask=mask)[0]
        return x + self.mlp(self.ln_2(x))


class Transformer(nn.Module):
    def __init__(self, d, layers, h):
        super().__init__()
        self.resblocks = nn.ModuleList([Block(d, h) for _ in range(layers)])

    def forward(self, x, mask=None):
        for b in self.resblocks:
            x = b(x, mask)
        return x


class ConvBnRelu(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, 3, 2, 1, bias=False)
        self.bn = nn.BatchNorm2d(cout)

    def forward(self, x):
        return F.relu(self.bn(self.conv(x)))


class Visual(nn.Module):
    def __init__(self, image, patch, width, layers, head_width, embed, stem=None, pool="tok"):
        super().__init__()
        g = image // patch
        stem = stem or []
        if stem:
            self.stem = nn.Sequential(*[ConvBnRelu(stem[i - 1] if i else 3, c) for i, c in enumerate(stem)])
        k = patch // 2 ** len(stem)
        self.conv1 = nn.Conv2d(stem[-1] if stem else 3, width, k, k, bias=False)
        self.pool = pool
        self.class_embedding = nn.Parameter(torch.zeros(width))
        self.positional_embedding = nn.Parameter(torch.zeros(g * g + 1, width))
        self.ln_pre = nn.LayerNorm(width)
        self.transformer = Transformer(width, layers, width // head_width)
        self.ln_post = nn.LayerNorm(width)
        self.proj = nn.Parameter(torch.zeros(width, embed))

    def forward(self, x):
        if hasattr(self, "stem"):
            x = self.stem(x)
        x = self.conv1(x).flatten(2).transpose(1, 2)
        x = torch.cat([self.class_embedding.expand(x.shape[0], 1, -1), x], 1) + self.positional_embedding
        x = self.ln_post(self.transformer(self.ln_pre(x)))
        return (x[:, 1:].mean(1) if self.pool == "avg" else x[:, 0]) @ self.proj


class CLIPRef(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        v, t, e = cfg["vision_cfg"], cfg["text_cfg"], cfg["embed_dim"]
        self.positional_embedding = nn.Parameter(torch.zeros(t["context_length"], t["width"]))
        self.text_projection = nn.Parameter(torch.zeros(t["width"], e))
        self.logit_scale = nn.Parameter(torch.tensor(math.log(1 / 0.07)))
        self.visual = Visual(v["image_size"], v["patch_size"], v["width"], v["layers"], v.get("head_width", 64), e,
                             v.get("conv_stem"), v.get("pool_type", "tok"))
        self.transformer = Transformer(t["width"], t["layers"], t["heads"])
        self.token_embedding = nn.Embedding(t["vocab_size"], t["width"])
        self.ln_final = nn.LayerNorm(t["width"])

    def encode_text(self, ids):
        n = ids.shape[1]
        mask = torch.full((n, n), float("-inf"), device=ids.device).triu(1)
        x = self.ln_final(self.transformer(self.token_embedding(ids) + self.positional_embedding[:n], mask))
        return x[torch.arange(ids.shape[0]), ids.argmax(-1)] @ self.text_projection

    def forward(self, images, ids):
        fi = F.normalize(self.visual(images), dim=-1)
        ft = F.normalize(self.encode_text(ids), dim=-1)
        return fi, ft, self.logit_scale.exp() * fi @ ft.t()


def key_seed(key):
    """A seed from the key name that TypeScript computes the same way (31-bit polynomial hash)."""
    h = 0
    for ch in key.encode():
        h = (h * 131 + ch) % 2147483647
    return h


def seeded_weights(model):
    """Every tensor: randn * 0.02 from a per-key seed; LayerNorm weights 1 + that; BatchNorm weights
    and running variances 1 + |that|; logit_scale log(1/0.07); num_batches_tracked left alone."""
    with torch.no_grad():
        for k, p in model.state_dict().items():
            if k == "logit_scale" or k.endswith("num_batches_tracked"):
                continue
            torch.manual_seed(key_seed(k))
            w = torch.randn(p.shape) * 0.02
            if ".bn." in k and (k.endswith(".weight") or k.endswith("running_var")):
                w = w.abs() + 1
            elif ("ln_" in k or "ln_final" in k) and k.endswith(".weight"):
                w += 1
            p.copy_(w)


def run(name, out, save_weights=None, batch=2):
    cfg = json.load(open(os.path.join(CONFIGS, name + ".json")))
    model = CLIPRef(cfg).eval()
    seeded_weights(model)
    if save_weights:
        write_safetensors(save_weights, model.state_dict())
    torch.manual_seed(7)
    v, t = cfg["vision_cfg"], cfg["text_cfg"]
    images = torch.randn(batch, 3, v["image_size"], v["image_size"])
    ids = torch.randint(1, t["vocab_size"] - 2, (batch, t["context_length"]))
    ids[:, 0] = t["vocab_size"] - 2
    ids[0, 5], ids[0, 6:] = t["vocab_size"] - 1, 0
    ids[1, -1] = t["vocab_size"] - 1
    with torch.no_grad():
        fi, ft, logits = model(images, ids)
    for k, x in [("images", images), ("ids", ids), ("image_features", fi), ("text_features", ft), ("logits", logits)]:
        out[f"{name}.{k}"] = x


def main():
    out = {}
    run("zooclip-tiny-test", out, save_weights=os.path.join(HERE, "models_tiny.safetensors"))
    run("ViT-B-16", out)
    run("zooclip-quick-conv", out)
    write_safetensors(os.path.join(HERE, "models_golden.safetensors"), out)
    print(f"wrote {len(out)} tensors (torch {torch.__version__})")


if __name__ == "__main__":
    sys.exit(main())
