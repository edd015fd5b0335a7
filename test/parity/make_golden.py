#!/usr/bin/env python3
"""Regenerates test/parity/golden.safetensors + golden.json: inputs, outputs and gradients of every
op zooclip wraps (and of a ViT block), computed by PyTorch. Run with Debian's python3-torch:
    /usr/bin/python3 test/parity/make_golden.py
The TS parity test (test/engine/parity.test.ts) replays each case by name and compares."""
import json, math, os, struct
import torch
import torch.nn.functional as F

torch.manual_seed(1234)
HERE = os.path.dirname(os.path.abspath(__file__))
CASES, TENSORS = [], {}


def r(*shape, lo=None):
    x = torch.randn(*shape, dtype=torch.float64).float()
    return x.abs() + lo if lo is not None else x


def case(name, fn, inputs, grad=True, tol=None, frozen=()):
    """inputs: list of tensors; float ones get gradients when grad is True."""
    ins = [x.clone().requires_grad_(grad and x.is_floating_point() and i not in frozen) for i, x in enumerate(inputs)]
    out = fn(*ins)
    outs = list(out) if isinstance(out, (tuple, list)) else [out]
    for i, x in enumerate(inputs):
        TENSORS[f"{name}.in{i}"] = x
    for i, o in enumerate(outs):
        TENSORS[f"{name}.out{i}"] = o.detach()
    grads = []
    if grad:
        diff = [o for o in outs if o.requires_grad]
        ups = [torch.randn_like(o) for o in diff]
        if diff:
            torch.autograd.backward(diff, ups)
        for i, u in enumerate(ups):
            TENSORS[f"{name}.up{i}"] = u
        for i, x in enumerate(ins):
            if x.grad is not None:
                TENSORS[f"{name}.grad{i}"] = x.grad
                grads.append(i)
    CASES.append({"name": name, "inputs": len(inputs), "outputs": len(outs), "grads": grads, "frozen": list(frozen), "tol": tol})


def sdpa_ref(q, k, v, mask=None, causal=False):
    s = (q / math.sqrt(q.shape[-1])) @ k.transpose(-2, -1)
    if causal:
        s = s.masked_fill(torch.ones(s.shape[-2], s.shape[-1], dtype=torch.bool).triu(1), float("-inf"))
    if mask is not None:
        s = s.masked_fill(~mask, float("-inf"))
    return s.softmax(-1) @ v


def elementwise():
    a, b, p = r(3, 4), r(3, 4), r(3, 4, lo=0.5)
    case("add", lambda x, y: torch.add(x, y, alpha=2), [a, b])
    case("add_scalar", lambda x: x + 1.5, [a])
    case("sub", lambda x, y: x - y, [a, b])
    case("mul", lambda x, y: x * y, [a, r(4)])
    case("div", lambda x, y: x / y, [a, p])
    case("pow", lambda x: x ** 3, [a])
    case("pow_tensor", lambda x, y: x ** y, [p, b])
    for fn in ["exp", "tanh", "sigmoid", "relu", "abs", "neg", "sin", "cos"]:
        case(fn, getattr(torch, fn), [a])
    for fn in ["log", "sqrt", "rsqrt", "reciprocal", "log1p"]:
        case(fn, getattr(torch, fn), [p])
    case("gelu", F.gelu, [a])
    case("gelu_tanh", lambda x: F.gelu(x, approximate="tanh"), [a])
    case("silu", F.silu, [a])
    case("softplus", F.softplus, [a])
    case("hardswish", F.hardswish, [a])
    case("clamp", lambda x: x.clamp(-0.5, 0.7), [a])
    case("minimum", torch.minimum, [a, b])
    case("maximum", torch.maximum, [a, b])
    case("where", lambda c, x, y: torch.where(c, x, y), [a > 0, a, b])
    case("masked_fill", lambda x, m: x.masked_fill(m, -2.0), [a, b > 0])
    case("lt", lambda x, y: x < y, [a, b], grad=False)


