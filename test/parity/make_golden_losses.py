#!/usr/bin/env python3
"""Regenerates test/parity/losses_golden.safetensors + losses_golden.json: inputs, the loss values
and the gradients of the first output w.r.t. the inputs, for every training loss zooclip has,
written here as plain PyTorch formulas (independent of zooclip's code). Run with Debian's python3-torch:
    /usr/bin/python3 test/parity/make_golden_losses.py
test/losses/losses_parity.test.ts replays each case by name."""
import json, os, sys
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from make_golden import write_manifest, write_safetensors  # noqa: E402  (the same writer as the op goldens)

torch.manual_seed(20240511)
CASES, TENSORS = [], {}


def r(*shape):
    return torch.randn(*shape, dtype=torch.float64).float()


def unit(*shape):
    return F.normalize(r(*shape), dim=-1)


def case(name, fn, inputs, grads, args=None):
    """inputs: list of tensors; `grads` indexes the ones that get gradients of output 0."""
    ins = [x.clone().requires_grad_(i in grads) for i, x in enumerate(inputs)]
    out = fn(*ins)
    outs = list(out) if isinstance(out, (tuple, list)) else [out]
    outs[0].backward()
    for i, x in enumerate(inputs):
        TENSORS[f"{name}.in{i}"] = x
    for i, o in enumerate(outs):
        TENSORS[f"{name}.out{i}"] = o.detach().reshape(())
    for i in grads:
        TENSORS[f"{name}.grad{i}"] = ins[i].grad
    CASES.append({"name": name, "inputs": len(inputs), "outputs": len(outs), "grads": list(grads), "args": args or {}})


# ---- contrastive -------------------------------------------------------------------------------
def clip_ref(img, txt, s, all_img=None, all_txt=None, rank=0):
    ai = img if all_img is None else all_img
    at = txt if all_txt is None else all_txt
    labels = torch.arange(img.shape[0]) + rank * img.shape[0]
    return (F.cross_entropy(s * img @ at.T, labels) + F.cross_entropy(s * txt @ ai.T, labels)) / 2


def siglip_ref(img, txt, s, b, all_txt=None, rank=0):
    cols = txt if all_txt is None else all_txt
    n, m = img.shape[0], cols.shape[0]
    z = -torch.ones(n, m)
    z[torch.arange(n), torch.arange(n) + rank * n] = 1
    return -F.logsigmoid(z * (s * img @ cols.T + b)).sum() / n


def contrastive():
    s = torch.tensor(14.0)
    case("clip", clip_ref, [unit(6, 8), unit(6, 8), s], [0, 1, 2])
    il, tl, ai, at = unit(3, 8), unit(3, 8), unit(9, 8), unit(9, 8)
    case("clip_local", lambda i, t, a, b, s: clip_ref(i, t, s, a, b, rank=1), [il, tl, ai, at, s], [0, 1, 2, 3, 4], {"rank": 1})
    case("siglip", siglip_ref, [unit(6, 8), unit(6, 8), torch.tensor(10.0), torch.tensor(-3.0)], [0, 1, 2, 3])
    case("siglip_local", lambda i, t, s, b: siglip_ref(i, None, s, b, all_txt=t, rank=2), [il, at, torch.tensor(10.0), torch.tensor(-3.0)],
         [0, 1, 2, 3], {"rank": 2})
    case("multi_caption", lambda i, tr, ts, s: clip_ref(i, tr, s) + 0.5 * clip_ref(i, ts, s), [unit(5, 8), unit(5, 8), unit(5, 8), s], [0, 1, 2, 3])


# ---- distillation ------------------------------------------------------------------------------
def teacher_probs(rows, cols, t, scale=100.0):
    d = rows.shape[1] // t
    ps = [F.softmax(scale * F.normalize(rows[:, k * d:(k + 1) * d], dim=1) @ F.normalize(cols[:, k * d:(k + 1) * d], dim=1).T, dim=1)
          for k in range(t)]
    return sum(ps) / t


def soft_ce(p, logits):
    return -(p * F.log_softmax(logits, dim=1)).sum(1).mean()


def distill_ref(img, txt, s, ti, tt, t, all_img=None, all_txt=None, all_ti=None, all_tt=None):
    ai = img if all_img is None else all_img
    at = txt if all_txt is None else all_txt
    ati = ti if all_ti is None else all_ti
    att = tt if all_tt is None else all_tt
    return (soft_ce(teacher_probs(ti, att, t), s * img @ at.T) + soft_ce(teacher_probs(tt, ati, t), s * txt @ ai.T)) / 2


