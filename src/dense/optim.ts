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

/** Settings of denseOptimizer. */
export interface DenseOptimOptions {
  lr: number;
  weightDecay: number;
  /** Finetune: the tower's lr / the head's (default 0.1). */
  towerLrScale?: number;
  /** Finetune: layer-wise lr decay of the tower (BEiT/MAE style; 1 = off, the default). */
  layerDecay?: number;
}

const EARLY = /(^|\.)(class_embedding|positional_embedding|conv1|ln_pre|stem|patch_embed)(\.|$)/;
const NUMBERED = /\.(resblocks|stages)\.(\d+)\./;

/**
 * Layer-wise lr scales of a tower's parameters: the embedding/stem is layer 0, block (ViT resblock
 * or MCi stage) i is layer i + 1, what follows the last block (final norm, projection, head) is
 * the top; a parameter at layer l gets decay^(top - l), so the top trains at full lr.
 * @example layerDecayScales(['visual.conv1.weight', 'visual.transformer.resblocks.0.attn.in_proj_weight', 'visual.proj'], 0.5) // [0.25, 0.5, 1]
 */
export function layerDecayScales(names: readonly string[], decay: number): number[] {
  if (!(decay > 0 && decay <= 1)) throw new Error(`dense optimizer: layerDecay must be in (0, 1], got ${decay}`);
  const numbered = names.map((n) => NUMBERED.exec(n)?.[2]);
  const top = Math.max(-1, ...numbered.filter((x) => x !== undefined).map(Number)) + 2;
  return names.map((n, i) => {
    const layer = numbered[i] !== undefined ? Number(numbered[i]) + 1 : EARLY.test(n) ? 0 : top;
    return decay ** (top - layer);
  });
}

/** Parameter groups of one module: decayed / non-decayed, split further by lr scale. */
function scaledGroups(m: Module, prefix: string, scale: number, layerDecay: number, weightDecay: number): { params: Tensor[]; names: string[]; wd: number; scale: number }[] {
  const out: { params: Tensor[]; names: string[]; wd: number; scale: number }[] = [];
  const [decayed, notDecayed] = splitDecay(m.namedParameters(prefix));
  for (const [list, wd] of [[decayed, weightDecay], [notDecayed, 0]] as const) {
    const scales = layerDecay < 1 ? layerDecayScales(list.map(([n]) => n), layerDecay) : list.map(() => 1);
    for (const s of [...new Set(scales)]) {
      const picked = list.filter((_, i) => scales[i] === s);
      if (picked.length) out.push({ params: picked.map(([, p]) => p), names: picked.map(([n]) => n), wd, scale: scale * s });
    }
  }
  return out;
}

/**
 * AdamW for a mode; `towerLrScale` multiplies the tower's lr (finetune), ignored for probes, and
 * `layerDecay` < 1 lowers it further per layer from the top down (finetune only).
 * @example const { opt, scales } = denseOptimizer(model, 'finetune', { lr: 1e-3, weightDecay: 0.05, towerLrScale: 0.1, layerDecay: 0.75 });
 */
export function denseOptimizer(model: DenseModel, mode: DenseMode, o: DenseOptimOptions): DenseOptimizer {
  const parts: [Module, string, number, number][] = [[model.head, 'head.', 1, 1]];
  if (mode !== 'probe') parts.unshift([model.visual, 'visual.', mode === 'finetune' ? o.towerLrScale ?? 0.1 : 1, mode === 'finetune' ? o.layerDecay ?? 1 : 1]);
  const groups: { params: Tensor[]; names: string[]; hyper: { weightDecay?: number } }[] = [], scales: number[] = [];
  for (const [m, prefix, scale, decay] of parts) {
    for (const g of scaledGroups(m, prefix, scale, decay, o.weightDecay)) {
      groups.push({ params: g.params, names: g.names, hyper: { weightDecay: g.wd } });
      scales.push(g.scale);
    }
  }
  const opt = new AdamW(groups, { lr: o.lr, weightDecay: o.weightDecay, beta1: 0.9, beta2: 0.999, eps: 1e-8 });
  return { opt, scales, params: groups.flatMap((g) => g.params) };
}

/** Sets each group's lr to `lr` times its scale. */
export function setDenseLr(d: DenseOptimizer, lr: number): void {
  d.opt.groups.forEach((g, i) => { g.hyper.lr = lr * d.scales[i]!; });
}
