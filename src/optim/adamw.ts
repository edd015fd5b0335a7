// AdamW (decoupled weight decay), the update of torch.optim.AdamW, one native call per group.
import { native } from '../engine/native.js';
import type { Tensor } from '../engine/tensor.js';
import { type GroupInput, Optimizer } from './optimizer.js';

export interface AdamWHyper {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
}

/**
 * @example
 * const [decay, noDecay] = splitDecay(model.namedParameters());
 * const opt = new AdamW([{ params: decay.map(([, p]) => p) }, { params: noDecay.map(([, p]) => p), hyper: { weightDecay: 0 } }], { lr: 1e-3, weightDecay: 0.2, beta2: 0.95 });
 */
export class AdamW extends Optimizer<AdamWHyper> {
  constructor(params: Tensor[] | GroupInput<AdamWHyper>[], defaults: Partial<AdamWHyper> = {}) {
    super(params, { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01, ...defaults }, ['exp_avg', 'exp_avg_sq']);
  }

  step(): void {
    for (const g of this.groups) {
      g.step += 1;
      const h = g.hyper;
      native.adamwStep(g.ids, g.stateIds.exp_avg as number[], g.stateIds.exp_avg_sq as number[], h.lr, h.beta1, h.beta2, h.eps, h.weightDecay, g.step);
    }
  }
}