def distillation():
    s = torch.tensor(20.0)
    img, txt = unit(6, 8), unit(6, 8)
    # teacher embeddings: a shared component keeps the scale-100 softmax soft (max prob ~0.6-0.9),
    # so the values depend on the teacher scale and on how the teachers are averaged
    common = 4 * r(1, 10)
    base = r(6, 10) + common
    ti, tt = base + 0.3 * r(6, 10), base + 0.3 * r(6, 10)
    case("distill", lambda i, t, s, a, b: distill_ref(i, t, s, a, b, 2), [img, txt, s, ti, tt], [0, 1, 2], {"numTeachers": 2})
    case("distill_one_teacher", lambda i, t, s, a, b: distill_ref(i, t, s, a, b, 1), [img, txt, s, ti, tt], [0, 1, 2], {"numTeachers": 1})
    il, tl, ai, at = unit(3, 8), unit(3, 8), unit(9, 8), unit(9, 8)
    gb = r(9, 10) + common
    gti, gtt = gb + 0.3 * r(9, 10), gb + 0.3 * r(9, 10)
    case("distill_local", lambda i, t, a, b, s, x, y, gx, gy: distill_ref(i, t, s, x, y, 2, a, b, gx, gy),
         [il, tl, ai, at, s, gti[3:6], gtt[3:6], gti, gtt], [0, 1, 2, 3, 4], {"numTeachers": 2})
    # DataCompDR: real + synthetic captions, weights [0.25, 0.75]
    syn = unit(6, 8)
    ts = base + 0.3 * r(6, 10)

    def dr(i, tr, tsyn, s, ti, ttr, ttsyn):
        c = clip_ref(i, tr, s) + clip_ref(i, tsyn, s)
        d = distill_ref(i, tr, s, ti, ttr, 2) + distill_ref(i, tsyn, s, ti, ttsyn, 2)
        return 0.25 * c + 0.75 * d, c, d
    case("datacompdr", dr, [img, txt, syn, s, ti, tt, ts], [0, 1, 2, 3], {"weights": [0.25, 0.75], "numTeachers": 2})


# ---- pseudo-task losses ------------------------------------------------------------------------
def segmentation():
    logits = r(3, 4, 5, 6)
    tgt = torch.randint(0, 4, (3, 5, 6))
    tgt[0, 0, :] = 255
    tgt[0, 2, 3] = 255
    tgt[1] = 77  # an unselected sample's labels are never read
    mask = torch.tensor([True, False, True])
    case("seg", lambda x, t, m: F.cross_entropy(x[m], t[m], ignore_index=255), [logits, tgt, mask], [0])


def silog_ref(pred, gt, m, lam=0.85, use_sqrt=False, scale=1.0):
    vals = []
    for i in range(pred.shape[0]):
        v = gt[i] > 0
        if not m[i] or not v.any():
            continue
        d = torch.log(pred[i][v]) - torch.log(gt[i][v])
        di = (d ** 2).mean() - lam * d.mean() ** 2
        vals.append(scale * torch.sqrt(di) if use_sqrt else scale * di)
    return torch.stack(vals).mean()


def depth():
    pred = torch.rand(4, 1, 5, 6) * 4 + 0.2
    gt = (pred.detach() * torch.exp(0.3 * r(4, 1, 5, 6)) * 1.5)
    gt[0, 0, 0, :] = 0
    gt[1, 0, 2:4, 1:5] = 0
    gt[3] = 0  # selected but without a single valid pixel: left out of the mean
    gt[2, 0, 0, 0] = -1  # unselected and negative: never read
    mask = torch.tensor([True, True, False, True])
    case("depth_silog", lambda p, g, m: silog_ref(p, g, m), [pred, gt, mask], [0])
    case("depth_silog_sqrt", lambda p, g, m: silog_ref(p, g, m, 0.5, True, 10.0), [pred, gt, mask], [0], {"lambda": 0.5, "sqrt": True, "scale": 10})


def normals():
    pred = r(3, 3, 5, 6)
    tgt = F.normalize(r(3, 3, 5, 6), dim=1)
    tgt[0, :, 1, :] = 0
    tgt[2, :, 3:, 2:] = 0
    mask = torch.tensor([True, False, True])

    def ref(p, t, m):
        p, t = p[m], t[m]
        valid = t.norm(dim=1) > 0.5
        cos = (F.normalize(p, dim=1) * F.normalize(t, dim=1)).sum(1)
        return (1 - cos)[valid].mean()
    case("normals", ref, [pred, tgt, mask], [0])


def centernet_targets(b, k, h, w):
    """A few gaussian peaks (exactly 1 at centers) with sizes and offsets; image 1 has no objects."""
    hm, size, off, cm = torch.zeros(b, k, h, w), torch.zeros(b, 2, h, w), torch.zeros(b, 2, h, w), torch.zeros(b, 1, h, w)
    ys, xs = torch.meshgrid(torch.arange(h).float(), torch.arange(w).float(), indexing="ij")
    objs = {0: [(0, 2, 3, 1.0), (2, 5, 6, 1.5), (2, 6, 1, 0.8)], 2: [(1, 4, 4, 1.2)]}
    for i, lst in objs.items():
        for c, y, x, sigma in lst:
            g = torch.exp(-((xs - x) ** 2 + (ys - y) ** 2) / (2 * sigma ** 2))
            hm[i, c] = torch.maximum(hm[i, c], g)
            size[i, :, y, x] = torch.rand(2) * 5 + 1
            off[i, :, y, x] = torch.rand(2)
            cm[i, 0, y, x] = 1
    return hm, size, off, cm


