// SGD with momentum and Nesterov, the update of torch.optim.SGD, one native call per group.
import { native } from '../engine/native.js';
import type { Tensor } from '../engine/tensor.js';
import { type GroupInput, Optimizer } from './optimizer.js';

export interface SGDHyper {
  lr: number;
  momentum: number;
  dampening: number;
  weightDecay: number;
  nesterov: boolean;
}

/**
 * SGD with momentum, dampening, Nesterov and weight decay, as torch.optim.SGD (one fused native step).
 * @example const opt = new SGD([{ params: head.parameters() }], { lr: 0.1, momentum: 0.9 });
 */
export class SGD extends Optimizer<SGDHyper> {
  constructor(params: Tensor[] | GroupInput<SGDHyper>[], defaults: Partial<SGDHyper> = {}) {
    const d = { lr: 0.01, momentum: 0, dampening: 0, weightDecay: 0, nesterov: false, ...defaults };
    if (d.nesterov && (d.momentum <= 0 || d.dampening !== 0)) throw new Error('SGD: nesterov needs momentum > 0 and dampening 0');
    super(params, d, d.momentum > 0 ? ['momentum_buffer'] : []);
  }

  step(): void {
    for (const g of this.groups) {
      g.step += 1;
      const h = g.hyper;
      native.sgdStep(g.ids, g.stateIds.momentum_buffer ?? [], h.lr, h.momentum, h.dampening, h.weightDecay, h.nesterov, g.step);
    }
  }
}