def reductions():
    a = r(3, 4, 5)
    case("sum_all", torch.sum, [a])
    case("sum_dim", lambda x: x.sum((0, 2), keepdim=True), [a])
    case("mean_dim", lambda x: x.mean(1), [a])
    case("max_all", torch.max, [a])
    case("max_dim", lambda x: x.max(1), [a])
    case("min_dim", lambda x: x.min(-1), [a])
    case("amax", lambda x: x.amax((1, 2)), [a])
    case("argmax", lambda x: x.argmax(-1), [a], grad=False)
    case("var", lambda x: x.var(1), [a])
    case("std", lambda x: x.std(-1, unbiased=False), [a])
    case("norm", lambda x: torch.linalg.vector_norm(x, 2, dim=-1), [a])
    case("logsumexp", lambda x: x.logsumexp(1), [a])
    case("cumsum", lambda x: x.cumsum(2), [a])
    case("prod", lambda x: x.prod(1), [r(3, 4, lo=0.5)])


def linalg():
    case("matmul", torch.matmul, [r(2, 3, 4, 5), r(5, 6)])
    case("bmm", torch.bmm, [r(3, 4, 5), r(3, 5, 2)])
    case("linear", F.linear, [r(2, 7, 5), r(6, 5), r(6)])
    case("einsum", lambda x, y: torch.einsum("bij,bjk->bik", x, y), [r(2, 3, 4), r(2, 4, 5)])
    case("baddbmm", lambda i, x, y: torch.baddbmm(i, x, y, beta=0.5, alpha=2), [r(2, 3, 5), r(2, 3, 4), r(2, 4, 5)])


def conv():
    x = r(2, 4, 9, 9)
    case("conv2d", lambda x, w, b: F.conv2d(x, w, b, stride=2, padding=1), [x, r(6, 4, 3, 3), r(6)])
    case("conv2d_groups", lambda x, w: F.conv2d(x, w, None, padding=1, groups=4), [x, r(8, 1, 3, 3)])
    case("conv2d_dilation", lambda x, w: F.conv2d(x, w, None, padding=2, dilation=2), [x, r(3, 4, 3, 3)])
    case("conv_transpose2d", lambda x, w, b: F.conv_transpose2d(x, w, b, stride=2, padding=1, output_padding=1), [x, r(4, 3, 3, 3), r(3)])


def norms():
    x = r(4, 6, 5, 5)
    rm, rv = torch.zeros(6), torch.ones(6)
    case("batch_norm_train", lambda x, w, b: (F.batch_norm(x, rm, rv, w, b, True, 0.1, 1e-5), rm.clone(), rv.clone()), [x, r(6), r(6)])
    case("batch_norm_eval", lambda x, m, v, w, b: F.batch_norm(x, m, v, w, b, False, 0.1, 1e-5), [x, r(6), r(6, lo=0.5), r(6), r(6)], frozen=(1, 2))
    case("layer_norm", lambda x, w, b: F.layer_norm(x, (5,), w, b, 1e-5), [r(3, 4, 5), r(5), r(5)])
    case("group_norm", lambda x, w, b: F.group_norm(x, 3, w, b, 1e-5), [x, r(6), r(6)])
    case("softmax", lambda x: x.softmax(-1), [r(3, 7)])
    case("log_softmax", lambda x: x.log_softmax(1), [r(3, 7)])
    case("normalize", lambda x: F.normalize(x, dim=-1), [r(4, 8)])
    case("cosine_similarity", lambda x, y: F.cosine_similarity(x, y, dim=1), [r(4, 8), r(4, 8)])


def indexing():
    a = r(5, 6)
    idx = torch.tensor([4, 0, 2], dtype=torch.long)
    case("embedding", F.embedding, [idx.view(1, 3), a])
    case("index_select", lambda x, i: x.index_select(1, i), [a, idx])
    g = torch.randint(0, 6, (5, 3))
    case("gather", lambda x, i: x.gather(1, i), [a, g])
    case("scatter", lambda x, i, s: x.scatter(1, i, s), [a, torch.tensor([[0, 1], [2, 3], [4, 5], [1, 0], [3, 2]]), r(5, 2)])
    case("scatter_add", lambda x, i, s: x.scatter_add(1, i, s), [a, g, r(5, 3)])
    case("index", lambda x, i, j: x[i, j], [a, idx, torch.tensor([1, 5, 0])])
    case("cat", lambda x, y: torch.cat([x, y], 1), [a, r(5, 2)])
    case("stack", lambda x, y: torch.stack([x, y], 0), [a, r(5, 6)])
    case("split", lambda x: x.split(2, 1), [a])
    case("chunk", lambda x: x.chunk(3, 0), [a])
    case("unbind", lambda x: x.unbind(1), [r(2, 3)])
    case("views", lambda x: x.reshape(2, 3, 5).permute(2, 0, 1).transpose(0, 1).flatten(1).unsqueeze(0).expand(3, 2, 15), [r(30)])
    case("narrow_select", lambda x: x.narrow(1, 1, 3).select(0, 2), [a])
    case("slice_step", lambda x: x[:, 1:6:2], [a])
    case("triu", lambda x: x.triu(1), [a])
    case("tril", lambda x: x.tril(-1), [a])
    case("topk", lambda x: x.topk(3, -1)[0], [a])
    case("flip", lambda x: x.flip(0), [a])
    case("repeat", lambda x: x.repeat(2, 1), [a])


