// The model `zooclip export` writes: loaded the way eval loads it (checkpoint, run, open_clip
// folder, config name), with a training checkpoint's CLIPTeX heads re-attached so they export, and
// a fingerprint of its weights and config that decides whether an export folder holds this model.
import { existsSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { noGrad, type Tensor } from '../../engine/index.js';
import { loadSafetensors } from '../../io/safetensors.js';
import { tensorDataOf } from '../../io/onnx/index.js';
import type { CLIP } from '../../models/clip.js';
import { DENSE_PREFIX } from '../../models/open_clip_folder.js';
import { labelClasses, type DenseTaskName } from '../../tasks/index.js';
import { readStageState } from '../../training/state.js';
import { loadModelForEval, type LoadedModel } from '../../eval/load_model.js';

/**
 * Attaches a run's CLIPTeX heads to a model as its training config says (the train stage's
 * attachTaskHeads; passed in because one stage does not import another).
 */
export type AttachHeads = (model: CLIP, runConfig: Record<string, unknown>) => DenseTaskName[];

/** What loadExportModel returns. */
export interface ExportModel {
  loaded: LoadedModel;
  model: CLIP;
  /** Tasks whose heads are attached (empty without heads). */
  tasks: DenseTaskName[];
  /** Class names of seg ids / det labels (the run's synth.json), when known. */
  classes?: string[];
  /** sha256 of the config and every state-dict tensor (names, dtypes, shapes, bytes), image tower as trained. */
  sha256: string;
}

/** Options of loadExportModel. */
export interface ExportModelOptions { ema?: boolean; seed?: number; attachHeads?: AttachHeads }

/**
 * A training checkpoint's CLIPTeX heads: attached as its state.json config says (`attach`) and
 * loaded strictly from its weights file's `dense_heads.*`; the model is left in eval mode. Returns
 * the tasks and the run config (no tasks for anything but a checkpoint with head weights).
 * @example const { tasks } = attachCheckpointHeads(loadModelForEval('runs/train'), (m, cfg) => attachTaskHeads(m, cfg as TrainConfig));
 */
export function attachCheckpointHeads(loaded: LoadedModel, attach: AttachHeads | undefined): { tasks: DenseTaskName[]; cfg?: Record<string, unknown> } {
  if (loaded.kind !== 'checkpoint' || !loaded.droppedKeys.some((k) => k.startsWith(DENSE_PREFIX))) return { tasks: [] };
  const cfg = readStageState(loaded.path).config as Record<string, unknown>;
  if (!attach) throw new Error(`${loaded.path}: the checkpoint has ${DENSE_PREFIX}* weights but no way to attach its heads was given`);
  if (!cfg.heads) throw new Error(`${join(loaded.path, 'state.json')}: the checkpoint has ${DENSE_PREFIX}* weights but its config has no 'heads' section`);
  const tasks = attach(loaded.model, cfg);
  const file = join(loaded.path, loaded.weights === 'ema' ? 'ema.safetensors' : 'model.safetensors');
  const { tensors } = loadSafetensors(file);
  try {
    const sd = new Map([...tensors].filter(([k]) => k.startsWith(DENSE_PREFIX)).map(([k, t]) => [k.slice(DENSE_PREFIX.length), t] as [string, Tensor]));
    noGrad(() => loaded.model.denseHeads!.loadStateDict(sd, { strict: true }));
  } catch (e) {
    throw new Error(`${file}: dense heads: ${(e as Error).message}`);
  } finally {
    for (const t of tensors.values()) t.dispose();
  }
  loaded.model.eval();
  return { tasks, cfg };
}

/** The class names in the run's data folder (synth.json), when it is there. */
function runClasses(cfg: Record<string, unknown> | undefined): string[] | undefined {
  const root = (cfg?.data as { root?: unknown } | undefined)?.root;
  return typeof root === 'string' && existsSync(join(root, 'synth.json')) ? labelClasses(root) : undefined;
}

/**
 * sha256 of a model: its config (JSON) and each state-dict entry's key, dtype, shape and bytes, in
 * state-dict order. Equal for the same weights however they were stored (checkpoint or open_clip folder).
 * @example modelFingerprint(createModel('zooclip-tiny')) // '3f1c...'
 */
export function modelFingerprint(model: CLIP): string {
  const h = createHash('sha256');
  h.update(JSON.stringify(model.cfg));
  for (const [key, t] of model.stateDict()) {
    const d = tensorDataOf(t);
    h.update(`\0${key}\0${d.dtype}\0${d.dims.join(',')}\0`);
    h.update(d.bytes);
  }
  return h.digest('hex');
}

/**
 * Loads a model to export (eval mode, image tower not yet folded: call `model.visual.reparameterize()`
 * after writing any safetensors), with a checkpoint's CLIPTeX heads attached and loaded.
 * @example const m = loadExportModel('runs/train', { attachHeads: (model, cfg) => attachTaskHeads(model, cfg as TrainConfig) });
 */
export function loadExportModel(spec: string, o: ExportModelOptions = {}): ExportModel {
  const loaded = loadModelForEval(spec, { ema: o.ema, seed: o.seed, reparameterize: false });
  try {
    const { tasks, cfg } = attachCheckpointHeads(loaded, o.attachHeads);
    return { loaded, model: loaded.model, tasks, classes: runClasses(cfg), sha256: modelFingerprint(loaded.model) };
  } catch (e) {
    loaded.model.dispose();
    throw e;
  }
}
