// A captioner on disk: a folder with captioner.json (the config) and model.safetensors, written
// atomically (writeFolderAtomic), so a crash leaves the old folder or the new one, never half.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic, writeFolderAtomic } from '../../io/atomic.js';
import { saveSafetensors } from '../../io/safetensors.js';
import { parseCaptionerConfig } from './config.js';
import { CoCaCaptioner } from './model.js';
import { loadModuleWeights } from '../../nn/module_weights.js';

/** File names inside a captioner folder. */
export const CAPTIONER_CONFIG_FILE = 'captioner.json';
export const CAPTIONER_WEIGHTS_FILE = 'model.safetensors';

/**
 * Writes model to the folder `dir` atomically (replacing what was there).
 * @example saveCaptioner(model, 'runs/cap/captioner')
 */
export function saveCaptioner(model: CoCaCaptioner, dir: string): void {
  writeFolderAtomic(dir, (tmp) => {
    writeFileAtomic(join(tmp, CAPTIONER_CONFIG_FILE), JSON.stringify(model.cfg, null, 2) + '\n');
    saveSafetensors(join(tmp, CAPTIONER_WEIGHTS_FILE), model.stateDict(), { format: 'pt', kind: 'zooclip-captioner' });
  });
}

/**
 * Loads a captioner folder (strict: the config is validated and every weight must match).
 * @example const model = loadCaptioner('runs/cap/captioner').eval();
 */
export function loadCaptioner(dir: string, device = 'cpu'): CoCaCaptioner {
  const cfgPath = join(dir, CAPTIONER_CONFIG_FILE), weights = join(dir, CAPTIONER_WEIGHTS_FILE);
  if (!existsSync(cfgPath)) throw new Error(`captioner ${dir}: no ${CAPTIONER_CONFIG_FILE} (not a captioner folder?)`);
  if (!existsSync(weights)) throw new Error(`captioner ${dir}: no ${CAPTIONER_WEIGHTS_FILE}`);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(cfgPath, 'utf8'));
  } catch (e) {
    throw new Error(`${cfgPath}: not valid JSON (${(e as Error).message})`);
  }
  const model = new CoCaCaptioner(parseCaptionerConfig(raw, cfgPath));
  loadModuleWeights(model, weights);
  return device === 'cpu' ? model : model.to(device);
}
