// Parameter groups: per-group hyper-parameters, and the usual split into decayed and
// non-decayed parameters (norms, biases, embeddings, logit scale), as open_clip does.
import type { Tensor } from '../engine/tensor.js';

export interface ParamGroup<H> {
  params: Tensor[];
  /** Names, for error messages and state dicts (optional). */
  names?: string[];
  hyper: H;
}

/**
 * Splits named parameters: 1-d tensors (norm weights, biases, logit_scale) and embeddings get no
 * weight decay; everything else does.
 * @example const [decay, noDecay] = splitDecay(model.namedParameters());
 */
export function splitDecay(named: Iterable<[string, Tensor]>, noDecayPatterns: RegExp[] = [/embedding/, /\bbias$/, /logit_scale/, /(^|\.)ln_|norm/]): [[string, Tensor][], [string, Tensor][]] {
  const decay: [string, Tensor][] = [];
  const noDecay: [string, Tensor][] = [];
  for (const [name, p] of named) {
    if (p.ndim < 2 || noDecayPatterns.some((re) => re.test(name))) noDecay.push([name, p]);
    else decay.push([name, p]);
  }
  return [decay, noDecay];
}
