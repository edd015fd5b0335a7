// state.json of a checkpoint, read back with every field checked: a truncated or hand-edited file
// must fail with the file and the field, not as a JSON.parse message without a path or as a
// TypeError steps later ("resumed at step undefined").
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LoaderState } from '../data/loader/index.js';

/** What every stage's state.json holds (train, train-captioner, train-expert); C is the stage's config. */
export interface StageState<C extends object = object> {
  /** Optimizer steps taken (the next step is this one, 0-based). */
  step: number;
  /** Scheduler: its kind and the step it resumes at. */
  scheduler: { kind: 'warmup-cosine'; step: number };
  loader: LoaderState;
  /** Non-finite steps skipped so far. */
  skipped: number;
  /** Why this checkpoint was written. */
  reason: string;
  /** The resolved config of the run (each stage validates it with its own schema). */
  config: C;
}

/** A parsed JSON object. */
export type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const isCount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;
/**
 * A field's value for an error message ('missing' or 'got ...').
 * @example shown(undefined); // 'missing'
 */
export const shown = (v: unknown): string => (v === undefined ? 'missing' : `got ${JSON.stringify(v)}`);

/**
 * Parses `path` as a JSON object; errors name the file.
 * @example const raw = readJsonObject('runs/train/checkpoints/step-000300/state.json');
 */
export function readJsonObject(path: string): Json {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new Error(`${path}: cannot read (${(e as Error).message})`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new Error(`${path}: not valid JSON (${(e as Error).message})`);
  }
  if (!isObject(raw)) throw new Error(`${path}: expected a JSON object, got ${Array.isArray(raw) ? 'an array' : JSON.stringify(raw)}`);
  return raw;
}

/**
 * Checks that each named field of `obj` is a non-negative integer; `where` prefixes the field in errors.
 * @example requireCounts(path, raw, ['badInARow', 'samples']);
 */
export function requireCounts(path: string, obj: Json, fields: readonly string[], where = ''): void {
  for (const f of fields) {
    if (!isCount(obj[f])) throw new Error(`${path}: field '${where}${f}' must be a non-negative integer, ${shown(obj[f])}`);
  }
}

function requireObject(path: string, obj: Json, field: string): Json {
  const v = obj[field];
  if (!isObject(v)) throw new Error(`${path}: field '${field}' must be an object, ${shown(v)}`);
  return v;
}

/**
 * The fields every stage's state.json has, checked; errors name `path` and the field.
 * @example const state = checkStage(path, readJsonObject(path));
 */
export function checkStage(path: string, raw: Json): StageState {
  requireCounts(path, raw, ['step', 'skipped']);
  const scheduler = requireObject(path, raw, 'scheduler');
  if (scheduler.kind !== 'warmup-cosine') throw new Error(`${path}: field 'scheduler.kind' must be "warmup-cosine", ${shown(scheduler.kind)}`);
  requireCounts(path, scheduler, ['step'], 'scheduler.');
  const loader = requireObject(path, raw, 'loader');
  if (loader.version !== 1) throw new Error(`${path}: field 'loader.version' must be 1, ${shown(loader.version)}`);
  requireCounts(path, loader, ['rank', 'worldSize', 'epoch', 'consumed'], 'loader.');
  if (!Number.isSafeInteger(loader.seed)) throw new Error(`${path}: field 'loader.seed' must be an integer, ${shown(loader.seed)}`);
  if (typeof raw.reason !== 'string') throw new Error(`${path}: field 'reason' must be a string, ${shown(raw.reason)}`);
  requireObject(path, raw, 'config');
  return raw as unknown as StageState;
}

/**
 * Reads the fields every stage's state.json has (step, scheduler, loader, skipped, reason, config),
 * checked; train-captioner and train-expert checkpoints read theirs with it. Errors name the file
 * and the field.
 * @example const { step, config } = readStageState('runs/captioner/checkpoints/step-000300');
 */
export function readStageState(dir: string): StageState {
  const path = join(dir, 'state.json');
  return checkStage(path, readJsonObject(path));
}
