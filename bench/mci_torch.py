#!/usr/bin/env python3
"""Plain-PyTorch MCi image encoders (MobileCLIP's FastViT-style towers), the peer of
src/models/mci/ for benchmarks and parity tests. Parameter and buffer names are timm's
`fastvit_mci0/1/2` names (stem.*, stages.N.{downsample,pos_emb,blocks.M}.*, final_conv.*, head.fc.*),
so a state dict moves between this, zooclip and timm unchanged. Needs only torch (1.13 or newer).

    model = build_mci('mci0')            # training-time branches
    model.eval().reparameterize()        # folded into single convs, same outputs

`python3 bench/mci_torch.py` prints parameter counts; `--keys VARIANT [--folded]` the state-dict keys
and shapes (training-time or reparameterized) as JSON; `--bench VARIANT DEVICE BATCH` forward and
training-step times at 256 x 256 as JSON."""
import json
import sys
from collections import OrderedDict

import torch
import torch.nn as nn
import torch.nn.functional as F

VARIANTS = {
    "mci0": dict(depths=(2, 6, 10, 2), widths=(64, 128, 256, 512)),
    "mci1": dict(depths=(4, 12, 20, 4), widths=(64, 128, 256, 512)),
    "mci2": dict(depths=(4, 12, 24, 4), widths=(80, 160, 320, 640)),
    # zooclip's own 3-stage MCi for 64 px inputs (reductions 4/8/16); timm has no such model.
    "mci_tiny": dict(depths=(1, 2, 4), widths=(32, 64, 128)),
}
SDPA = hasattr(F, "scaled_dot_product_attention")


