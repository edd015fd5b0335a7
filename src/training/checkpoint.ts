// Training checkpoints: a folder per save (checkpoints/step-NNNNNN) with model.safetensors,
// optimizer.safetensors, rng.safetensors (the CPU generator state), ema.safetensors (with EMA) and
// state.json (step, scheduler, loader position, counters, config). The folder is written under a
// temporary name and renamed, so a crash leaves either a whole checkpoint or none (and a
// .tmp-step-* folder, removed by the next save or run in that folder). Only finite weights are
// saved, and loading is strict about keys, shapes, dtypes and finiteness.
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { noGrad, wrap, type Tensor } from '../engine/index.js';
import { native } from '../engine/native.js';
import { loadSafetensors, saveSafetensors } from '../io/safetensors.js';
import { writeFileAtomic, writeFolderAtomic } from '../io/atomic.js';
import type { Module } from '../nn/module.js';
import { firstNonFinite, type FiniteOptions } from '../nn/load_check.js';
import type { Optimizer } from '../optim/optimizer.js';
import type { EMA } from '../optim/ema.js';
import type { LoaderState } from '../data/loader/index.js';
import type { StageState } from './state.js';
import type { CheckpointPolicy, LoopCounters, SaveReason } from './loop.js';

export { readStageState, type StageState } from './state.js';

/** What a training loop hands to saveCheckpoint. */
export interface Trainables { model: Module; opt: Optimizer<unknown>; ema: EMA | null }

/**
 * The folder name of a step's checkpoint.
 * @example checkpointName(40); // 'step-000040'
 */
export function checkpointName(step: number): string {
  return `step-${String(step).padStart(6, '0')}`;
}

function rngState(): Tensor {
  return wrap(native.getRngState());
}

/**
 * Where a tensor of the checkpoint `t` would write holds NaN/Inf ("model.safetensors 'w'"), or
 * null when all are finite. One isfinite-all reduction per tensor.
 * @example const bad = nonFiniteState({ model, opt, ema: null }); // null, or "model.safetensors 'logit_scale'"
 */
export function nonFiniteState(t: Trainables): string | null {
  const model = firstNonFinite(t.model.stateDict());
  if (model) return `model.safetensors '${model}'`;
  const ema = t.ema ? firstNonFinite(t.ema.stateDict().tensors) : null;
  if (ema) return `ema.safetensors '${ema}'`;
  const opt = firstNonFinite(t.opt.stateDict().tensors);
  return opt ? `optimizer.safetensors '${opt}'` : null;
}

/** Leftovers of interrupted saves (saveCheckpoint's temporary folders; '.old': a replaced one, see writeFolderAtomic). */
const STALE = /^\.tmp-step-\d+-\d+(\.old)?$/;

/**
 * Removes the `.tmp-step-*` folders an interrupted saveCheckpoint left in `dir` (each one a whole
 * model, optimiser and EMA: tens of MB); returns their names. A missing `dir` has none.
 * @example for (const n of removeInterruptedSaves('runs/train/checkpoints')) console.log(`removed ${n}`);
 */
export function removeInterruptedSaves(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const names = readdirSync(dir);
  // A crash between writeFolderAtomic's two renames leaves the replaced checkpoint only as
  // '.old' (whole and synced): it goes back in place rather than away.
  for (const n of names.filter((x) => x.endsWith('.old') && STALE.test(x))) {
    const final = join(dir, n.replace(/^\.tmp-(step-\d+)-\d+\.old$/, '$1'));
    if (!existsSync(final)) renameSync(join(dir, n), final);
  }
  const stale = readdirSync(dir).filter((n) => STALE.test(n)).sort();
  for (const n of stale) rmSync(join(dir, n), { recursive: true, force: true });
  return stale;
}

/**
 * At the start of a run or resume: removes leftovers of interrupted saves under the run's
 * checkpoints/ folder and says so in one line.
 * @example clearInterruptedSaves(join(out, 'checkpoints'), console.log);
 */
export function clearInterruptedSaves(dir: string, log: (s: string) => void): void {
  const stale = removeInterruptedSaves(dir);
  if (stale.length) log(`removed ${stale.length} unfinished checkpoint folder(s) of an interrupted save in ${dir}: ${stale.join(', ')}`);
}

/**
 * Writes a checkpoint atomically and deletes the oldest beyond `keep`; returns its folder.
 * Refuses (throws, writing nothing) when a tensor holds NaN/Inf, so every checkpoint is one to
 * resume from; removes leftovers of interrupted saves first.
 * @example const at = saveCheckpoint('runs/train/checkpoints', { model, opt, ema }, state, 3);
 */
