// The optimiser of a dense model by mode: the head alone (probe: the tower stays frozen), or tower
// and head with the tower's learning rate scaled (finetune: e.g. 0.1; expert: 1). AdamW groups
// split decayed / non-decayed parameters, each group carrying its lr scale.
import { AdamW } from '../optim/adamw.js';
import { splitDecay } from '../optim/param_groups.js';
import type { Module } from '../nn/module.js';
import type { Tensor } from '../engine/index.js';
import type { DenseModel } from './model.js';

/** How a dense model trains. */
export type DenseMode = 'expert' | 'probe' | 'finetune';

/** AdamW over the trainable parameters, with a learning-rate scale per group. */
export interface DenseOptimizer { opt: AdamW; scales: number[]; params: Tensor[] }

/**
 * AdamW for a mode; `towerLrScale` multiplies the tower's lr (finetune), ignored for probes.
 * @example const { opt, scales } = denseOptimizer(model, 'finetune', { lr: 1e-3, weightDecay: 0.05, towerLrScale: 0.1 });
 */
export function denseOptimizer(model: DenseModel, mode: DenseMode, o: { lr: number; weightDecay: number; towerLrScale?: number }): DenseOptimizer {
  const parts: [Module, string, number][] = [[model.head, 'head.', 1]];
  if (mode !== 'probe') parts.unshift([model.visual, 'visual.', mode === 'finetune' ? o.towerLrScale ?? 0.1 : 1]);
  const groups: { params: Tensor[]; names: string[]; hyper: { weightDecay?: number } }[] = [], scales: number[] = [];
  for (const [m, prefix, scale] of parts) {
    const [decay, noDecay] = splitDecay(m.namedParameters(prefix));
    for (const [list, wd] of [[decay, o.weightDecay], [noDecay, 0]] as const) {
      if (!list.length) continue;
      groups.push({ params: list.map(([, p]) => p), names: list.map(([n]) => n), hyper: { weightDecay: wd } });
      scales.push(scale);
    }
  }
  const opt = new AdamW(groups, { lr: o.lr, weightDecay: o.weightDecay, beta1: 0.9, beta2: 0.999, eps: 1e-8 });
  return { opt, scales, params: groups.flatMap((g) => g.params) };
}

/** Sets each group's lr to `lr` times its scale. */
export function setDenseLr(d: DenseOptimizer, lr: number): void {
  d.opt.groups.forEach((g, i) => { g.hyper.lr = lr * d.scales[i]!; });
}
