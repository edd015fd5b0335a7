// CLIP: the image tower under `visual.`; the text tower at the root (open_clip's CLIP) or under
// `text.` for custom_text configs (open_clip's CustomTextCLIP); a learnable logit scale
// initialised to log(1/0.07), and a logit bias when the config asks for one (SigLIP).
import { full, normalize, randint, type Tensor } from '../engine/index.js';
import { Module } from '../nn/module.js';
import type { Embedding, LayerNorm, Linear } from '../nn/layers.js';
import { TextTransformer, encodeTextWith, makeTextParts, type TextParts } from './text_transformer.js';
import type { Transformer } from './transformer.js';
import { type ClipCfg, getModelConfig, parseClipConfig } from './config.js';
import { buildImageTower } from './tower_registry.js';
import type { ImageTower } from './tower.js';
import { registerMciTowers } from './mci/register.js';
import type { DenseHeads, DenseOutputs } from './heads/dense_heads.js';
import type { MaeDecoder } from './mae.js';

/**
 * A CLIP model in open_clip's layout (visual tower, text tower, logit scale; state-dict keys as
 * open_clip's), with optional dense heads on the image tower.
 * @example
 * const model = createModel('zooclip-tiny');
 * const sim = noGrad(() => model.encodeImage(images).matmul(model.encodeText(tokenize(['a red cube'])).t()));
 */
export class CLIP extends Module {
  readonly visual: ImageTower & Module;
  readonly text: TextTransformer | null;
  readonly logit_scale: Tensor;
  readonly logit_bias: Tensor | null;
  private readonly textParts: TextParts;
  constructor(readonly cfg: ClipCfg) {
    super();
    ensureBuiltinTowers();
    const act = cfg.quick_gelu ? 'quick_gelu' : 'gelu';
    if (cfg.custom_text) {
      this.logit_scale = this.param('logit_scale', full([], cfg.init_logit_scale));
      this.logit_bias = cfg.init_logit_bias === null ? null : this.param('logit_bias', full([], cfg.init_logit_bias));
      this.visual = this.child('visual', buildImageTower(cfg));
      this.text = this.child('text', new TextTransformer(cfg.text_cfg, cfg.embed_dim, act));
      this.textParts = this.text;
    } else {
      // open_clip's CLIP: parameters of the text tower at the root, in its order.
      const p = makeTextParts(cfg.text_cfg, cfg.embed_dim, act);
      const positional = this.param('positional_embedding', p.positional_embedding);
      const projection = this.param('text_projection', p.text_projection);
      this.logit_scale = this.param('logit_scale', full([], cfg.init_logit_scale));
      this.logit_bias = cfg.init_logit_bias === null ? null : this.param('logit_bias', full([], cfg.init_logit_bias));
      this.visual = this.child('visual', buildImageTower(cfg));
      const transformer = this.child('transformer', p.transformer);
      const tokenEmbedding = this.child('token_embedding', p.token_embedding);
      const lnFinal = this.child('ln_final', p.ln_final);
      this.text = null;
      this.textParts = { token_embedding: tokenEmbedding as Embedding, positional_embedding: positional, transformer: transformer as Transformer,
        ln_final: lnFinal as LayerNorm, text_projection: projection };
    }
  }

  /** Pseudo-task heads, registered under `dense_heads.` (dropped on open_clip export). */
  denseHeads: DenseHeads | null = null;
  /** Feature levels (forwardIntermediates indices) the dense heads read. */
  denseIndices: number[] = [];

  /** Attaches dense heads fed by the image tower's intermediates at `indices` (default: the last level). */
  attachDenseHeads(heads: DenseHeads, indices: number[] = [-1]): void {
    if (this.denseHeads) throw new Error('CLIP: dense heads are already attached');
    this.denseHeads = this.child('dense_heads', heads);
    this.denseIndices = indices;
  }

