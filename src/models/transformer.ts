// A stack of residual attention blocks (open_clip's Transformer: keys resblocks.N.*), with
// optional gradient checkpointing per block and per-block outputs for dense heads.
import { checkpoint, type Tensor } from '../engine/index.js';
import { Module, ModuleList } from '../nn/module.js';
import { type BlockOptions, ResidualAttentionBlock } from '../nn/attention.js';

export class Transformer extends Module {
  readonly resblocks: ModuleList<ResidualAttentionBlock>;
  /** Recompute each block in backward instead of storing its activations. */
  gradCheckpointing = false;
  constructor(readonly width: number, readonly layers: number, readonly heads: number, o: BlockOptions = {}) {
    super();
    const blocks = Array.from({ length: layers }, () => new ResidualAttentionBlock(width, heads, o));
    this.resblocks = this.child('resblocks', new ModuleList(blocks));
  }
  /** Runs the blocks; `collect` receives each block's output (for forwardIntermediates). */
  forward(x: Tensor, o: { mask?: Tensor | null; causal?: boolean } = {}, collect?: (i: number, x: Tensor) => void): Tensor {
    this.resblocks.items.forEach((block, i) => {
      x = this.gradCheckpointing && this.training
        ? (checkpoint((h) => block.forward(h, o), x) as Tensor)
        : block.forward(x, o);
      collect?.(i, x);
    });
    return x;
  }
}
