// Exponential moving average of a module's weights (parameters and persistent buffers), updated in
// place after each optimizer step, swapped into the module for evaluation without copies.
import { isFloating, keep, noGrad, type Tensor } from '../engine/index.js';
import type { Module } from '../nn/module.js';
import { loadProblems, type FiniteOptions } from '../nn/load_check.js';

export interface EMAOptions {
  /**
   * Warmup horizon h: the n-th update uses min(decay, (1 + n) / (h + n)), so early averages do not
   * remember the random init (TensorFlow's ExponentialMovingAverage with num_updates is h = 10).
   * Default 0: no warmup.
   */
  warmup?: number;
}

/** What stateDict() returns: the averaged tensors by state-dict key, and the update count. */
export interface EMAStateDict { tensors: Map<string, Tensor>; meta: { updates: number; decay: number; warmup: number } }

/**
 * ema <- d * ema + (1 - d) * w for every floating tensor of the module's state dict (one in-place
 * lerp per tensor: ema.lerp_(w, 1 - d)); integer buffers are copied. Create it after moving the
 * module to its device.
 * @example
 * const ema = new EMA(model, 0.999, { warmup: 10 });
 * opt.step(); ema.update();
 * ema.swapIn(); evaluate(model); ema.swapOut();
 */
export class EMA {
  readonly decay: number;
  readonly warmup: number;
  /** Updates applied so far. */
  updates = 0;
  private readonly keys: string[];
  private readonly live: Tensor[];
  private readonly shadow: Tensor[];
  private readonly floating: boolean[];
  private swapped = false;

  constructor(module: Module, decay: number, o: EMAOptions = {}) {
    if (!(decay >= 0 && decay <= 1)) throw new Error(`EMA: decay must be in [0, 1], got ${decay}`);
    this.warmup = o.warmup ?? 0;
    if (!(this.warmup >= 0)) throw new Error(`EMA: warmup must be >= 0, got ${this.warmup}`);
    this.decay = decay;
    const sd = module.stateDict();
    this.keys = [...sd.keys()];
    this.live = [...sd.values()];
    this.shadow = noGrad(() => this.live.map((t) => keep(t.detach().clone())));
    this.floating = this.live.map((t) => isFloating(t.dtype));
  }

  /** The decay the n-th update uses (n from 1): min(decay, (1 + n) / (warmup + n)) with warmup, else decay. */
  decayAt(n: number): number {
    return this.warmup > 0 ? Math.min(this.decay, (1 + n) / (this.warmup + n)) : this.decay;
  }

  /** Folds the module's current weights into the average; returns the decay used. */
  update(): number {
    if (this.swapped) throw new Error('EMA.update: the average is swapped into the module; swapOut() first');
    const d = this.decayAt(this.updates + 1);
    noGrad(() => {
      for (let i = 0; i < this.live.length; i++) {
        if (this.floating[i]) this.shadow[i]!.lerp_(this.live[i]!, 1 - d);
        else this.shadow[i]!.copy_(this.live[i]!);
      }
    });
    this.updates++;
    return d;
  }

  /** Puts the averaged weights into the module (and keeps its own aside), without copying data. */
  swapIn(): void {
    if (this.swapped) throw new Error('EMA.swapIn: already swapped in');
    this.exchange();
    this.swapped = true;
  }

  /** Gives the module its own weights back after swapIn(). */
  swapOut(): void {
    if (!this.swapped) throw new Error('EMA.swapOut: not swapped in');
    this.exchange();
    this.swapped = false;
  }

  /** Whether the average is currently in the module. */
  get isSwappedIn(): boolean {
    return this.swapped;
  }

  // Exchanges storage between each module tensor and its shadow; identities (and optimizer handles) stay.
  private exchange(): void {
    noGrad(() => {
      for (let i = 0; i < this.live.length; i++) {
        const own = this.live[i]!.detach();
        this.live[i]!.setData(this.shadow[i]!);
        this.shadow[i]!.setData(own);
        own.dispose();
      }
    });
  }

  /** Copies the averaged weights into another module with the same state-dict keys (e.g. for export). */
  copyTo(target: Module): void {
    if (this.swapped) throw new Error('EMA.copyTo: the average is swapped into the module; swapOut() first');
    target.loadStateDict(new Map(this.keys.map((k, i) => [k, this.shadow[i]!])));
  }

  /** The averaged tensors (shared, not copied) and the update count, for a checkpoint. */
  stateDict(): EMAStateDict {
    if (this.swapped) throw new Error('EMA.stateDict: the average is swapped into the module; swapOut() first');
    return { tensors: new Map(this.keys.map((k, i) => [k, this.shadow[i]!])), meta: { updates: this.updates, decay: this.decay, warmup: this.warmup } };
  }

  /**
   * Restores state saved by stateDict() (copies into the existing tensors). Every key must be
   * present with the module's shape and dtype (or a lossless cast, see LOSSLESS_CASTS) and, unless
   * `allowNonFinite`, hold no NaN/Inf; errors name the key, and nothing changes when a check fails.
   * @example ema.loadStateDict({ tensors: st.tensors, meta: JSON.parse(st.metadata.ema!) });
   */
  loadStateDict(sd: EMAStateDict, o: FiniteOptions = {}): void {
    if (this.swapped) throw new Error('EMA.loadStateDict: the average is swapped into the module; swapOut() first');
    const pairs: [string, Tensor, Tensor][] = this.keys.map((k, i) => {
      const src = sd.tensors.get(k);
      if (!src) throw new Error(`EMA state is missing '${k}'`);
      const dst = this.shadow[i]!;
      if (src.shape.join() !== dst.shape.join()) throw new Error(`EMA state '${k}' is [${src.shape}] but the module's is [${dst.shape}]`);
      return [`'${k}'`, src, dst];
    });
    const problems = loadProblems(pairs, o);
    if (problems.length) throw new Error(`EMA state: ${problems.join('; ')}`);
    noGrad(() => {
      for (const [, src, dst] of pairs) dst.copy_(src);
    });
    this.updates = sd.meta.updates;
  }

  /** Frees the averaged tensors (swap out first if swapped in). */
  dispose(): void {
    if (this.swapped) this.swapOut();
    for (const t of this.shadow) t.dispose();
  }
}