def centernet():
    b, k, h, w = 3, 4, 8, 8
    hm_t, size_t, off_t, cm = centernet_targets(b, k, h, w)
    logits, size_p, off_p = r(b, k, h, w) * 2 - 2, r(b, 2, h, w) + 2, r(b, 2, h, w)
    mask = torch.tensor([True, True, False])

    def ref(hl, sp, op, ht, st, ot, cmask, m):
        hl, sp, op, ht, st, ot, cmask = hl[m], sp[m], op[m], ht[m], st[m], ot[m], cmask[m]
        p = torch.clamp(torch.sigmoid(hl), 1e-4, 1 - 1e-4)
        pos = ht.eq(1).float()
        neg = ht.lt(1).float()
        pos_loss = (torch.log(p) * (1 - p) ** 2 * pos).sum()
        neg_loss = (torch.log(1 - p) * p ** 2 * (1 - ht) ** 4 * neg).sum()
        n = pos.sum()
        hm = -neg_loss if n == 0 else -(pos_loss + neg_loss) / n
        m2 = cmask.expand_as(sp)
        sz = F.l1_loss(sp * m2, st * m2, reduction="sum") / (m2.sum() + 1e-4)
        of = F.l1_loss(op * m2, ot * m2, reduction="sum") / (m2.sum() + 1e-4)
        return hm + 0.1 * sz + of, hm, sz, of
    case("centernet", ref, [logits, size_p, off_p, hm_t, size_t, off_t, cm, mask], [0, 1, 2])


# ---- the trainer's objective --------------------------------------------------------------------
def trainer_total():
    """src/stages/train/step.ts trainObjective in multi-caption mode with distillation and three task
    heads: sum over caption sets k of w_k (w_c C_k + w_d D_k), plus sum_t h_t L_t."""
    wc, wd, wr, ws, hs, hd, hn = 0.25, 0.75, 1.0, 0.5, 1.0, 0.5, 0.3
    img, tr, tsyn, s = unit(6, 8), unit(6, 8), unit(6, 8), torch.tensor(20.0)
    common = 4 * r(1, 10)
    base = r(6, 10) + common
    ti, ttr, tts = base + 0.3 * r(6, 10), base + 0.3 * r(6, 10), base + 0.3 * r(6, 10)
    seg, seg_t = r(6, 4, 5, 6), torch.randint(0, 4, (6, 5, 6))
    seg_t[0, 0, :] = 255
    seg_m = torch.tensor([True, False, True, True, False, True])
    dp = torch.rand(6, 1, 5, 6) * 4 + 0.2
    dg = dp * torch.exp(0.3 * r(6, 1, 5, 6)) * 1.5
    dg[2, 0, 1, :] = 0
    dm = torch.tensor([True, True, False, True, True, False])
    npred, nt = r(6, 3, 5, 6), F.normalize(r(6, 3, 5, 6), dim=1)
    nt[1, :, 2, :] = 0
    nm = torch.tensor([False, True, True, True, False, True])

    def normals_ref(p, t, m):
        p, t = p[m], t[m]
        valid = t.norm(dim=1) > 0.5
        return (1 - (F.normalize(p, dim=1) * F.normalize(t, dim=1)).sum(1))[valid].mean()

    def total(i, a, b, s, x, ya, yb, sl, st, sm, dpr, dgt, dmk, npr, ntg, nmk):
        cr, cs = clip_ref(i, a, s), clip_ref(i, b, s)
        dr, ds = distill_ref(i, a, s, x, ya, 2), distill_ref(i, b, s, x, yb, 2)
        ls = F.cross_entropy(sl[sm], st[sm], ignore_index=255)
        ld, ln = silog_ref(dpr, dgt, dmk), normals_ref(npr, ntg, nmk)
        t = wr * (wc * cr + wd * dr) + ws * (wc * cs + wd * ds) + hs * ls + hd * ld + hn * ln
        return t, cr, cs, dr, ds, ls, ld, ln
    case("trainer_total", total, [img, tr, tsyn, s, ti, ttr, tts, seg, seg_t, seg_m, dp, dg, dm, npred, nt, nm], [0, 1, 2, 3, 7, 10, 13],
         {"sets": [f"loss.contrastive={wc}", f"loss.distill={wd}", f"loss.realWeight={wr}", f"loss.syntheticWeight={ws}", "loss.numTeachers=2",
                   f"heads.seg={hs}", f"heads.depth={hd}", f"heads.normals={hn}", "heads.segClasses=4"]})


def main():
    contrastive(); distillation(); segmentation(); depth(); normals(); centernet(); trainer_total()
    write_safetensors(os.path.join(HERE, "losses_golden.safetensors"), TENSORS)
    write_manifest("losses_golden.json", {"torch": torch.__version__, "cases": CASES})
    print(f"wrote {len(CASES)} loss cases, {len(TENSORS)} tensors (torch {torch.__version__})")


if __name__ == "__main__":
    main()
