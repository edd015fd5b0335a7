// Resumable demo stages: a finished stage leaves out/stages/<name>.json with its result, so a rerun
// skips it; an unfinished one runs again (and resumes inside, where the stage itself can).
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../../io/atomic.js';
import { readJsonFile } from '../../config/json_file.js';

/** Where a stage's result lives. */
export function stageFile(out: string, name: string): string {
  return join(out, 'stages', `${name.replace(/[^A-Za-z0-9_.-]/g, '_')}.json`);
}

/**
 * Runs `fn` unless the stage finished before; returns its result either way (from the file on a rerun).
 * @example const world = await stage(out, 'world', log, () => runSynth(...));
 */
export async function stage<T>(out: string, name: string, log: (s: string) => void, fn: () => Promise<T>): Promise<T> {
  const file = stageFile(out, name);
  if (existsSync(file)) {
    log(`[${name}] done before, skipped (${file})`);
    return (readJsonFile(file, 'demo stage record') as { result: T }).result;
  }
  const t0 = performance.now();
  log(`[${name}] ...`);
  const result = await fn();
  const seconds = (performance.now() - t0) / 1000;
  mkdirSync(join(out, 'stages'), { recursive: true });
  writeFileAtomic(file, JSON.stringify({ name, seconds, finished: new Date().toISOString(), result }, null, 1) + '\n');
  log(`[${name}] done in ${seconds.toFixed(1)} s`);
  return result;
}

/** Seconds each finished stage took (from its file). */
export function stageSeconds(out: string, name: string): number {
  const file = stageFile(out, name);
  return existsSync(file) ? (readJsonFile(file, 'demo stage record') as { seconds: number }).seconds : NaN;
}