export function saveCheckpoint(dir: string, t: Trainables, state: StageState, keep: number): string {
  const final = join(dir, checkpointName(state.step));
  const bad = nonFiniteState(t);
  if (bad) throw new Error(`saveCheckpoint ${final}: not written, ${bad} holds NaN/Inf`);
  mkdirSync(dir, { recursive: true });
  removeInterruptedSaves(dir);
  writeFolderAtomic(final, (tmp) => {
    writeTensors(tmp, t, { format: 'pt', step: String(state.step) });
    writeFileAtomic(join(tmp, 'state.json'), JSON.stringify(state, null, 2) + '\n');
  }, { temp: join(dir, `.tmp-${checkpointName(state.step)}-${process.pid}`) });
  if (keep > 0) for (const old of listCheckpoints(dir).slice(0, -keep)) rmSync(join(dir, old), { recursive: true, force: true });
  return final;
}

/** The safetensors files of a checkpoint: model, optimizer, EMA (if any) and the CPU generator state. */
function writeTensors(tmp: string, t: Trainables, meta: Record<string, string>): void {
  saveSafetensors(join(tmp, 'model.safetensors'), t.model.stateDict(), meta);
  const o = t.opt.stateDict();
  saveSafetensors(join(tmp, 'optimizer.safetensors'), o.tensors, { ...meta, optimizer: JSON.stringify(o.meta) });
  if (t.ema) {
    const e = t.ema.stateDict();
    saveSafetensors(join(tmp, 'ema.safetensors'), e.tensors, { ...meta, ema: JSON.stringify(e.meta) });
  }
  const rng = rngState();
  try {
    saveSafetensors(join(tmp, 'rng.safetensors'), { cpu: rng }, meta);
  } finally {
    rng.dispose();
  }
}

/**
 * Saves like saveCheckpoint when every tensor is finite; otherwise writes nothing and says which
 * tensor is not, for the loop to report (a non-finite stop, a periodic save mid-divergence).
 * @example const r = saveIfFinite(dir, t, state, 3); if ('bad' in r) log(`not saved: ${r.bad}`);
 */
export function saveIfFinite(dir: string, t: Trainables, state: StageState, keep: number): { at: string } | { bad: string } {
  const bad = nonFiniteState(t);
  return bad ? { bad } : { at: saveCheckpoint(dir, t, state, keep) };
}

/**
 * The newest finished checkpoint under `dir` as a sentence for errors ("the newest checkpoint is
 * .../step-000040"); every checkpoint holds finite weights, since saveCheckpoint writes no others.
 * @example throw new Error(`weights went NaN; ${newestCheckpointNote('runs/train/checkpoints')}`);
 */
export function newestCheckpointNote(dir: string): string {
  const all = listCheckpoints(dir);
  return all.length ? `the newest (finite) checkpoint is ${join(dir, all[all.length - 1]!)}` : `no checkpoint was saved in ${dir} before`;
}

/**
 * Finished checkpoint folders under dir, oldest first.
 * @example const [oldest] = listCheckpoints('runs/train/checkpoints'); // 'step-000020'
 */
export function listCheckpoints(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((n) => /^step-\d{6,}$/.test(n) && existsSync(join(dir, n, 'state.json'))).sort();
}

/**
 * A checkpoint folder from `--resume`: a path, or `latest` (the newest under the run's checkpoints/).
 * @example const dir = findCheckpoint('latest', 'runs/train'); // runs/train/checkpoints/step-000300
 */
export function findCheckpoint(spec: string, runOut: string): string {
  if (spec === 'latest') {
    const dir = join(runOut, 'checkpoints');
    const all = listCheckpoints(dir);
    if (!all.length) throw new Error(`train: --resume latest: no checkpoint in ${dir}`);
    return join(dir, all[all.length - 1]!);
  }
  const p = resolve(spec);
  if (!existsSync(join(p, 'state.json'))) throw new Error(`train: --resume ${spec}: not a checkpoint folder (no state.json)`);
  return p;
}

/**
 * How --resume picks the folder a resumed run writes into (metrics.jsonl, run.json, new
 * checkpoints, checkpoint.keep's deletions), as open_clip takes its log folder from the command
 * line, never from the checkpoint:
 * - `--resume latest`: the run folder given (`out`: the preset's or the command line's), whose
 *   newest checkpoint is resumed;
 * - `--resume PATH` with an output folder given explicitly on the command line (`explicitOut`):
 *   that folder;
 * - `--resume PATH` to `<run>/checkpoints/step-N`: `<run>`, the run the checkpoint belongs to;
 * - otherwise (a checkpoint copied somewhere else) an error asking for the output folder.
 * The output folder recorded in the checkpoint's config is never used: a copied checkpoint would
 * otherwise rewrite (and prune) the run it was copied from. `flag` names the option in errors.
 * @example resumeTarget('runs/a/checkpoints/step-000100', { out: 'runs/train', flag: '--set run.out=DIR' }) // { checkpoint: '/abs/runs/a/checkpoints/step-000100', out: '/abs/runs/a' }
 */