def conv_norm(cin, cout, k, stride=1, groups=1):
    """Conv (no bias) then BatchNorm, keyed conv.* and bn.* as timm's ConvNormAct."""
    return nn.Sequential(OrderedDict(
        conv=nn.Conv2d(cin, cout, k, stride, k // 2, groups=groups, bias=False),
        bn=nn.BatchNorm2d(cout)))


def make_divisible(v, divisor):
    """timm's rounding of squeeze-excite widths (nearest multiple, at least `divisor`)."""
    return max(divisor, int(v + divisor / 2) // divisor * divisor)


def fold_bn(kernel, bn):
    """(kernel, bias) of conv-with-`kernel` followed by eval-mode `bn`."""
    t = bn.weight / (bn.running_var + bn.eps).sqrt()
    return kernel * t.reshape(-1, 1, 1, 1), bn.bias - bn.running_mean * t


def identity_kernel(channels, groups, k, like):
    """The k x k grouped kernel that copies its input."""
    w = torch.zeros(channels, channels // groups, k, k, dtype=like.dtype, device=like.device)
    for i in range(channels):
        w[i, i % (channels // groups), k // 2, k // 2] = 1
    return w


def fused_conv(cin, cout, k, stride, groups, weight, bias):
    """A conv (with bias, padding k // 2) holding a folded kernel and bias."""
    conv = nn.Conv2d(cin, cout, k, stride, k // 2, groups=groups, bias=True).to(weight.device, weight.dtype)
    conv.weight.data.copy_(weight)
    conv.bias.data.copy_(bias)
    return conv


class SqueezeExcite(nn.Module):
    """Global mean -> 1x1 reduce -> ReLU -> 1x1 expand -> sigmoid gate (timm's SEModule: fc1, fc2)."""

    def __init__(self, ch, rd):
        super().__init__()
        self.fc1 = nn.Conv2d(ch, rd, 1)
        self.fc2 = nn.Conv2d(rd, ch, 1)

    def forward(self, x):
        s = self.fc2(F.relu(self.fc1(x.mean((2, 3), keepdim=True))))
        return x * s.sigmoid()


class MobileOneBlock(nn.Module):
    """Sum of conv+BN branches, a 1x1 scale branch and an identity BN; then SE and GELU."""

    def __init__(self, cin, cout, k, stride=1, groups=1, se=False, act=True, scale=True, branches=1):
        super().__init__()
        self.cin, self.cout, self.k, self.stride, self.groups = cin, cout, k, stride, groups
        self.se = SqueezeExcite(cout, make_divisible(cout / 16, 1)) if se else None
        self.identity = nn.BatchNorm2d(cin) if cin == cout and stride == 1 else None
        self.conv_kxk = nn.ModuleList([conv_norm(cin, cout, k, stride, groups) for _ in range(branches)]) if branches else None
        self.conv_scale = conv_norm(cin, cout, 1, stride, groups) if k > 1 and scale else None
        self.act = act
        self.reparam_conv = None

    def forward(self, x):
        if self.reparam_conv is not None:
            y = self.reparam_conv(x)
        else:
            y = sum(b(x) for b in [self.identity, self.conv_scale, *(self.conv_kxk or [])] if b is not None)
        if self.se is not None:
            y = self.se(y)
        return F.gelu(y) if self.act else y

    @torch.no_grad()
    def reparameterize(self):
        if self.reparam_conv is not None:
            return
        parts = [fold_bn(b.conv.weight, b.bn) for b in self.conv_kxk or []]
        if self.conv_scale is not None:
            kw, kb = fold_bn(self.conv_scale.conv.weight, self.conv_scale.bn)
            parts.append((F.pad(kw, [self.k // 2] * 4), kb))
        if self.identity is not None:
            parts.append(fold_bn(identity_kernel(self.cin, self.groups, self.k, self.identity.weight), self.identity))
        w, b = sum(p[0] for p in parts), sum(p[1] for p in parts)
        self.reparam_conv = fused_conv(self.cin, self.cout, self.k, self.stride, self.groups, w, b)
        del self.identity, self.conv_kxk, self.conv_scale
        self.identity = self.conv_kxk = self.conv_scale = None


class ReparamLargeKernelConv(nn.Module):
    """Large-kernel conv+BN plus a 3x3 conv+BN branch (RepLKNet), then SE and GELU."""

    def __init__(self, cin, cout, k, stride, groups, small=3, se=False):
        super().__init__()
        self.cin, self.cout, self.k, self.stride, self.groups, self.small = cin, cout, k, stride, groups, small
        self.large_conv = conv_norm(cin, cout, k, stride, groups)
        self.small_conv = conv_norm(cin, cout, small, stride, groups)
        self.se = SqueezeExcite(cout, make_divisible(cout / 4, 8)) if se else None
        self.reparam_conv = None

    def forward(self, x):
        y = self.reparam_conv(x) if self.reparam_conv is not None else self.large_conv(x) + self.small_conv(x)
        if self.se is not None:
            y = self.se(y)
        return F.gelu(y)

    @torch.no_grad()
    def reparameterize(self):
        if self.reparam_conv is not None:
            return
        w, b = fold_bn(self.large_conv.conv.weight, self.large_conv.bn)
        sw, sb = fold_bn(self.small_conv.conv.weight, self.small_conv.bn)
        w, b = w + F.pad(sw, [(self.k - self.small) // 2] * 4), b + sb
        self.reparam_conv = fused_conv(self.cin, self.cout, self.k, self.stride, self.groups, w, b)
        del self.large_conv, self.small_conv


class LayerScale2d(nn.Module):
    def __init__(self, dim, init=1e-5):
        super().__init__()
        self.gamma = nn.Parameter(init * torch.ones(dim, 1, 1))

    def forward(self, x):
        return x * self.gamma


class RepMixer(nn.Module):
    """x + gamma * (mixer(x) - norm(x)) with depthwise 3x3 MobileOne blocks; folds to one conv."""

    def __init__(self, dim, k=3):
        super().__init__()
        self.dim, self.k = dim, k
        self.norm = MobileOneBlock(dim, dim, k, groups=dim, act=False, scale=False, branches=0)
        self.mixer = MobileOneBlock(dim, dim, k, groups=dim, act=False)
        self.layer_scale = LayerScale2d(dim)
        self.reparam_conv = None

    def forward(self, x):
        if self.reparam_conv is not None:
            return self.reparam_conv(x)
        return x + self.layer_scale(self.mixer(x) - self.norm(x))

    @torch.no_grad()
    def reparameterize(self):
        if self.reparam_conv is not None:
            return
        self.mixer.reparameterize()
        self.norm.reparameterize()
        m, n, g = self.mixer.reparam_conv, self.norm.reparam_conv, self.layer_scale.gamma
        w = identity_kernel(self.dim, self.dim, self.k, g) + g.unsqueeze(-1) * (m.weight - n.weight)
        b = g.flatten() * (m.bias - n.bias)
        self.reparam_conv = fused_conv(self.dim, self.dim, self.k, 1, self.dim, w, b)
        del self.mixer, self.norm, self.layer_scale


class ConvMlp(nn.Module):
    def __init__(self, dim, hidden):
        super().__init__()
        self.conv = conv_norm(dim, dim, 7, groups=dim)
        self.fc1 = nn.Conv2d(dim, hidden, 1)
        self.fc2 = nn.Conv2d(hidden, dim, 1)
        for c in (self.conv.conv, self.fc1, self.fc2):
            nn.init.normal_(c.weight, std=0.02)
            if c.bias is not None:
                nn.init.zeros_(c.bias)

    def forward(self, x):
        return self.fc2(F.gelu(self.fc1(self.conv(x))))


class RepConditionalPosEnc(nn.Module):
    """x + depthwise 7x7 conv(x); folds to one conv."""

    def __init__(self, dim, k=7):
        super().__init__()
        self.dim, self.k = dim, k
        self.pos_enc = nn.Conv2d(dim, dim, k, 1, k // 2, groups=dim)
        self.reparam_conv = None

    def forward(self, x):
        return self.reparam_conv(x) if self.reparam_conv is not None else self.pos_enc(x) + x

    @torch.no_grad()
    def reparameterize(self):
        if self.reparam_conv is not None:
            return
        w = identity_kernel(self.dim, self.dim, self.k, self.pos_enc.weight) + self.pos_enc.weight
        self.reparam_conv = fused_conv(self.dim, self.dim, self.k, 1, self.dim, w, self.pos_enc.bias)
        del self.pos_enc


class Attention(nn.Module):
    def __init__(self, dim, head_dim=32):
        super().__init__()
        self.heads, self.head_dim = dim // head_dim, head_dim
        self.qkv = nn.Linear(dim, dim * 3, bias=False)
        self.proj = nn.Linear(dim, dim)
        nn.init.normal_(self.qkv.weight, std=0.02)
        nn.init.normal_(self.proj.weight, std=0.02)
        nn.init.zeros_(self.proj.bias)

    def forward(self, x):
        b, c, h, w = x.shape
        t = x.flatten(2).transpose(1, 2)
        q, k, v = self.qkv(t).reshape(b, h * w, 3, self.heads, self.head_dim).permute(2, 0, 3, 1, 4).unbind(0)
        if SDPA:
            a = F.scaled_dot_product_attention(q, k, v)
        else:
            a = ((q * self.head_dim ** -0.5) @ k.transpose(-2, -1)).softmax(-1) @ v
        return self.proj(a.transpose(1, 2).reshape(b, h * w, c)).transpose(1, 2).reshape(b, c, h, w)


class RepMixerBlock(nn.Module):
    def __init__(self, dim, mlp_ratio):
        super().__init__()
        self.token_mixer = RepMixer(dim)
        self.mlp = ConvMlp(dim, int(dim * mlp_ratio))
        self.layer_scale = LayerScale2d(dim)

    def forward(self, x):
        x = self.token_mixer(x)
        return x + self.layer_scale(self.mlp(x))


class AttentionBlock(nn.Module):
    def __init__(self, dim, mlp_ratio):
        super().__init__()
        self.norm = nn.BatchNorm2d(dim)
        self.token_mixer = Attention(dim)
        self.layer_scale_1 = LayerScale2d(dim)
        self.mlp = ConvMlp(dim, int(dim * mlp_ratio))
        self.layer_scale_2 = LayerScale2d(dim)

    def forward(self, x):
        x = x + self.layer_scale_1(self.token_mixer(self.norm(x)))
        return x + self.layer_scale_2(self.mlp(x))


class PatchEmbed(nn.Module):
    """Stride-2 downsampler: 7x7 reparam conv (groups = input channels) then a 1x1 MobileOne block."""

    def __init__(self, cin, cout, se):
        super().__init__()
        self.proj = nn.Sequential(ReparamLargeKernelConv(cin, cout, 7, 2, cin, se=se), MobileOneBlock(cout, cout, 1))

    def forward(self, x):
        return self.proj(x)


class Stage(nn.Module):
    def __init__(self, cin, cout, depth, attention, se, cpe):
        super().__init__()
        self.downsample = PatchEmbed(cin, cout, se) if cin != cout else None
        self.pos_emb = RepConditionalPosEnc(cout) if cpe else None
        block = AttentionBlock if attention else RepMixerBlock
        self.blocks = nn.Sequential(*[block(cout, 3.0) for _ in range(depth)])

    def forward(self, x):
        if self.downsample is not None:
            x = self.downsample(x)
        if self.pos_emb is not None:
            x = self.pos_emb(x)
        return self.blocks(x)


class Head(nn.Module):
    """Global average pool then a linear projection (timm's ClassifierHead: head.fc)."""

    def __init__(self, cin, embed_dim):
        super().__init__()
        self.fc = nn.Linear(cin, embed_dim)
        nn.init.normal_(self.fc.weight, std=0.02)
        nn.init.zeros_(self.fc.bias)

    def forward(self, x):
        return self.fc(x.mean((2, 3)))


class MCi(nn.Module):
    def __init__(self, depths, widths, embed_dim=512):
        super().__init__()
        c0 = widths[0]
        self.stem = nn.Sequential(
            MobileOneBlock(3, c0, 3, 2), MobileOneBlock(c0, c0, 3, 2, groups=c0), MobileOneBlock(c0, c0, 1))
        prev, stages, last = c0, [], len(depths) - 1
        # RepMixer stages then one attention stage (with CPE); SE in the last two downsamplers.
        for i, (d, c) in enumerate(zip(depths, widths)):
            stages.append(Stage(prev, c, d, attention=i == last, se=0 < i and i >= last - 1, cpe=i == last))
            prev = c
        self.stages = nn.Sequential(*stages)
        self.final_conv = MobileOneBlock(prev, 2 * prev, 3, groups=prev, se=True)
        self.head = Head(2 * prev, embed_dim)

    def forward_intermediates(self, images):
        x, out = self.stem(images), []
        for s in self.stages:
            x = s(x)
            out.append(x)
        return out

    def forward(self, images):
        return self.head(self.final_conv(self.stages(self.stem(images))))

    def reparameterize(self):
        for m in list(self.modules()):
            if m is not self and hasattr(m, "reparameterize"):
                m.reparameterize()
        return self


def build_mci(variant, embed_dim=512):
    """An MCi image tower ('mci0' | 'mci1' | 'mci2' | 'mci_tiny'): forward(images [B,3,H,W]) -> [B, embed_dim]."""
    if variant not in VARIANTS:
        raise ValueError(f"unknown MCi variant {variant!r}; expected one of {sorted(VARIANTS)}")
    return MCi(embed_dim=embed_dim, **VARIANTS[variant])


def bench(variant, device, batch, size=256, rounds=5):
    """Fastest-of-rounds milliseconds: eval forward with branches and folded, and a training step."""
    import time

    def ms(fn):
        best = float("inf")
        for _ in range(rounds + 1):
            if device.startswith("cuda"):
                torch.cuda.synchronize()
            t = time.perf_counter()
            fn()
            if device.startswith("cuda"):
                torch.cuda.synchronize()
            best = min(best, (time.perf_counter() - t) * 1000)
        return best

    m = build_mci(variant).to(device)
    x = torch.randn(batch, 3, size, size, device=device)
    train = ms(lambda: m(x).square().mean().backward())
    m.eval()
    with torch.no_grad():
        branched = ms(lambda: m(x))
        m.reparameterize()
        folded = ms(lambda: m(x))
    return {"variant": variant, "device": device, "batch": batch, "size": size, "train_step_ms": train,
            "eval_branched_ms": branched, "eval_folded_ms": folded, "torch": torch.__version__}


def _main(argv):
    if argv[:1] == ["--bench"] and len(argv) == 4:
        print(json.dumps(bench(argv[1], argv[2], int(argv[3]))))
        return
    if argv[:1] == ["--keys"] and len(argv) in (2, 3):
        m = build_mci(argv[1])
        if argv[2:] == ["--folded"]:
            m.eval().reparameterize()
        print(json.dumps([[k, list(v.shape)] for k, v in m.state_dict().items()]))
        return
    for v in VARIANTS:
        m = build_mci(v)
        train = sum(p.numel() for p in m.parameters())
        folded = sum(p.numel() for p in m.eval().reparameterize().parameters())
        print(json.dumps({"variant": v, "params_train": train, "params_folded": folded}))


if __name__ == "__main__":
    _main(sys.argv[1:])
