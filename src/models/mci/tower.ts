// The MCi image tower (MobileCLIP's FastViT-style hybrid): a MobileOne stem (stride 4), four
// stages (RepMixer x3, attention; widths C1..C4 at strides 4..32), a final grouped 3x3 MobileOne
// conv to 2*C4 with squeeze-excite, global average pool and a linear projection. Keys are timm's
// fastvit_mci* keys: stem.N, stages.N, final_conv, head.fc. Fewer stages (2 or 3) keep the same
// pattern (RepMixer stages, then one attention stage at the end; squeeze-excite in the last two
// downsamplers) at a smaller total stride, so small inputs keep a spatial map at the last level.
import { randn, type Tensor } from '../../engine/index.js';
import { Module, ModuleList } from '../../nn/module.js';
import { Linear } from '../../nn/layers.js';
import { type FeatureInfo, type ImageTower, type Intermediates, type IntermediatesOptions, resolveIndices } from '../tower.js';
import { initSmall } from './layers.js';
import { MobileOneBlock } from './mobileone.js';
import { FastVitStage } from './stage.js';

export interface MciConfig {
  /** Blocks per stage (2 to 4 stages; MCi0/1/2 have 4). */
  depths: readonly number[];
  /** Channels per stage (as many as depths). */
  widths: readonly number[];
  /** MLP hidden width over block width. */
  mlpRatio: number;
  /** Output embedding width (the CLIP projection). */
  embedDim: number;
  /** Square input side; a multiple of the total stride (32 for four stages, 16 for three, 8 for two). */
  imageSize: number;
}

/** Global average pool then fc (timm's ClassifierHead with pool 'avg': key head.fc). */
export class PoolProjectHead extends Module {
  readonly fc: Linear;
  constructor(inFeatures: number, outFeatures: number) {
    super();
    this.fc = this.child('fc', new Linear(inFeatures, outFeatures));
    initSmall(this.fc);
  }
  forward(x: Tensor): Tensor {
    return this.fc.forward(x.mean([2, 3]));
  }
}

/** MCi image tower: images [B, 3, S, S] -> embeddings [B, embedDim]. */
export class MciTower extends Module implements ImageTower {
  readonly stem: ModuleList<MobileOneBlock>;
  readonly stages: ModuleList<FastVitStage>;
  readonly final_conv: MobileOneBlock;
  readonly head: PoolProjectHead;
  readonly imageSize: number;
  constructor(readonly cfg: MciConfig) {
    super();
    checkConfig(cfg);
    this.imageSize = cfg.imageSize;
    const c0 = cfg.widths[0]!, last = cfg.widths.length - 1;
    this.stem = this.child('stem', new ModuleList([
      new MobileOneBlock(3, c0, 3, { stride: 2 }),
      new MobileOneBlock(c0, c0, 3, { stride: 2, groups: c0 }),
      new MobileOneBlock(c0, c0, 1),
    ]));
    let prev = c0;
    const stages = cfg.widths.map((c, i) => {
      const s = new FastVitStage({
        inChannels: prev, outChannels: c, depth: cfg.depths[i]!, mixer: i === last ? 'attention' : 'repmixer',
        mlpRatio: cfg.mlpRatio, seDownsample: i >= last - 1 && i > 0, posEmb: i === last,
      });
      prev = c;
      return s;
    });
    this.stages = this.child('stages', new ModuleList(stages));
    this.final_conv = this.child('final_conv', new MobileOneBlock(prev, 2 * prev, 3, { groups: prev, se: true }));
    this.head = this.child('head', new PoolProjectHead(2 * prev, cfg.embedDim));
  }

  /** Recompute each block in backward (all stages) instead of storing activations. */
  get gradCheckpointing(): boolean {
    return this.stages.items.every((s) => s.gradCheckpointing);
  }
  set gradCheckpointing(on: boolean) {
    for (const s of this.stages.items) s.gradCheckpointing = on;
  }

  private checkInput(images: Tensor): void {
    if (images.ndim !== 4 || images.size(1) !== 3) throw new Error(`MciTower: expected images [B, 3, H, W], got [${images.shape}]`);
  }
  private runStem(images: Tensor): Tensor {
    this.checkInput(images);
    return this.stem.items.reduce((x, b) => b.forward(x), images);
  }
  private pooled(x: Tensor): Tensor {
    return this.head.forward(this.final_conv.forward(x));
  }

  /** Images [B, 3, H, W] -> embeddings [B, embedDim] (not normalised). */
  forward(images: Tensor): Tensor {
    return this.pooled(this.stages.items.reduce((x, s) => s.forward(x), this.runStem(images)));
  }

  /** Stage outputs (strides 4, 8, 16, 32 for MCi0/1/2) as NCHW maps or NLC token sequences [B, H*W, C]. */
  forwardIntermediates(images: Tensor, o: IntermediatesOptions = {}): Intermediates {
    const n = this.stages.items.length;
    const want = new Set(resolveIndices(o.indices, n));
    const stop = o.intermediatesOnly ? Math.max(...want) + 1 : n;
    const maps: Tensor[] = [];
    let x = this.runStem(images);
    for (let i = 0; i < stop; i++) {
      x = this.stages.items[i]!.forward(x);
      if (want.has(i)) maps.push(o.format === 'NLC' ? x.flatten(2).transpose(1, 2) : x);
    }
    return { output: o.intermediatesOnly ? null : this.pooled(x), intermediates: maps };
  }

  /** Channels and reduction of the stage outputs (reductions 4, 8, 16, 32 for four stages). */
  featureInfo(): FeatureInfo[] {
    return this.cfg.widths.map((channels, i) => ({ channels, reduction: 4 << i }));
  }
  /** Random images [batch, 3, S, S] on the tower's device. */
  dummyInput(batch = 2): Tensor {
    return randn([batch, 3, this.imageSize, this.imageSize], { device: this.head.fc.weight.device });
  }

  /** Folds every training-time branch (stem, downsamplers, RepMixers, CPE, final conv) into single convs. */
  reparameterize(): void {
    for (const [, c] of this.namedChildren()) reparameterizeTree(c);
  }
}

/** Checks stage counts, widths and that the input side is a multiple of the total stride. */
function checkConfig(cfg: MciConfig): void {
  const n = cfg.depths.length;
  if (n < 2 || n > 4 || cfg.widths.length !== n) throw new Error(`MciTower: depths [${cfg.depths}] and widths [${cfg.widths}] must list the same 2 to 4 stages`);
  // Each later stage downsamples with a conv grouped by its input width, and only then.
  if (cfg.widths.some((w, i) => i > 0 && (w === cfg.widths[i - 1] || w % cfg.widths[i - 1]! !== 0))) {
    throw new Error(`MciTower: widths [${cfg.widths}] must grow at every stage by a whole factor (stage downsamplers are grouped by the input width)`);
  }
  const stride = 4 << (n - 1);
  if (cfg.imageSize <= 0 || cfg.imageSize % stride !== 0) throw new Error(`MciTower: image size ${cfg.imageSize} is not a positive multiple of ${stride} (the total stride of ${n} stages)`);
}

/** Calls reparameterize() on the outermost modules that have one (each folds its own subtree). */
function reparameterizeTree(m: Module): void {
  const r = (m as Partial<{ reparameterize: () => void }>).reparameterize;
  if (typeof r === 'function') r.call(m);
  else for (const [, c] of m.namedChildren()) reparameterizeTree(c);
}
