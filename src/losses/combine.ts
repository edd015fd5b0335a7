// Weighted sum of the training objective's parts, with every part's value read back for logging in
// one device-to-host copy per step.
import { stack, tidy, type Tensor } from '../engine/index.js';

/** One part of the objective: its (scalar) loss and weight. */
export interface LossPart { loss: Tensor; weight: number }

export interface CombineOptions {
  /** More scalars to read back in the same copy (sample counts, logit scale, ...). */
  extra?: Record<string, Tensor>;
  /** Read values back (one sync). Default true; false leaves `values` empty, e.g. between log steps. */
  read?: boolean;
}

/** The total to backpropagate and the plain numbers to log. */
export interface Combined {
  total: Tensor;
  /** Each part's unweighted loss by name, `total`, and the extras. */
  values: Record<string, number>;
}

/**
 * total = sum_k w_k L_k over the parts with w_k != 0 (a part with weight 0 is logged, not added, so
 * a NaN there cannot spread). All values come back in one copy of a stacked float32 vector, so a
 * CUDA step syncs once.
 * @example
 * const { total, values } = combineLosses({ contrastive: { loss: c, weight: 1 }, seg: { loss: s.loss, weight: 0.5 } },
 *   { extra: { seg_samples: s.count } });
 * total.backward();  // values: { contrastive: 2.1, seg: 0.7, total: 2.45, seg_samples: 12 }
 */
export function combineLosses(parts: Record<string, LossPart>, o: CombineOptions = {}): Combined {
  const names = Object.keys(parts);
  if (names.length === 0) throw new Error('combineLosses: no parts');
  if (names.includes('total')) throw new Error('combineLosses: "total" is reserved for the sum');
  return tidy(() => {
    let total: Tensor | null = null;
    for (const name of names) {
      const { loss, weight } = parts[name]!;
      if (loss.numel !== 1) throw new Error(`combineLosses: part '${name}' is [${loss.shape}], not a scalar`);
      if (!Number.isFinite(weight)) throw new Error(`combineLosses: part '${name}' has weight ${weight}`);
      if (weight === 0) continue;
      const term = loss.reshape([]).mul(weight);
      total = total ? total.add(term) : term;
    }
    total ??= parts[names[0]!]!.loss.reshape([]).mul(0);
    const values: Record<string, number> = {};
    if (o.read ?? true) {
      const extra = Object.entries(o.extra ?? {});
      const all = [...names.map((n) => parts[n]!.loss), total, ...extra.map(([, t]) => t)];
      const nums = stack(all.map((t) => t.detach().reshape([]).to('float32'))).toArray();
      [...names, 'total', ...extra.map(([k]) => k)].forEach((k, i) => { values[k] = nums[i]!; });
    }
    return { total, values };
  });
}
