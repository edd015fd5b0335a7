// A CoCa-style captioner: any zooclip image tower gives image tokens (its last feature map,
// flattened), LayerNorm + a linear map bring them to the decoder's width, and the text decoder
// predicts the caption token by token. Trained with captioning cross-entropy and, optionally,
// CoCa's contrastive loss between the tower's pooled embedding and the text-only decoder features.
import { arange, argmax, crossEntropy, cumsum, empty, full, index, nonzero, normal_, normalize, type Tensor } from '../../engine/index.js';
import { Module } from '../../nn/module.js';
import { LayerNorm, Linear } from '../../nn/layers.js';
import { buildImageTower } from '../tower_registry.js';
import type { ImageTower } from '../tower.js';
import { clipLoss } from '../../losses/contrastive.js';
import { towerConfig, type CaptionerCfg } from './config.js';
import { TextDecoder } from './decoder.js';

/** CLIP BPE special ids. */
export const START_TOKEN = 49406;
export const END_TOKEN = 49407;
export const PAD_TOKEN = 0;

/** What the image side hands the decoder. */
export interface ImageFeatures {
  /** Projected image tokens [B, N, width]. */
  tokens: Tensor;
  /** The tower's pooled embedding [B, embed_dim] (only when the contrastive loss is on). */
  pooled: Tensor | null;
}

/** Loss parts of a batch: the weighted total (on the graph) and each part as a number. */
export interface CaptionerLoss {
  total: Tensor;
  values: { total: number; caption: number; contrastive?: number };
}

export class CoCaCaptioner extends Module implements Disposable {
  readonly visual: ImageTower & Module;
  readonly img_ln: LayerNorm;
  readonly img_proj: Linear;
  readonly decoder: TextDecoder;
  readonly text_ln: LayerNorm | null;
  readonly text_projection: Tensor | null;
  readonly logit_scale: Tensor | null;
  readonly imageSize: number;
  constructor(readonly cfg: CaptionerCfg) {
    super();
    this.visual = this.child('visual', buildImageTower(towerConfig(cfg)));
    this.imageSize = this.visual.imageSize;
    const channels = this.visual.featureInfo().at(-1)!.channels, w = cfg.decoder_cfg.width;
    this.img_ln = this.child('img_ln', new LayerNorm(channels));
    this.img_proj = this.child('img_proj', new Linear(channels, w));
    this.decoder = this.child('decoder', new TextDecoder(cfg.decoder_cfg));
    const contrastive = cfg.contrastive_loss_weight > 0;
    this.text_ln = contrastive ? this.child('text_ln', new LayerNorm(w)) : null;
    this.text_projection = contrastive ? this.param('text_projection', normal_(empty([w, cfg.embed_dim]), 0, w ** -0.5)) : null;
    this.logit_scale = contrastive ? this.param('logit_scale', full([], Math.log(1 / 0.07))) : null;
  }

  /** Images [B, 3, S, S] (normalised) -> projected image tokens, and the pooled embedding when `pooled`. */
  encodeImage(images: Tensor, pooled = false): ImageFeatures {
    const r = this.visual.forwardIntermediates(images, { indices: 1, format: 'NCHW', intermediatesOnly: !pooled });
    const map = r.intermediates[0]!;
    const tokens = map.flatten(2).transpose(1, 2);
    return { tokens: this.img_proj.forward(this.img_ln.forward(tokens)), pooled: pooled ? r.output : null };
  }

  /**
   * Final decoder features [B, L, width] for token rows [B, L] (teacher forcing; decoder.logits
   * maps them to the vocabulary), and the text-only features the contrastive embedding reads.
   */
  forwardText(tokens: Tensor, image: Tensor): { features: Tensor; unimodal: Tensor } {
    const unimodal = this.decoder.forwardUnimodal(tokens);
    return { features: this.decoder.forwardMultimodal(unimodal, this.decoder.imageKv(image)), unimodal };
  }

  /** The contrastive text embedding: unimodal features at the end token (the largest id), LayerNorm, projection. */
  textEmbedding(tokens: Tensor, unimodal: Tensor): Tensor {
    const rows = arange(tokens.size(0), undefined, 1, { device: tokens.device });
    const at = index(unimodal, [rows, argmax(tokens, -1)]);
    return this.text_ln!.forward(at).matmul(this.text_projection!);
  }

  /**
   * The training objective on images [B, 3, S, S] and CLIP token rows [B, context] (start, ids,
   * end, zero padding): cross-entropy of each next token up to and including the end token, plus
   * the weighted contrastive loss when configured.
   * @example const { total, values } = model.loss(batch.images, batch.tokens); total.backward();
   */
  loss(images: Tensor, tokens: Tensor): CaptionerLoss {
    const c = this.cfg;
    const img = this.encodeImage(images, c.contrastive_loss_weight > 0);
    const { features, unimodal } = this.forwardText(tokens, img.tokens);
    const l = tokens.size(1) - 1, w = c.decoder_cfg.width;
    // A position predicts while its input has not reached the end token: positions after it are
    // padding, left out before the (costly) vocabulary projection.
    const live = cumsum(tokens.narrow(1, 0, l).eq(END_TOKEN).to('int64'), 1).eq(0).reshape([-1]);
    const rows = nonzero(live).reshape([-1]);
    const targets = this.decoder.targetClasses(tokens.narrow(1, 1, l).reshape([-1]).indexSelect(0, rows));
    const logits = this.decoder.logits(features.narrow(1, 0, l).reshape([-1, w]).indexSelect(0, rows));
    // Targets outside output_ids (-100) cannot be predicted and are left out.
    const caption = crossEntropy(logits, targets, { ignoreIndex: -100 });
    let total = caption.mul(c.caption_loss_weight);
    let contrastive: Tensor | null = null;
    if (c.contrastive_loss_weight > 0) {
      const text = normalize(this.textEmbedding(tokens, unimodal), 2, -1);
      const image = normalize(img.pooled!, 2, -1);
      contrastive = clipLoss(image, text, this.logit_scale!.clamp(0, Math.log(100)).exp());
      total = total.add(contrastive.mul(c.contrastive_loss_weight));
    }
    const values: CaptionerLoss['values'] = { total: total.item(), caption: caption.item() };
    if (contrastive) values.contrastive = contrastive.item();
    return { total, values };
  }

  /** Frees the weights (`using model = ...` works too). */
  [Symbol.dispose](): void {
    this.dispose();
  }

  /** A random input of the right shape, for smoke tests. */
  dummyInput(batch = 2): Tensor {
    return this.visual.dummyInput(batch);
  }
}
