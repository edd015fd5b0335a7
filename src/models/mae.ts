// MAE pretraining's model parts (He et al. 2021): per-sample random patch masking with the same
// number of visible patches in every sample (argsort of noise), and the light decoder that puts a
// learned mask token at every masked position, unshuffles, and predicts each patch's pixels.
// The decoder is training state only: it lives under `mae_decoder.` and never leaves zooclip.
import { argsort, cat, empty, normal_, tensor, type Tensor } from '../engine/index.js';
import { Module } from '../nn/module.js';
import { LayerNorm, Linear } from '../nn/layers.js';
import { Rng } from '../data/loader/rng.js';
import { Transformer } from './transformer.js';
import type { VisionTransformer } from './vit.js';

/** Which patches a sample keeps: int64 ids [B, K] of the visible ones, the inverse permutation [B, L], and mask [B, L] (1 = masked). */
export interface PatchMasking { idsKeep: Tensor; idsRestore: Tensor; mask: Tensor }

/**
 * Visible patches per sample: floor(patches * (1 - maskRatio)), as MAE's int(); at least 1.
 * @example keptPatches(64, 0.75) // 16
 */
export function keptPatches(patches: number, maskRatio: number): number {
  const keep = Math.trunc(patches * (1 - maskRatio));
  if (!(maskRatio >= 0 && maskRatio < 1) || keep < 1) throw new Error(`MAE: mask ratio ${maskRatio} leaves no visible patch of ${patches}`);
  return keep;
}

/**
 * MAE's random masking from noise [B, L]: patches sorted by their noise, the first K kept
 * (ids_keep), ids_restore the inverse of that order, mask 1 where a patch is dropped.
 * @example const { idsKeep, idsRestore, mask } = randomMasking(maskingNoise(2, 64, [0, 5, 0]), 0.75); // idsKeep [2, 16]
 */
export function randomMasking(noise: Tensor, maskRatio: number): PatchMasking {
  if (noise.ndim !== 2) throw new Error(`randomMasking: noise must be [B, L], got [${noise.shape}]`);
  const keep = keptPatches(noise.size(1), maskRatio);
  const idsShuffle = argsort(noise, 1);
  const idsRestore = argsort(idsShuffle, 1);
  const idsKeep = idsShuffle.slice(1, 0, keep);
  // a patch is masked when its place in the shuffled order is at or beyond K
  const mask = idsRestore.ge(keep).to('float32');
  return { idsKeep, idsRestore, mask };
}

/**
 * Uniform noise [B, L] (float64, CPU) drawn from `seed` alone (e.g. [run seed, step, micro-batch]),
 * so a run's masks do not depend on the global generator and a resumed run draws the same ones.
 * @example const noise = maskingNoise(16, 64, [cfg.run.seed, step, micro]);
 */
export function maskingNoise(batch: number, patches: number, seed: readonly number[]): Tensor {
  const rng = new Rng(...seed, 0x3a5e);
  const values = new Float64Array(batch * patches);
  for (let i = 0; i < values.length; i++) values[i] = rng.next();
  return tensor(values, { shape: [batch, patches] });
}

/**
 * The decoder's input order: the encoded class token, then for every patch position its encoded
 * token when visible or the mask token when masked. x [B, 1 + K, D], maskToken [D], idsRestore [B, L] -> [B, 1 + L, D].
 * @example const full = unshuffleTokens(encoded, decoder.mask_token, masking.idsRestore);
 */
export function unshuffleTokens(x: Tensor, maskToken: Tensor, idsRestore: Tensor): Tensor {
  const [b, n, d] = x.shape as [number, number, number];
  const l = idsRestore.size(1);
  if (n - 1 > l) throw new Error(`unshuffleTokens: ${n - 1} visible tokens but only ${l} patch positions`);
  const masked = maskToken.view([1, 1, d]).expand([b, l - (n - 1), d]);
  const shuffled = cat([x.slice(1, 1, null), masked], 1);
  const restored = shuffled.gather(1, idsRestore.unsqueeze(-1).expand([b, l, d]));
  return cat([x.slice(1, 0, 1), restored], 1);
}

