// A stack of residual attention blocks (open_clip's Transformer: keys resblocks.N.*), with
// optional gradient checkpointing per block.
import { checkpoint, type Tensor } from '../engine/index.js';
import { Module, ModuleList } from '../nn/module.js';
import { ResidualAttentionBlock } from '../nn/attention.js';

export class Transformer extends Module {
  readonly resblocks: ModuleList<ResidualAttentionBlock>;
  /** Recompute each block in backward instead of storing its activations. */
  gradCheckpointing = false;
  constructor(readonly width: number, readonly layers: number, readonly heads: number, mlpRatio = 4) {
    super();
    const blocks = Array.from({ length: layers }, () => new ResidualAttentionBlock(width, heads, mlpRatio));
    this.resblocks = this.child('resblocks', new ModuleList(blocks));
  }
  forward(x: Tensor, o: { mask?: Tensor | null; causal?: boolean } = {}): Tensor {
    for (const block of this.resblocks.items) {
      x = this.gradCheckpointing && this.training
        ? (checkpoint((h) => block.forward(h, o), x) as Tensor)
        : block.forward(x, o);
    }
    return x;
  }
}