def spatial():
    x = r(2, 3, 6, 8)
    case("interp_nearest", lambda x: F.interpolate(x, size=(12, 11), mode="nearest"), [x])
    case("interp_bilinear", lambda x: F.interpolate(x, size=(9, 13), mode="bilinear", align_corners=False), [x])
    case("interp_bilinear_ac", lambda x: F.interpolate(x, size=(9, 13), mode="bilinear", align_corners=True), [x])
    case("interp_bicubic", lambda x: F.interpolate(x, scale_factor=2.0, mode="bicubic", align_corners=False), [x])
    case("avg_pool2d", lambda x: F.avg_pool2d(x, 3, 2, 1), [x])
    case("max_pool2d", lambda x: F.max_pool2d(x, 2), [x])
    case("adaptive_avg_pool2d", lambda x: F.adaptive_avg_pool2d(x, (3, 2)), [x])
    case("pad_constant", lambda x: F.pad(x, (1, 2, 0, 3), value=0.5), [x])
    case("pad_reflect", lambda x: F.pad(x, (2, 1, 1, 2), mode="reflect"), [x])
    case("pad_replicate", lambda x: F.pad(x, (2, 1, 1, 2), mode="replicate"), [x])
    case("pixel_shuffle", lambda x: F.pixel_shuffle(x, 2), [r(1, 8, 3, 3)])


def losses():
    logits = r(6, 5)
    tgt = torch.tensor([0, 4, 2, 2, 1, 3])
    case("cross_entropy", lambda x, t: F.cross_entropy(x, t), [logits, tgt])
    case("cross_entropy_smooth", lambda x, t: F.cross_entropy(x, t, label_smoothing=0.1), [logits, tgt])
    seg = torch.randint(0, 4, (2, 5, 5))
    seg[0, 0, :] = 255
    case("cross_entropy_2d_ignore", lambda x, t: F.cross_entropy(x, t, ignore_index=255), [r(2, 4, 5, 5), seg])
    case("mse", F.mse_loss, [r(4, 3), r(4, 3)])
    case("l1", F.l1_loss, [r(4, 3), r(4, 3)])
    case("smooth_l1", lambda x, y: F.smooth_l1_loss(x, y, beta=0.5), [r(4, 3), r(4, 3)])
    case("bce_logits", F.binary_cross_entropy_with_logits, [r(4, 3), torch.rand(4, 3)])


def attention():
    q, k, v = r(2, 3, 5, 4), r(2, 3, 7, 4), r(2, 3, 7, 4)
    case("sdpa", sdpa_ref, [q, k, v])
    case("sdpa_causal", lambda q, k, v: sdpa_ref(q, k, v, causal=True), [q, r(2, 3, 5, 4), r(2, 3, 5, 4)])
    mask = torch.rand(5, 7) > 0.3
    mask[:, 0] = True
    case("sdpa_mask", lambda q, k, v, m: sdpa_ref(q, k, v, mask=m), [q, k, v, mask])


