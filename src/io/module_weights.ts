// Loading a safetensors file into a module strictly: every key must match by name and shape;
// errors name the file; the loaded tensors are freed either way.
import { noGrad } from '../engine/index.js';
import type { Module } from '../nn/module.js';
import { loadSafetensors } from './safetensors.js';

/**
 * Loads `file` into `module` (strict). On failure the module is disposed and the error names the file.
 * @example const model = loadModuleWeights(new DenseModel(tower, head), 'expert/model.safetensors');
 */
export function loadModuleWeights<M extends Module>(module: M, file: string): M {
  const st = loadSafetensors(file);
  try {
    noGrad(() => module.loadStateDict(st.tensors, { strict: true }));
  } catch (e) {
    module.dispose();
    throw new Error(`${file}: ${(e as Error).message}`);
  } finally {
    for (const t of st.tensors.values()) t.dispose();
  }
  return module;
}
