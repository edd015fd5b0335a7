// Which shards a data stage maps: the input spec (a folder, a list file, brace specs or paths)
// expanded to shard paths, each paired with its output path of the same name, and this process's
// share of them by rank.
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { expandShardSpec, readManifest, shardsForRank } from '../../data/shards/index.js';

/** One input shard and where its output goes. */
export interface ShardJob {
  /** Position in the full input list (rank i takes the jobs with index % worldSize === i). */
  index: number;
  input: string;
  output: string;
  /** File name, shared by input and output. */
  name: string;
  /** Samples in the input shard, when a manifest beside it says so. */
  samples?: number;
}

/**
 * Expands an input spec into shard paths: a folder (its `*.tar` files, sorted), a text file of
 * paths (`*.txt`, one a line, relative to the file), brace specs and comma lists
 * (`web/web-{000000..000009}.tar`), or an array of any of these.
 * @example inputShards('data/synth/web') // ['data/synth/web/web-000000.tar', ...]
 */
export function inputShards(spec: string | readonly string[]): string[] {
  const parts = typeof spec === 'string' ? [spec] : [...spec];
  const out: string[] = [];
  for (const p of parts) {
    if (existsSync(p) && statSync(p).isDirectory()) {
      const tars = readdirSync(p).filter((f) => f.endsWith('.tar') && !f.startsWith('.')).sort();
      if (tars.length === 0) throw new Error(`shard input ${p}: the folder has no .tar shards`);
      out.push(...tars.map((f) => join(p, f)));
    } else if (p.endsWith('.txt') && existsSync(p)) {
      const lines = readFileSync(p, 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
      out.push(...lines.map((l) => (isAbsolute(l) ? l : join(dirname(p), l))));
    } else {
      out.push(...expandShardSpec(p));
    }
  }
  if (out.length === 0) throw new Error(`shard input '${String(spec)}': no shards`);
  for (const s of out) if (!existsSync(s)) throw new Error(`shard input: ${s} does not exist`);
  return out;
}

/** Samples per shard from the zooclip manifests beside the inputs (missing when there is none). */
function manifestCounts(paths: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  const dirs = new Set(paths.map((p) => dirname(resolve(p))));
  for (const dir of dirs) {
    for (const f of readdirSync(dir).filter((x) => x.endsWith('-manifest.json'))) {
      try {
        const m = readManifest(dir, f.slice(0, -'-manifest.json'.length));
        for (const s of m?.shards ?? []) counts.set(join(dir, s.name), s.samples);
      } catch {
        // A foreign or broken manifest only costs the ETA.
      }
    }
  }
  return counts;
}

/** This process's rank and world size: explicit values, else RANK / WORLD_SIZE, else 0 of 1. */
export function resolveRank(rank?: number, worldSize?: number): { rank: number; worldSize: number } {
  const env = (k: string): number | undefined => (process.env[k] !== undefined && process.env[k] !== '' ? Number(process.env[k]) : undefined);
  const ws = worldSize ?? env('WORLD_SIZE') ?? 1;
  const r = rank ?? env('RANK') ?? 0;
  if (!Number.isInteger(ws) || ws < 1) throw new Error(`shard map: world size must be a positive integer, got ${ws}`);
  if (!Number.isInteger(r) || r < 0 || r >= ws) throw new Error(`shard map: rank ${r} is outside [0, ${ws})`);
  return { rank: r, worldSize: ws };
}

/**
 * The jobs of one rank: input shards (every rank agrees on the full list) paired with outputs of
 * the same file name in `out`. Two inputs with one name would overwrite each other: an error.
 * @example planJobs('in/web', 'out/web', 1, 2) // shards 1, 3, 5, ... of in/web
 */
export function planJobs(spec: string | readonly string[], out: string, rank: number, worldSize: number): ShardJob[] {
  const inputs = inputShards(spec);
  const seen = new Map<string, string>();
  for (const p of inputs) {
    const name = basename(p);
    const other = seen.get(name);
    if (other !== undefined) throw new Error(`shard input: ${other} and ${p} share the name ${name} (outputs are named after inputs)`);
    seen.set(name, p);
    if (resolve(dirname(p)) === resolve(out)) throw new Error(`shard map: output folder ${out} is the input folder of ${p}`);
  }
  const counts = manifestCounts(inputs);
  const all = inputs.map((input, index) => ({ index, input, name: basename(input), output: join(out, basename(input)), samples: counts.get(resolve(input)) }));
  return shardsForRank(all, rank, worldSize);
}
