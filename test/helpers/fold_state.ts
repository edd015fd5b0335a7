// Gives a reparameterisable tower non-trivial batch-norm statistics and layer scales, so a test of
// folding (train-time branches -> one conv) has something to fold.
import { noGrad, uniform_ } from '../../src/engine/index.js';
import { BatchNorm2d } from '../../src/nn/layers.js';
import type { Module } from '../../src/nn/module.js';

/** Random BN running stats and affine parameters, and layer scales (`gamma`) in [0.1, 1]. */
export function randomizeFoldedState(m: Module): void {
  noGrad(() => {
    for (const [, mod] of m.namedModules()) {
      if (!(mod instanceof BatchNorm2d)) continue;
      uniform_(mod.running_mean, -0.5, 0.5);
      uniform_(mod.running_var, 0.5, 1.5);
      uniform_(mod.weight, 0.5, 1.5);
      uniform_(mod.bias, -0.2, 0.2);
    }
    for (const [k, p] of m.namedParameters()) if (k.endsWith('gamma')) uniform_(p, 0.1, 1);
  });
}
