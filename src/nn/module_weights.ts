// Loading a safetensors file into a module strictly: every key must match by name, shape and dtype
// (lossless casts aside) and floats must be finite; errors name the file; the loaded tensors are
// freed either way.
import { noGrad } from '../engine/index.js';
import type { Module } from './module.js';
import type { FiniteOptions } from './load_check.js';
import { loadSafetensors } from '../io/safetensors.js';

/**
 * Loads `file` into `module` (strict about keys, shapes and dtypes; NaN/Inf refused unless
 * `allowNonFinite`, see Module.loadStateDict). On failure the module is disposed and the error
 * names the file.
 * @example const model = loadModuleWeights(new DenseModel(tower, head), 'expert/model.safetensors');
 */
export function loadModuleWeights<M extends Module>(module: M, file: string, o: FiniteOptions = {}): M {
  const st = loadSafetensors(file);
  try {
    noGrad(() => module.loadStateDict(st.tensors, { strict: true, allowNonFinite: o.allowNonFinite }));
  } catch (e) {
    module.dispose();
    throw new Error(`${file}: ${(e as Error).message}`);
  } finally {
    for (const t of st.tensors.values()) t.dispose();
  }
  return module;
}