def vit_block():
    """A pre-norm residual attention block with open_clip's layout; inputs = x then the weights."""
    d, h = 16, 4
    names = ["ln_1.weight", "ln_1.bias", "attn.in_proj_weight", "attn.in_proj_bias", "attn.out_proj.weight", "attn.out_proj.bias",
             "ln_2.weight", "ln_2.bias", "mlp.c_fc.weight", "mlp.c_fc.bias", "mlp.c_proj.weight", "mlp.c_proj.bias"]
    shapes = [(d,), (d,), (3 * d, d), (3 * d,), (d, d), (d,), (d,), (d,), (4 * d, d), (4 * d,), (d, 4 * d), (d,)]
    weights = [r(*s) * (0.3 if len(s) == 2 else 1) for s in shapes]

    def block(x, l1w, l1b, ipw, ipb, ow, ob, l2w, l2b, fw, fb, pw, pb):
        b, n, _ = x.shape
        y = F.layer_norm(x, (d,), l1w, l1b)
        q, k, v = F.linear(y, ipw, ipb).view(b, n, 3, h, d // h).permute(2, 0, 3, 1, 4).unbind(0)
        a = sdpa_ref(q, k, v).transpose(1, 2).reshape(b, n, d)
        x = x + F.linear(a, ow, ob)
        return x + F.linear(F.gelu(F.linear(F.layer_norm(x, (d,), l2w, l2b), fw, fb)), pw, pb)

    case("vit_block", block, [r(2, 5, d)] + weights, tol={"rtol": 1e-4, "atol": 1e-4})
    return names


def optimizers():
    """Three steps of AdamW (two groups) and SGD (momentum + nesterov), and clip_grad_norm, from
    fixed gradients: TENSORS['optim.*'] = start values, per-step grads and the values after each step."""
    p0, q0 = r(4, 3), r(5)
    grads = [(r(4, 3), r(5)) for _ in range(3)]
    for i, (g, h) in enumerate(grads):
        TENSORS[f"optim.g{i}"], TENSORS[f"optim.h{i}"] = g, h
    TENSORS["optim.p0"], TENSORS["optim.q0"] = p0, q0

    def run(kind, make):
        p, q = p0.clone().requires_grad_(), q0.clone().requires_grad_()
        opt = make(p, q)
        for i, (g, h) in enumerate(grads):
            p.grad, q.grad = g.clone(), h.clone()
            opt.step()
            TENSORS[f"optim.{kind}.p{i}"], TENSORS[f"optim.{kind}.q{i}"] = p.detach().clone(), q.detach().clone()

    run("adamw", lambda p, q: torch.optim.AdamW([{"params": [p]}, {"params": [q], "weight_decay": 0.0, "lr": 0.05}],
                                                 lr=0.1, betas=(0.8, 0.95), eps=1e-6, weight_decay=0.2))
    run("sgd", lambda p, q: torch.optim.SGD([p, q], lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01))
    run("sgd_damp", lambda p, q: torch.optim.SGD([p, q], lr=0.1, momentum=0.5, dampening=0.3))
    p, q = p0.clone().requires_grad_(), q0.clone().requires_grad_()
    p.grad, q.grad = grads[0][0].clone(), grads[0][1].clone()
    norm = torch.nn.utils.clip_grad_norm_([p, q], 1.5)
    TENSORS["optim.clip.norm"] = norm.reshape(1)
    TENSORS["optim.clip.g"], TENSORS["optim.clip.h"] = p.grad.clone(), q.grad.clone()


def write_safetensors(path, tensors):
    dt = {torch.float32: "F32", torch.int64: "I64", torch.bool: "BOOL", torch.float64: "F64", torch.uint8: "U8"}
    header, blobs, off = {}, [], 0
    for k, t in tensors.items():
        b = t.detach().contiguous().numpy().tobytes()
        header[k] = {"dtype": dt[t.dtype], "shape": list(t.shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    h = json.dumps(header).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))
    os.replace(tmp, path)


def write_manifest(name, meta):
    """Writes HERE/name atomically (the JSON manifest beside a golden safetensors file)."""
    tmp = os.path.join(HERE, name + ".tmp")
    with open(tmp, "w") as f:
        json.dump(meta, f, indent=1)
    os.replace(tmp, os.path.join(HERE, name))


def main():
    elementwise(); reductions(); linalg(); conv(); norms(); indexing(); spatial(); losses(); attention()
    block_names = vit_block()
    optimizers()
    write_safetensors(os.path.join(HERE, "golden.safetensors"), TENSORS)
    write_manifest("golden.json", {"torch": torch.__version__, "cases": CASES, "vit_block_weights": block_names})
    print(f"wrote {len(CASES)} cases, {len(TENSORS)} tensors (torch {torch.__version__})")


if __name__ == "__main__":
    main()