  /** MAE's pixel decoder while pretraining with objective mae, under `mae_decoder.` (training state: dropped on export and by evaluation loaders). */
  maeDecoder: MaeDecoder | null = null;

  /** Attaches MAE's decoder (call before the optimizer is made, so it trains, checkpoints and resumes with the model). */
  attachMaeDecoder(decoder: MaeDecoder): void {
    if (this.maeDecoder) throw new Error('CLIP: an MAE decoder is already attached');
    this.maeDecoder = this.child('mae_decoder', decoder);
  }

  /** The supervised objective's label head over the image embedding, under `label_head.` (training state: dropped on open_clip export and by evaluation loads). */
  labelHead: Linear | null = null;

  /** Attaches the supervised objective's label head (logits = head(encodeImage(images, false))). */
  attachLabelHead(head: Linear): void {
    if (this.labelHead) throw new Error('CLIP: a label head is already attached');
    this.labelHead = this.child('label_head', head);
  }

  /** One image-tower pass giving the normalised embedding and every dense head's output. */
  encodeImageDense(images: Tensor): { imageFeatures: Tensor; dense: DenseOutputs } {
    if (!this.denseHeads) throw new Error('CLIP: no dense heads attached (attachDenseHeads)');
    const { output, intermediates } = this.visual.forwardIntermediates(images, { indices: this.denseIndices });
    const size: [number, number] = [images.size(2), images.size(3)];
    return { imageFeatures: normalize(output!, 2, -1), dense: this.denseHeads.forward(intermediates, size) };
  }

  /** The text tower's transformer (for gradient checkpointing and the like). */
  get textTransformer(): Transformer {
    return this.textParts.transformer;
  }

  encodeImage(images: Tensor, normalized = true): Tensor {
    const f = this.visual.forward(images);
    return normalized ? normalize(f, 2, -1) : f;
  }
  encodeText(ids: Tensor, normalized = true): Tensor {
    const f = encodeTextWith(this.textParts, this.cfg.text_cfg, ids);
    return normalized ? normalize(f, 2, -1) : f;
  }
  /** Normalised image and text features, the exponentiated logit scale (and the bias, if any). */
  forward(images: Tensor, ids: Tensor): { imageFeatures: Tensor; textFeatures: Tensor; logitScale: Tensor; logitBias: Tensor | null } {
    return { imageFeatures: this.encodeImage(images), textFeatures: this.encodeText(ids), logitScale: this.logit_scale.exp(), logitBias: this.logit_bias };
  }
  /** Image-text logits [B_img, B_txt] = scale * I T^T (+ bias). */
  logits(images: Tensor, ids: Tensor): Tensor {
    const o = this.forward(images, ids);
    const l = o.imageFeatures.matmul(o.textFeatures.transpose(0, 1)).mul(o.logitScale);
    return o.logitBias ? l.add(o.logitBias) : l;
  }
  /** Random inputs of the right shapes for smoke tests: images and token ids. */
  dummyInput(batch = 2): { images: Tensor; ids: Tensor } {
    const t = this.cfg.text_cfg;
    return { images: this.visual.dummyInput(batch), ids: randint(1, t.vocab_size, [batch, t.context_length]) };
  }
}

let builtinsRegistered = false;
/** Registers the built-in non-ViT towers (MCi) on first use rather than at import. */
function ensureBuiltinTowers(): void {
  if (builtinsRegistered) return;
  registerMciTowers();
  builtinsRegistered = true;
}

export { registerImageTower, buildImageTower } from './tower_registry.js';

/**
 * A CLIP model from a built-in name, a config JSON path or a config object.
 * @example const model = createModel('ViT-B-16');
 */
export function createModel(spec: string | ClipCfg | Record<string, unknown>): CLIP {
  const cfg = typeof spec === 'string' ? getModelConfig(spec) : 'vision_cfg' in spec && 'quick_gelu' in spec && 'preprocess_cfg' in spec ? (spec as ClipCfg) : parseClipConfig(spec, 'config object');
  return new CLIP(cfg);
}
