// CLIP: the image tower under `visual.` and the text tower at the root, as open_clip's CLIP,
// with a learnable logit scale initialised to log(1/0.07).
import { full, normalize, type Tensor } from '../engine/index.js';
import { Module } from '../nn/module.js';
import type { Embedding, LayerNorm } from '../nn/layers.js';
import { VisionTransformer, type VitConfig } from './vit.js';
import { encodeTextWith, initTextParts, type TextConfig } from './text_transformer.js';
import type { Transformer } from './transformer.js';

export interface ClipConfig { embedDim: number; vision: Omit<VitConfig, 'embedDim'>; text: Omit<TextConfig, 'embedDim'> }

export class CLIP extends Module {
  readonly positional_embedding: Tensor;
  readonly text_projection: Tensor;
  readonly logit_scale: Tensor;
  readonly visual: VisionTransformer;
  readonly transformer: Transformer;
  readonly token_embedding: Embedding;
  readonly ln_final: LayerNorm;
  readonly textCfg: TextConfig;
  constructor(readonly cfg: ClipConfig) {
    super();
    this.textCfg = { ...cfg.text, embedDim: cfg.embedDim };
    const text = initTextParts(this.textCfg);
    this.positional_embedding = this.param('positional_embedding', text.positional_embedding);
    this.text_projection = this.param('text_projection', text.text_projection);
    this.logit_scale = this.param('logit_scale', full([], Math.log(1 / 0.07)));
    this.visual = this.child('visual', new VisionTransformer({ ...cfg.vision, embedDim: cfg.embedDim }));
    this.transformer = this.child('transformer', text.transformer);
    this.token_embedding = this.child('token_embedding', text.token_embedding);
    this.ln_final = this.child('ln_final', text.ln_final);
  }
  encodeImage(images: Tensor, normalized = true): Tensor {
    const f = this.visual.forward(images);
    return normalized ? normalize(f, 2, -1) : f;
  }
  encodeText(ids: Tensor, normalized = true): Tensor {
    const f = encodeTextWith(this, this.textCfg, ids);
    return normalized ? normalize(f, 2, -1) : f;
  }
  /** Normalised image and text features and the exponentiated logit scale. */
  forward(images: Tensor, ids: Tensor): { imageFeatures: Tensor; textFeatures: Tensor; logitScale: Tensor } {
    return { imageFeatures: this.encodeImage(images), textFeatures: this.encodeText(ids), logitScale: this.logit_scale.exp() };
  }
}