/** The decoder's size. */
export interface MaeDecoderCfg {
  /** Width of the encoder tokens it reads. */
  encoderWidth: number;
  /** Decoder width, blocks and attention heads. */
  width: number;
  depth: number;
  heads: number;
  /** Patches per image (L) and the patch side in pixels. */
  patches: number;
  patchSize: number;
}

/**
 * MAE's light decoder: encoder tokens projected to its width (decoder_embed), mask tokens at the
 * masked positions, learned position embeddings, transformer blocks, a norm and a linear
 * prediction of each patch's p*p*3 pixels.
 * @example const dec = new MaeDecoder({ encoderWidth: 128, width: 64, depth: 1, heads: 2, patches: 64, patchSize: 8 });
 */
export class MaeDecoder extends Module {
  readonly decoder_embed: Linear;
  readonly mask_token: Tensor;
  readonly decoder_pos_embed: Tensor;
  readonly decoder_blocks: Transformer;
  readonly decoder_norm: LayerNorm;
  readonly decoder_pred: Linear;
  constructor(readonly cfg: MaeDecoderCfg) {
    super();
    const { width, depth, heads, patches, patchSize } = cfg;
    if (!(width > 0 && depth > 0 && heads > 0 && width % heads === 0)) throw new Error(`MaeDecoder: width ${width} must be a positive multiple of heads ${heads}, depth ${depth} >= 1`);
    this.decoder_embed = this.child('decoder_embed', new Linear(cfg.encoderWidth, width));
    this.mask_token = this.param('mask_token', normal_(empty([width]), 0, 0.02));
    this.decoder_pos_embed = this.param('decoder_pos_embed', normal_(empty([patches + 1, width]), 0, 0.02));
    this.decoder_blocks = this.child('decoder_blocks', new Transformer(width, depth, heads));
    this.decoder_norm = this.child('decoder_norm', new LayerNorm(width));
    this.decoder_pred = this.child('decoder_pred', new Linear(width, patchSize * patchSize * 3));
  }

  /** Encoded tokens [B, 1 + K, encoderWidth] and ids_restore [B, L] -> predicted patches [B, L, p*p*3]. */
  forward(latent: Tensor, idsRestore: Tensor): Tensor {
    if (idsRestore.size(1) !== this.cfg.patches) throw new Error(`MaeDecoder: ids_restore covers ${idsRestore.size(1)} patches, the decoder ${this.cfg.patches}`);
    const x = unshuffleTokens(this.decoder_embed.forward(latent), this.mask_token, idsRestore).add(this.decoder_pos_embed);
    const out = this.decoder_pred.forward(this.decoder_norm.forward(this.decoder_blocks.forward(x)));
    return out.slice(1, 1, null);
  }
}

/**
 * The decoder a ViT tower needs for MAE pretraining (its width, grid and patch size).
 * @example const dec = maeDecoderFor(model.visual as VisionTransformer, { width: 64, depth: 1, heads: 2 });
 */
export function maeDecoderFor(vit: VisionTransformer, size: { width: number; depth: number; heads: number }): MaeDecoder {
  return new MaeDecoder({ ...size, encoderWidth: vit.cfg.width, patches: vit.grid * vit.grid, patchSize: vit.cfg.patch_size });
}

/**
 * One MAE forward: the encoder sees only the kept patches (plus the class token), the decoder
 * predicts every patch. Returns the prediction [B, L, p*p*3].
 * @example const pred = maeReconstruct(vit, decoder, images, randomMasking(noise, 0.75));
 */
export function maeReconstruct(vit: VisionTransformer, decoder: MaeDecoder, images: Tensor, m: PatchMasking): Tensor {
  return decoder.forward(vit.forwardVisible(images, m.idsKeep), m.idsRestore);
}
