// A FastViT stage: optional stride-2 downsampler (PatchEmbed), optional conditional positional
// encoding (pos_emb), then the blocks. Keys: stages.N.downsample.proj.{0,1}, stages.N.pos_emb,
// stages.N.blocks.M, as timm's FastVitStage.
import { checkpoint, type Tensor } from '../../engine/index.js';
import { Module, ModuleList } from '../../nn/module.js';
import { AttentionBlock, RepMixerBlock } from './blocks.js';
import { RepConditionalPosEnc } from './cpe.js';
import { ReparamLargeKernelConv } from './large_kernel.js';
import { MobileOneBlock } from './mobileone.js';

/** 7x7 stride-2 large-kernel conv (groups = input channels) then a 1x1 MobileOne block. */
export class PatchEmbed extends Module {
  readonly proj: ModuleList<ReparamLargeKernelConv | MobileOneBlock>;
  private readonly down: ReparamLargeKernelConv;
  private readonly mix: MobileOneBlock;
  constructor(inChannels: number, outChannels: number, o: { se: boolean; kernel?: number }) {
    super();
    this.down = new ReparamLargeKernelConv(inChannels, outChannels, o.kernel ?? 7, { stride: 2, groups: inChannels, se: o.se });
    this.mix = new MobileOneBlock(outChannels, outChannels, 1);
    this.proj = this.child('proj', new ModuleList<ReparamLargeKernelConv | MobileOneBlock>([this.down, this.mix]));
  }
  forward(x: Tensor): Tensor {
    return this.mix.forward(this.down.forward(x));
  }
}

export interface StageOptions {
  inChannels: number;
  outChannels: number;
  depth: number;
  mixer: 'repmixer' | 'attention';
  mlpRatio: number;
  /** Squeeze-excite in the downsampler. */
  seDownsample: boolean;
  /** Conditional positional encoding after the downsampler. */
  posEmb: boolean;
}

/** Downsample (when the width changes), positional encoding, blocks. */
export class FastVitStage extends Module {
  readonly downsample: PatchEmbed | null;
  readonly pos_emb: RepConditionalPosEnc | null;
  readonly blocks: ModuleList<RepMixerBlock | AttentionBlock>;
  /**
   * Recompute each block in backward instead of storing its activations. As in timm, batch-norm
   * running statistics are then updated twice per step (forward and recompute).
   */
  gradCheckpointing = false;
  constructor(readonly o: StageOptions) {
    super();
    const c = o.outChannels;
    this.downsample = o.inChannels !== c ? this.child('downsample', new PatchEmbed(o.inChannels, c, { se: o.seDownsample })) : null;
    this.pos_emb = o.posEmb ? this.child('pos_emb', new RepConditionalPosEnc(c)) : null;
    const make = () => (o.mixer === 'attention' ? new AttentionBlock(c, o.mlpRatio) : new RepMixerBlock(c, o.mlpRatio));
    this.blocks = this.child('blocks', new ModuleList(Array.from({ length: o.depth }, make)));
  }
  forward(x: Tensor): Tensor {
    if (this.downsample) x = this.downsample.forward(x);
    if (this.pos_emb) x = this.pos_emb.forward(x);
    for (const b of this.blocks.items) {
      x = this.gradCheckpointing && this.training ? (checkpoint((h) => b.forward(h), x) as Tensor) : b.forward(x);
    }
    return x;
  }
}
