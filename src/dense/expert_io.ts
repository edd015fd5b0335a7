// An expert on disk: a folder with expert.json (task, model config, head spec, classes, input
// size, normalisation, depth scale, training summary) and model.safetensors (`visual.*`, `head.*`),
// written atomically (writeFolderAtomic), so a crash leaves the old folder or the new one.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic, writeFolderAtomic } from '../io/atomic.js';
import { saveSafetensors } from '../io/safetensors.js';
import { parseClipConfig, type ClipCfg } from '../models/config.js';
import { checkHeadSpec, type HeadSpec } from './heads.js';
import { DenseModel, towerFromConfig } from './model.js';
import { parseTaskName, type DenseTaskName } from '../tasks/index.js';
import { loadModuleWeights } from '../nn/module_weights.js';

export const EXPERT_FILE = 'expert.json';
export const EXPERT_WEIGHTS = 'model.safetensors';

/** expert.json. */
export interface ExpertManifest {
  format: 'zooclip-expert';
  version: 1;
  task: DenseTaskName;
  /** The CLIP architecture whose image tower the expert uses (open_clip schema, validated on load). */
  model: ClipCfg;
  /** Where the architecture came from (a config name, JSON path, or the --init checkpoint). */
  modelName: string;
  head: HeadSpec;
  /** Class names of seg ids / det labels. */
  classes: string[];
  /** Square input side in pixels. */
  inputSize: number;
  /** Normalisation of [0, 1] RGB. */
  mean: number[];
  std: number[];
  /** Metres per unit of the depth output. */
  depthScale: number;
  /** Default confidence threshold (seg: max softmax probability; det: box score). */
  threshold: number;
  /** How it was trained and how it scored (free-form, for people). */
  training?: Record<string, unknown>;
}

/**
 * Writes an expert folder atomically (replacing what was there).
 * @example saveExpert(model, manifest, 'runs/expert-seg/expert');
 */
export function saveExpert(model: DenseModel, manifest: ExpertManifest, dir: string): void {
  writeFolderAtomic(dir, (tmp) => {
    writeFileAtomic(join(tmp, EXPERT_FILE), JSON.stringify(manifest, null, 2) + '\n');
    saveSafetensors(join(tmp, EXPERT_WEIGHTS), model.stateDict(), { format: 'pt', kind: 'zooclip-expert', task: manifest.task });
  });
}

function num(r: Record<string, unknown>, k: string, where: string): number {
  if (typeof r[k] !== 'number' || !Number.isFinite(r[k])) throw new Error(`${where}: '${k}' must be a number, got ${JSON.stringify(r[k])}`);
  return r[k];
}

function numbers(r: Record<string, unknown>, k: string, n: number, where: string): number[] {
  const v = r[k];
  if (!Array.isArray(v) || v.length !== n || v.some((x) => typeof x !== 'number')) throw new Error(`${where}: '${k}' must be ${n} numbers, got ${JSON.stringify(v)}`);
  return v as number[];
}

/**
 * Reads and validates an expert folder's expert.json.
 * @example readExpertManifest('runs/expert-seg/expert').classes
 */
export function readExpertManifest(dir: string): ExpertManifest {
  const path = join(dir, EXPERT_FILE);
  if (!existsSync(path)) throw new Error(`expert ${dir}: no ${EXPERT_FILE} (not an expert folder?)`);
  let r: Record<string, unknown>;
  try {
    r = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  } catch (e) {
    throw new Error(`${path}: not valid JSON (${(e as Error).message})`);
  }
  if (r.format !== 'zooclip-expert' || r.version !== 1) throw new Error(`${path}: format must be 'zooclip-expert' version 1, got ${JSON.stringify(r.format)} ${JSON.stringify(r.version)}`);
  const task = parseTaskName(String(r.task), path);
  const head = checkHeadSpec(r.head, `${path}: head`);
  if (head.task !== task) throw new Error(`${path}: head.task '${head.task}' differs from task '${task}'`);
  if (!Array.isArray(r.classes) || r.classes.some((c) => typeof c !== 'string')) throw new Error(`${path}: 'classes' must be a list of names`);
  return {
    format: 'zooclip-expert', version: 1, task, model: parseClipConfig(r.model, `${path}: model`), modelName: String(r.modelName ?? ''), head,
    classes: r.classes as string[], inputSize: num(r, 'inputSize', path), mean: numbers(r, 'mean', 3, path), std: numbers(r, 'std', 3, path),
    depthScale: num(r, 'depthScale', path), threshold: num(r, 'threshold', path), training: r.training as Record<string, unknown> | undefined,
  };
}

/**
 * Rebuilds an expert's model (eval mode) from its folder; every weight must match.
 * @example const { model, manifest } = loadExpertModel('runs/expert-seg/expert');
 */
export function loadExpertModel(dir: string, device = 'cpu'): { model: DenseModel; manifest: ExpertManifest } {
  const manifest = readExpertManifest(dir);
  const weights = join(dir, EXPERT_WEIGHTS);
  if (!existsSync(weights)) throw new Error(`expert ${dir}: no ${EXPERT_WEIGHTS}`);
  const model = new DenseModel(towerFromConfig(manifest.model), manifest.head);
  if (model.imageSize !== manifest.inputSize) {
    model.dispose();
    throw new Error(`${join(dir, EXPERT_FILE)}: inputSize ${manifest.inputSize} differs from the model's ${model.imageSize}`);
  }
  loadModuleWeights(model, weights);
  if (device !== 'cpu') model.to(device);
  return { model: model.eval(), manifest };
}
