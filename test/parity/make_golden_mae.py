#!/usr/bin/env python3
"""Golden values of MAE pretraining (He et al. 2021), written here as plain PyTorch after MAE's
published formulas (independent of zooclip's code), for test/models/mae_golden.test.ts. Writes
test/parity/mae_golden.safetensors + mae_golden.json:
  masking   fixed noise [2, 16] -> ids_keep, ids_restore, mask (argsort of noise, keep int(L*(1-r)))
            for mask ratios 0.75 and 0.6
  forward   fixed images [2, 3, 16, 16] and small fixed weights of a 1-block ViT encoder (width 8,
            patch 4) and a 1-block decoder (width 12, 3 heads): the encoder on the visible patches,
            the unshuffled decoder input, the predicted patches, the patchified target, and the
            masked MSE loss with and without per-patch normalised targets (+ its gradient w.r.t. pred)
Run with /usr/bin/python3 (Debian's python3-torch)."""
import os, sys
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from make_golden import write_manifest, write_safetensors  # noqa: E402  (one writer for every golden file)

torch.manual_seed(20261206)
T = {}
B, IMG, P, DE, DD, HE, HD, EMBED = 2, 16, 4, 8, 12, 2, 3, 4
L = (IMG // P) ** 2


def masking(noise, ratio):
    keep = int(noise.shape[1] * (1 - ratio))
    ids_shuffle = torch.argsort(noise, dim=1)
    ids_restore = torch.argsort(ids_shuffle, dim=1)
    mask = torch.ones(noise.shape)
    mask[:, :keep] = 0
    return ids_shuffle[:, :keep], ids_restore, torch.gather(mask, 1, ids_restore)


def w(*shape, scale=0.3):
    return (torch.randn(*shape, dtype=torch.float64) * scale).float()


def block_weights(prefix, d):
    return {f"{prefix}ln_1.weight": 1 + w(d, scale=0.1), f"{prefix}ln_1.bias": w(d, scale=0.1),
            f"{prefix}attn.in_proj_weight": w(3 * d, d), f"{prefix}attn.in_proj_bias": w(3 * d, scale=0.1),
            f"{prefix}attn.out_proj.weight": w(d, d), f"{prefix}attn.out_proj.bias": w(d, scale=0.1),
            f"{prefix}ln_2.weight": 1 + w(d, scale=0.1), f"{prefix}ln_2.bias": w(d, scale=0.1),
            f"{prefix}mlp.c_fc.weight": w(4 * d, d), f"{prefix}mlp.c_fc.bias": w(4 * d, scale=0.1),
            f"{prefix}mlp.c_proj.weight": w(d, 4 * d), f"{prefix}mlp.c_proj.bias": w(d, scale=0.1)}


def block(x, p, prefix, heads):
    d = x.shape[-1]
    ln = lambda t, n: F.layer_norm(t, (d,), p[f"{prefix}{n}.weight"], p[f"{prefix}{n}.bias"], 1e-5)
    h = ln(x, "ln_1")
    a, _ = F.multi_head_attention_forward(h.transpose(0, 1), h.transpose(0, 1), h.transpose(0, 1), d, heads,
                                          p[f"{prefix}attn.in_proj_weight"], p[f"{prefix}attn.in_proj_bias"], None, None, False, 0.0,
                                          p[f"{prefix}attn.out_proj.weight"], p[f"{prefix}attn.out_proj.bias"], need_weights=False)
    x = x + a.transpose(0, 1)
    m = F.linear(F.gelu(F.linear(ln(x, "ln_2"), p[f"{prefix}mlp.c_fc.weight"], p[f"{prefix}mlp.c_fc.bias"])),
                 p[f"{prefix}mlp.c_proj.weight"], p[f"{prefix}mlp.c_proj.bias"])
    return x + m


def encoder(images, ids_keep, p):
    x = F.conv2d(images, p["conv1.weight"], stride=P).flatten(2).transpose(1, 2)  # [B, L, DE]
    x = x + p["positional_embedding"][1:]
    x = torch.gather(x, 1, ids_keep.unsqueeze(-1).repeat(1, 1, DE))
    cls = (p["class_embedding"] + p["positional_embedding"][0]).expand(x.shape[0], 1, DE)
    x = torch.cat([cls, x], 1)
    x = F.layer_norm(x, (DE,), p["ln_pre.weight"], p["ln_pre.bias"], 1e-5)
    x = block(x, p, "transformer.resblocks.0.", HE)
    return F.layer_norm(x, (DE,), p["ln_post.weight"], p["ln_post.bias"], 1e-5)


def decoder_input(x, mask_token, ids_restore):
    mask_tokens = mask_token.reshape(1, 1, -1).repeat(x.shape[0], ids_restore.shape[1] + 1 - x.shape[1], 1)
    x_ = torch.cat([x[:, 1:, :], mask_tokens], dim=1)
    x_ = torch.gather(x_, 1, ids_restore.unsqueeze(-1).repeat(1, 1, x.shape[2]))
    return torch.cat([x[:, :1, :], x_], dim=1)


def decoder(latent, ids_restore, p):
    x = F.linear(latent, p["decoder_embed.weight"], p["decoder_embed.bias"])
    x = decoder_input(x, p["mask_token"], ids_restore) + p["decoder_pos_embed"]
    x = block(x, p, "decoder_blocks.resblocks.0.", HD)
    x = F.layer_norm(x, (DD,), p["decoder_norm.weight"], p["decoder_norm.bias"], 1e-5)
    return F.linear(x, p["decoder_pred.weight"], p["decoder_pred.bias"])[:, 1:, :]


def patchify(imgs):
    h = imgs.shape[2] // P
    x = imgs.reshape(imgs.shape[0], 3, h, P, h, P)
    x = torch.einsum("nchpwq->nhwpqc", x)
    return x.reshape(imgs.shape[0], h * h, P * P * 3)


def mae_loss(pred, target, mask, norm_pix):
    if norm_pix:
        mean = target.mean(dim=-1, keepdim=True)
        var = target.var(dim=-1, keepdim=True)
        target = (target - mean) / (var + 1.e-6) ** .5
    loss = ((pred - target) ** 2).mean(dim=-1)
    return (loss * mask).sum() / mask.sum()


def main():
    noise = torch.rand(B, L, dtype=torch.float64)
    T["noise"] = noise
    for name, ratio in [("r75", 0.75), ("r60", 0.6)]:
        T[f"{name}.ids_keep"], T[f"{name}.ids_restore"], T[f"{name}.mask"] = masking(noise, ratio)
    images = w(B, 3, IMG, IMG, scale=1.0)
    enc = {"conv1.weight": w(DE, 3, P, P), "class_embedding": w(DE), "positional_embedding": w(L + 1, DE),
           "ln_pre.weight": 1 + w(DE, scale=0.1), "ln_pre.bias": w(DE, scale=0.1), **block_weights("transformer.resblocks.0.", DE),
           "ln_post.weight": 1 + w(DE, scale=0.1), "ln_post.bias": w(DE, scale=0.1), "proj": w(DE, EMBED)}
    dec = {"decoder_embed.weight": w(DD, DE), "decoder_embed.bias": w(DD, scale=0.1), "mask_token": w(DD), "decoder_pos_embed": w(L + 1, DD),
           **block_weights("decoder_blocks.resblocks.0.", DD), "decoder_norm.weight": 1 + w(DD, scale=0.1), "decoder_norm.bias": w(DD, scale=0.1),
           "decoder_pred.weight": w(P * P * 3, DD), "decoder_pred.bias": w(P * P * 3, scale=0.1)}
    T.update({f"enc.{k}": v for k, v in enc.items()})
    T.update({f"dec.{k}": v for k, v in dec.items()})
    T["images"] = images
    ids_keep, ids_restore, mask = T["r75.ids_keep"], T["r75.ids_restore"], T["r75.mask"]
    latent = encoder(images, ids_keep, enc)
    T["latent"] = latent
    mt = w(DE)  # the unshuffle alone, with a mask token of the encoder's width
    T["unshuffle_mask_token"] = mt
    T["decoder_input"] = decoder_input(latent, mt, ids_restore)
    pred = decoder(latent, ids_restore, dec).detach().requires_grad_()
    T["pred"] = pred.detach()
    target = patchify(images)
    T["target"] = target
    loss = mae_loss(pred, target, mask, True)
    loss.backward()
    T["loss_norm"] = loss.detach().reshape(1)
    T["loss_norm.grad"] = pred.grad.clone()
    T["loss_plain"] = mae_loss(pred.detach(), target, mask, False).reshape(1)
    write_safetensors(os.path.join(HERE, "mae_golden.safetensors"), {k: v.detach().contiguous() for k, v in T.items()})
    write_manifest("mae_golden.json", {"torch": torch.__version__, "batch": B, "image_size": IMG, "patch": P, "encoder_width": DE, "encoder_heads": HE,
                                       "decoder_width": DD, "decoder_heads": HD, "embed_dim": EMBED, "ratios": {"r75": 0.75, "r60": 0.6}})


if __name__ == "__main__":
    main()
