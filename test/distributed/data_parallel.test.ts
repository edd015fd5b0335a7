// Data parallel over c10d/Gloo with 2 local processes: collective values, the gradient of the
// gather, 2 x half batch == 1 x full batch for a tiny CLIP, and a dying rank.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { launchLocal, distConfigFromEnv, distributed, type LaunchResult } from '../../src/distributed/index.js';
import { tensor } from '../../src/engine/index.js';

const WORKER = join(dirname(fileURLToPath(import.meta.url)), 'rank_worker.js');
const TIMEOUT_MS = 5000;

async function run(nproc: number, args: string[]): Promise<LaunchResult & { lines: string[]; ms: number }> {
  const lines: string[] = [];
  const t0 = performance.now();
  const r = await launchLocal(nproc, WORKER, args, {
    env: { ZOOCLIP_DIST_TIMEOUT_MS: String(TIMEOUT_MS) }, timeoutMs: 45_000,
    write: (line, rank) => lines.push(`[${rank}] ${line}`),
  });
  return { ...r, lines, ms: performance.now() - t0 };
}

const ok = (r: LaunchResult & { lines: string[] }) => assert.ok(r.ok, `${r.message}\n${r.lines.join('\n')}`);

interface TrainOut { world: number; losses: number[]; state: Record<string, number[]> }

async function train(nproc: number, dtype: string, dir: string): Promise<TrainOut> {
  const out = join(dir, `w${nproc}-${dtype}.json`);
  ok(await run(nproc, ['train', out, dtype]));
  return JSON.parse(readFileSync(out, 'utf8')) as TrainOut;
}

function maxDiff(a: number[], b: number[]): number {
  assert.equal(a.length, b.length);
  return a.reduce((m, x, i) => Math.max(m, Math.abs(x - b[i])), 0);
}

test('a world of 1 without torchrun variables: collectives are no-ops', () => {
  const cfg = distConfigFromEnv({});
  assert.equal(cfg.worldSize, 1);
  assert.equal(cfg.rank, 0);
  assert.throws(() => distConfigFromEnv({ WORLD_SIZE: '2' }), /needs MASTER_ADDR and MASTER_PORT/);
  const x = tensor([1, 2]);
  assert.equal(distributed.allGatherWithGrad(x), x);
  distributed.allReduce(x);
  assert.deepEqual(x.toArray(), [1, 2]);
  assert.ok(distributed.isMain());
  x.dispose();
});

test('2 ranks: allreduce sum/avg, broadcast, allGather, and the gradient through allGatherWithGrad', async () => {
  const r = await run(2, ['collectives']);
  ok(r);
  assert.equal(r.lines.filter((l) => l.endsWith('done')).length, 2);
});

test('tiny CLIP, 5 AdamW steps: 2 ranks x half batch == 1 rank x full batch (float64: losses and parameters)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'zooclip-dp-'));
  try {
    const [one, two] = [await train(1, 'float64', dir), await train(2, 'float64', dir)];
    assert.equal(two.world, 2);
    assert.ok(maxDiff(one.losses, two.losses) < 1e-5, `losses ${one.losses} vs ${two.losses}`);
    for (const [name, p] of Object.entries(one.state)) {
      const d = maxDiff(p, two.state[name]);
      assert.ok(d < 1e-5, `${name}: max difference ${d}`);
    }
    assert.ok(one.losses[4] !== one.losses[0], 'the model trained');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('tiny CLIP in float32: the same losses to 1e-5', async () => {
  // Parameters are not compared in float32: the key third of in_proj_bias has an exactly zero
  // gradient (softmax ignores a constant shift), and AdamW turns its float rounding noise into ±lr steps.
  const dir = mkdtempSync(join(tmpdir(), 'zooclip-dp-'));
  try {
    const [one, two] = [await train(1, 'float32', dir), await train(2, 'float32', dir)];
    assert.ok(maxDiff(one.losses, two.losses) < 1e-5, `losses ${one.losses} vs ${two.losses}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a rank that leaves mid-run: the other fails with an error naming the collective, within the timeout', async () => {
  const r = await run(2, ['die', '0']);
  assert.equal(r.ok, false);
  assert.equal(r.failedRank, 0, r.message);
  assert.ok(r.lines.some((l) => /^\[0\] Error: dist\.allreduce failed on rank 0 of 2: /.test(l)), r.lines.join('\n'));
  assert.ok(r.ms < TIMEOUT_MS + 10_000, `took ${r.ms} ms`);
});

test('launchLocal names the rank that crashed and stops the others', async () => {
  const r = await run(2, ['die', '3']);
  assert.equal(r.ok, false);
  // Its peer's allreduce fails at once too, so either may exit first; both are named, in order.
  assert.ok(r.failedRanks.includes(1), r.message);
  assert.match(r.message, /rank 1 exited with code 3/);
  assert.ok(r.codes.every((c) => c !== 0), `codes ${r.codes}`);
});

test('a rank that stops answering: the other fails after the configured timeout instead of hanging', async () => {
  const r = await run(2, ['stall']);
  assert.equal(r.failedRank, 0, r.message);
  assert.ok(r.lines.some((l) => /^\[0\] Error: dist\.allreduce failed on rank 0 of 2: .*[Tt]imed? ?out/.test(l)), r.lines.join('\n'));
  const took = Number(/allreduce returned after (\d+) ms/.exec(r.lines.join('\n'))?.[1]);
  assert.ok(took >= TIMEOUT_MS - 500 && took < TIMEOUT_MS + 5000, `returned after ${took} ms`);
});

