// A model for evaluation from whatever the user points at: a training checkpoint folder
// (model.safetensors + state.json, EMA weights preferred when saved), a run folder (its newest
// checkpoint), an open_clip folder (open_clip_config.json + open_clip_model.safetensors), or a
// model config name / JSON path (random init: the "no pretraining" baseline). The image tower is
// then reparameterised (an MCi tower's MobileOne/RepMixer branches folded into single convs; a
// no-op for a ViT), so zero-shot, retrieval and probes all see the inference form.
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { manualSeed, noGrad, type Tensor } from '../engine/index.js';
import { createModel, type CLIP } from '../models/clip.js';
import { listModels } from '../models/config.js';
import { loadSafetensors } from '../io/safetensors.js';
import { CONFIG_FILE, isTrainingOnlyKey, loadOpenClip } from '../models/open_clip_folder.js';
import { listCheckpoints, readStageState } from '../training/checkpoint.js';

/** What was loaded, for the report's setup table. */
export interface LoadedModel {
  model: CLIP;
  /** The spec as given. */
  spec: string;
  kind: 'checkpoint' | 'open_clip' | 'config';
  /** The folder or config the weights came from (a run folder resolves to its checkpoint). */
  path: string;
  /** ema / model: which weights of a training checkpoint; open_clip; random: fresh init. */
  weights: 'ema' | 'model' | 'open_clip' | 'random';
  /** The architecture name or config path. */
  modelName: string;
  /** Training step of a checkpoint. */
  step?: number;
  /** Checkpoint keys not loaded into the CLIP (its dense heads, MAE's decoder, a supervised run's label head). */
  droppedKeys: string[];
  /** Whether the image tower's training-time branches were folded (its state-dict keys then differ). */
  reparameterized: boolean;
}

/** Options of loadModelForEval. */
export interface LoadModelOptions {
  /** Device to put the model on (default cpu). */
  device?: string;
  /** Use a checkpoint's EMA weights when it has them (default true). */
  ema?: boolean;
  /** Seed of a random init (default 0). */
  seed?: number;
  /** Load weights holding NaN/Inf (default false: an error naming the tensor and the file). */
  allowNonFinite?: boolean;
  /**
   * Fold the image tower's training-time branches (default true: same features within float
   * error, faster). Pass false to keep the training-time form, e.g. to copy its state dict into
   * a tower being trained or to save it again.
   */
  reparameterize?: boolean;
}

const isDir = (p: string): boolean => existsSync(p) && statSync(p).isDirectory();

/** Loads `file`'s tensors into model, dropping training-only keys (dense heads, MAE's decoder, the label head); strict (keys, shapes, dtypes, finiteness) on the rest. */
function loadWeights(model: CLIP, file: string, device: string, allowNonFinite = false): string[] {
  const { tensors } = loadSafetensors(file, device);
  const dropped = [...tensors.keys()].filter(isTrainingOnlyKey);
  try {
    const sd = new Map([...tensors].filter(([k]) => !isTrainingOnlyKey(k))) as Map<string, Tensor>;
    noGrad(() => model.loadStateDict(sd, { strict: true, allowNonFinite }));
  } catch (e) {
    throw new Error(`${file}: ${(e as Error).message}`);
  } finally {
    for (const t of tensors.values()) t.dispose();
  }
  return dropped;
}

/** A training checkpoint folder (state.json + model.safetensors). */
function fromCheckpoint(spec: string, dir: string, o: LoadModelOptions): LoadedModel {
  const device = o.device ?? 'cpu';
  const state = readStageState(dir);
  const name = (state.config as { model?: { name?: unknown } }).model?.name;
  if (typeof name !== 'string') throw new Error(`${join(dir, 'state.json')}: no config.model.name`);
  let model: CLIP;
  try {
    model = createModel(name).to(device);
  } catch (e) {
    throw new Error(`${dir}: cannot rebuild the model '${name}' of its state.json (${(e as Error).message})`);
  }
  const ema = join(dir, 'ema.safetensors');
  const useEma = (o.ema ?? true) && existsSync(ema);
  const file = useEma ? ema : join(dir, 'model.safetensors');
  if (!existsSync(file)) throw new Error(`${dir}: no model.safetensors`);
  try {
    const droppedKeys = loadWeights(model, file, device, o.allowNonFinite);
    return { model: model.eval(), spec, kind: 'checkpoint', path: dir, weights: useEma ? 'ema' : 'model', modelName: name, step: state.step, droppedKeys, reparameterized: false };
  } catch (e) {
    model.dispose();
    throw e;
  }
}

/**
 * Loads a model for evaluation (in eval mode) from a checkpoint folder, a run folder, an
 * open_clip folder, or a config name / JSON path (random init); its image tower is folded for
 * inference unless `reparameterize: false`.
 * @example const { model, weights } = loadModelForEval('runs/train', { device: 'cpu' }); // newest checkpoint, EMA if saved
 * @example const { model } = loadModelForEval('runs/mci', { reparameterize: false }); // MCi keys as trained
 */
export function loadModelForEval(spec: string, o: LoadModelOptions = {}): LoadedModel {
  const loaded = loadUnfolded(spec, o);
  if (o.reparameterize === false) return loaded;
  try {
    loaded.model.visual.reparameterize();
  } catch (e) {
    loaded.model.dispose();
    throw new Error(`eval: ${loaded.path}: folding the image tower failed (${(e as Error).message})`);
  }
  return { ...loaded, reparameterized: true };
}

/** The model a spec names, in eval mode, image tower as trained. */
function loadUnfolded(spec: string, o: LoadModelOptions): LoadedModel {
  const p = resolve(spec);
  if (isDir(p)) {
    if (existsSync(join(p, 'state.json'))) return fromCheckpoint(spec, p, o);
    if (existsSync(join(p, CONFIG_FILE))) {
      const model = loadOpenClip(p, { device: o.device ?? 'cpu', allowNonFinite: o.allowNonFinite }).eval();
      return { model, spec, kind: 'open_clip', path: p, weights: 'open_clip', modelName: CONFIG_FILE, droppedKeys: [], reparameterized: false };
    }
    const ckpts = join(p, 'checkpoints');
    if (isDir(ckpts)) {
      const all = listCheckpoints(ckpts);
      if (!all.length) throw new Error(`eval: run folder ${p} has no finished checkpoint under ${ckpts}`);
      return fromCheckpoint(spec, join(ckpts, all[all.length - 1]!), o);
    }
    throw new Error(`eval: ${p} is not a training checkpoint (state.json + model.safetensors), a run folder (checkpoints/step-*) nor an open_clip folder (${CONFIG_FILE})`);
  }
  if (spec.endsWith('.json') ? existsSync(p) : listModels().includes(spec)) {
    manualSeed(o.seed ?? 0);
    const model = createModel(spec.endsWith('.json') ? p : spec).to(o.device ?? 'cpu').eval();
    return { model, spec, kind: 'config', path: spec.endsWith('.json') ? p : spec, weights: 'random', modelName: spec, droppedKeys: [], reparameterized: false };
  }
  throw new Error(`eval: --model ${spec}: no such folder or config file, and not a built-in model (built in: ${listModels().join(', ')})`);
}