export function resumeTarget(spec: string, o: { out: string; explicitOut?: string; flag: string }): { checkpoint: string; out: string } {
  if (spec === 'latest') {
    const out = o.explicitOut ?? o.out;
    return { checkpoint: findCheckpoint(spec, out), out };
  }
  const checkpoint = findCheckpoint(spec, o.out);
  if (o.explicitOut !== undefined) return { checkpoint, out: o.explicitOut };
  if (basename(dirname(checkpoint)) === 'checkpoints') return { checkpoint, out: dirname(dirname(checkpoint)) };
  throw new Error(`--resume ${spec}: the checkpoint is not in a run's checkpoints/ folder, so there is no run folder to continue; say where to write with ${o.flag}`);
}

/** Parses a checkpoint file's JSON metadata entry; errors name the file and the entry. */
function metaJson<T>(file: string, metadata: Record<string, string>, key: string): T {
  const text = metadata[key];
  if (text === undefined) throw new Error(`${file}: no '${key}' entry in the safetensors metadata`);
  try {
    return JSON.parse(text) as T;
  } catch (e) {
    throw new Error(`${file}: metadata '${key}' is not valid JSON (${(e as Error).message})`);
  }
}

/** Loads `file` and hands its tensors to `use`; errors name the file; the tensors are freed either way. */
function withFile(file: string, device: string | undefined, use: (tensors: Map<string, Tensor>, metadata: Record<string, string>) => void): void {
  const st = loadSafetensors(file, device);
  try {
    noGrad(() => use(st.tensors, st.metadata));
  } catch (e) {
    throw new Error(`${file}: ${(e as Error).message}`);
  } finally {
    for (const x of st.tensors.values()) x.dispose();
  }
}

/**
 * Loads weights, optimizer, EMA and the CPU generator state of a checkpoint into a run's objects.
 * Strict: every key, shape and dtype must match (lossless casts aside, see LOSSLESS_CASTS) and
 * floats must be finite unless `allowNonFinite`; errors name the file and the tensor.
 * @example loadCheckpoint('runs/train/checkpoints/step-000100', { model, opt, ema }, 'cpu');
 */
export function loadCheckpoint(dir: string, t: Trainables, device: string, o: FiniteOptions = {}): void {
  withFile(join(dir, 'model.safetensors'), device, (tensors) => t.model.loadStateDict(tensors, { strict: true, allowNonFinite: o.allowNonFinite }));
  const optFile = join(dir, 'optimizer.safetensors');
  withFile(optFile, device, (tensors, metadata) => t.opt.loadStateDict({ tensors, meta: metaJson(optFile, metadata, 'optimizer') }, o));
  if (t.ema) {
    const emaFile = join(dir, 'ema.safetensors');
    withFile(emaFile, device, (tensors, metadata) => t.ema!.loadStateDict({ tensors, meta: metaJson(emaFile, metadata, 'ema') }, o));
  }
  withFile(join(dir, 'rng.safetensors'), undefined, (tensors) => {
    const cpu = tensors.get('cpu');
    if (!cpu) throw new Error("no tensor 'cpu' (the CPU generator state)");
    native.setRngState(cpu.id);
  });
}

/**
 * The training loop's checkpoint policy for a run's checkpoints/ folder: every `every` steps and at
 * the end, keeping the newest `keep`, writing only finite weights (saveIfFinite); `state` makes
 * the state.json of a save.
 * @example const checkpoint = checkpointPolicy(join(out, 'checkpoints'), { model, opt, ema: null }, { every: 200, keep: 3 }, (reason, c) => stageState(reason, c, loader.state(), cfg));
 */
export function checkpointPolicy(dir: string, t: Trainables, o: { every: number; keep: number }, state: (reason: SaveReason, c: LoopCounters) => StageState): CheckpointPolicy {
  return { every: o.every, save: (reason, c) => saveIfFinite(dir, t, state(reason, c), o.keep), newest: () => newestCheckpointNote(dir) };
}

/**
 * The state.json of a save from the loop's counters: the fields every stage writes, with a stage's
 * own counters (`extra`) before the reason and the config.
 * @example saveCheckpoint(dir, trainables, stageState('final', { step: 300, skipped: 0 }, loader.state(), cfg), 3);
 */
export function stageState<C extends object, X extends object = object>(reason: string, c: Pick<LoopCounters, 'step' | 'skipped'>, loader: LoaderState, config: C, extra?: X):
  StageState<C> & X {
  return { step: c.step, scheduler: { kind: 'warmup-cosine', step: c.step }, loader, skipped: c.skipped, ...extra as X, reason, config };
}

/**
 * `--resume`: finds the checkpoint (a folder or 'latest' under `out`), reads its state.json with
 * `read` (each stage checks its own fields), loads weights, optimizer, EMA and generator state
 * into `t`, and says so in one line.
 * @example const resumed = resumeCheckpoint('latest', 'runs/expert', { model, opt, ema: null }, 'cpu', readStageState, console.log);
 */
export function resumeCheckpoint<S extends StageState>(spec: string, out: string, t: Trainables, device: string, read: (dir: string) => S, log: (s: string) => void, logSuffix = ''): S {
  const dir = findCheckpoint(spec, out);
  const state = read(dir);
  loadCheckpoint(dir, t, device);
  log(`resumed from ${dir} at step ${state.step}${logSuffix}`);
  return state;
}
