// Model checkpoints in open_clip's layout: a folder with open_clip_config.json (architecture under
// model_cfg, preprocessing under preprocess_cfg) and open_clip_model.safetensors, which open_clip
// loads with `local-dir:`. Loading normalises foreign checkpoints (DDP `module.` prefixes,
// position embeddings of another grid size) and then loads strictly, naming every bad key.
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { cat, interpolate, noGrad, type Tensor } from '../engine/index.js';
import { CLIP } from './clip.js';
import { type ClipCfg, parseClipConfig, toOpenClipJson } from './config.js';
import type { LoadOptions, LoadReport, Module } from '../nn/module.js';
import { writeFileAtomic } from '../io/atomic.js';
import { loadSafetensors, saveSafetensors } from '../io/safetensors.js';
import { convertMobileClipStateDict, isMobileClipStateDict } from './mobileclip_keys.js';

export const CONFIG_FILE = 'open_clip_config.json';
export const WEIGHTS_FILE = 'open_clip_model.safetensors';
/** Keys under this prefix (zooclip's dense heads) never leave zooclip. */
export const DENSE_PREFIX = 'dense_heads.';
/** Keys under this prefix (MAE pretraining's pixel decoder) are training state only. */
export const MAE_DECODER_PREFIX = 'mae_decoder.';
/** Keys under this prefix (the supervised objective's label head) never leave zooclip either. */
export const LABEL_HEAD_PREFIX = 'label_head.';
/** Prefixes of the keys that training checkpoints hold but open_clip exports and evaluation loaders leave out. */
export const TRAINING_ONLY_PREFIXES: readonly string[] = [DENSE_PREFIX, MAE_DECODER_PREFIX, LABEL_HEAD_PREFIX];

/**
 * Whether a state-dict key is zooclip training state (dense heads, MAE's decoder, the label head), not part of the CLIP.
 * @example isTrainingOnlyKey('mae_decoder.mask_token') // true; isTrainingOnlyKey('visual.proj') // false
 */
export function isTrainingOnlyKey(key: string): boolean {
  return TRAINING_ONLY_PREFIXES.some((p) => key.startsWith(p));
}

/**
 * Writes `dir/open_clip_config.json` (model_cfg + the model's preprocess_cfg) and
 * `dir/open_clip_model.safetensors` (dense heads, MAE's decoder and the label head dropped): open_clip loads it with `local-dir:`.
 * @example saveOpenClip(model, 'runs/export'); // open_clip.create_model_and_transforms('local-dir:runs/export')
 */
export function saveOpenClip(model: CLIP, dir: string, preprocess: Record<string, unknown> = {}): void {
  mkdirSync(dir, { recursive: true });
  const sd = new Map([...model.stateDict()].filter(([k]) => !isTrainingOnlyKey(k)));
  saveSafetensors(join(dir, WEIGHTS_FILE), sd, { format: 'pt' });
  const config = {
    model_cfg: toOpenClipJson(model.cfg, { openClip: true }),
    preprocess_cfg: { ...model.cfg.preprocess_cfg, ...preprocess },
  };
  writeFileAtomic(join(dir, CONFIG_FILE), JSON.stringify(config, null, 2) + '\n');
}

/**
 * Reads the architecture of a checkpoint folder (model_cfg of open_clip_config.json with its
 * preprocess_cfg, or a bare config).
 * @example readCheckpointConfig('runs/export').embed_dim // 512
 */
export function readCheckpointConfig(dir: string): ClipCfg {
  const path = join(dir, CONFIG_FILE);
  if (!existsSync(path)) throw new Error(`${dir}: no ${CONFIG_FILE} (a zooclip/open_clip checkpoint folder has ${CONFIG_FILE} and ${WEIGHTS_FILE})`);
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  } catch (e) {
    throw new Error(`${path}: not valid JSON (${(e as Error).message})`);
  }
  if (!raw.model_cfg) return parseClipConfig(raw, path);
  // open_clip keeps the preprocessing beside the architecture; zooclip's config carries it inside.
  const cfg = raw.model_cfg as Record<string, unknown>;
  return parseClipConfig(raw.preprocess_cfg && !cfg.preprocess_cfg ? { ...cfg, preprocess_cfg: raw.preprocess_cfg } : cfg, `${path} model_cfg`);
}

/** Resizes a ViT position embedding [1 + g0^2, W] to [1 + g^2, W] (bicubic on the grid), as open_clip does on load. */
export function resizePosEmbed(pos: Tensor, grid: number): Tensor {
  return noGrad(() => {
    const [n, w] = pos.shape as [number, number];
    const g0 = Math.round(Math.sqrt(n - 1));
    if (g0 * g0 !== n - 1) throw new Error(`positional_embedding [${pos.shape}] is not a class token plus a square grid`);
    const gridPart = pos.slice(0, 1, null).reshape([1, g0, g0, w]).permute([0, 3, 1, 2]);
    const resized = interpolate(gridPart, { size: [grid, grid], mode: 'bicubic', alignCorners: false });
    return cat([pos.slice(0, 0, 1), resized.permute([0, 2, 3, 1]).reshape([grid * grid, w])], 0);
  });
}

/**
 * Makes a foreign state dict fit a model: strips `module.` (DDP) prefixes and resizes ViT position
 * embeddings to the model's grid. Returns the (possibly new) tensors; the caller owns them.
 */
export function normalizeStateDict(sd: Map<string, Tensor>, model: CLIP): Map<string, Tensor> {
  let out = new Map<string, Tensor>();
  for (const [k, t] of sd) out.set(k.startsWith('module.') ? k.slice(7) : k, t);
  if (isMobileClipStateDict(out)) out = convertMobileClipStateDict(out);
  const pos = out.get('visual.positional_embedding');
  const want = model.stateDict().get('visual.positional_embedding');
  if (pos && want && pos.shape[0] !== want.shape[0]) {
    const grid = Math.round(Math.sqrt((want.shape[0] as number) - 1));
    out.set('visual.positional_embedding', resizePosEmbed(pos, grid));
    pos.dispose();
  }
  return out;
}

/**
 * Loads safetensors weights into a model (normalised; strict about keys unless told otherwise;
 * always strict about dtypes and, unless `allowNonFinite`, finiteness: see Module.loadStateDict).
 * Errors name the file.
 * @example const report = loadWeightsInto(model, 'open_clip_model.safetensors', { strict: false });
 */
export function loadWeightsInto(model: CLIP, file: string, opts: LoadOptions = {}): LoadReport {
  const { tensors } = loadSafetensors(file);
  const sd = normalizeStateDict(tensors, model);
  try {
    return (model as Module).loadStateDict(sd, opts);
  } catch (e) {
    throw new Error(`${file}: ${(e as Error).message}`);
  } finally {
    for (const t of new Set([...sd.values(), ...tensors.values()])) t.dispose();
  }
}

/**
 * Loads a checkpoint folder (or a folder's weights into a given architecture).
 * @example const model = loadOpenClip('runs/demo/export');
 */
export function loadOpenClip(dir: string, opts: LoadOptions & { device?: string } = {}): CLIP {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new Error(`${dir}: not a checkpoint folder`);
  const model = new CLIP(readCheckpointConfig(dir));
  const weights = join(dir, WEIGHTS_FILE);
  if (!existsSync(weights)) throw new Error(`${dir}: no ${WEIGHTS_FILE}`);
  try {
    loadWeightsInto(model, weights, { strict: opts.strict, allowNonFinite: opts.allowNonFinite });
  } catch (e) {
    model.dispose();
    throw e;
  }
  return opts.device ? model.to(opts.device) : model;
}
