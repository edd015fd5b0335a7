// Fault injection, end to end, through the real CLI: a web split with 1-2% corrupt images of every
// kind (bad header, truncated, empty, flipped bytes, oversized; JPEG, PNG and WebP), shards cut
// short, without an end marker, with unsafe names and duplicate keys; workers that exit cleanly
// mid-job. Every stage finishes with exact counts and every good sample kept, or fails loudly and
// marks nothing done. (The loader's and the pools' own tests are in test/data.)
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tarsIn } from '../../src/data/shards/folder.js';
import { readShards, type RawSample } from '../../src/data/shards/index.js';
import { runSynth } from '../../src/stages/synth/run.js';
import { damagedCopy, dropEndMarker, EVERY_IMAGE_FAULT, keysOf, members, truncateShard, writeRawTar, type DamagedSet, type ImageFault } from '../helpers/fault_world.js';

const cli = join(process.cwd(), 'dist', 'src', 'cli', 'main.js');
const onnx = (f: string): string => join(process.cwd(), 'test', 'fixtures', 'zoo', 'onnx', f);
const root = mkdtempSync(join(tmpdir(), 'zc-faults-'));
const world = join(root, 'world');

/** Runs the CLI; returns status, stdout and stderr. */
function zooclip(args: string[], env: Record<string, string> = {}, timeout = 240_000): { status: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout, env: { ...process.env, ...env } });
  return { status: r.status, out: r.stdout, err: r.stderr };
}

const json = <T>(p: string): T => JSON.parse(readFileSync(p, 'utf8')) as T;

/** Faults at every `every`-th sample (from `offset`), cycling through every kind. */
const spread = (every: number, offset = 3) => (i: number): ImageFault | undefined => (i % every === offset ? EVERY_IMAGE_FAULT[Math.floor(i / every) % EVERY_IMAGE_FAULT.length] : undefined);
/** 30% of the samples damaged. */
const heavy = (i: number): ImageFault | undefined => (i % 10 < 3 ? EVERY_IMAGE_FAULT[i % EVERY_IMAGE_FAULT.length] : undefined);

const sets: Record<'web1' | 'web30' | 'cls1' | 'cls30', DamagedSet> = {} as never;

/** A world folder for eval: its classify split replaced by a damaged copy. */
function evalWorld(name: string, set: DamagedSet): string {
  const dir = join(root, name);
  mkdirSync(join(dir, 'classify'), { recursive: true });
  for (const s of set.shards) copyFileSync(s, join(dir, 'classify', s.split('/').pop()!.replace(/^[^-]+-/, 'classify-')));
  copyFileSync(join(world, 'classify.json'), join(dir, 'classify.json'));
  return dir;
}

before(async () => {
  await runSynth({ out: world, size: 32, zoo: 0, web: 1000, probeTrain: 0, probeTest: 0, classify: 600, noise: 0.5, seed: 0, workers: 2, shardSize: 100, bench: 0, log: () => undefined });
  const web = tarsIn(join(world, 'web')), cls = tarsIn(join(world, 'classify'));
  sets.web1 = await damagedCopy(web, join(world, 'web1'), 'web1', 100, spread(59));
  sets.web30 = await damagedCopy(web, join(world, 'web30'), 'web30', 100, heavy);
  sets.cls1 = await damagedCopy(cls, join(root, 'cls1-src'), 'classify', 100, spread(37, 5));
  sets.cls30 = await damagedCopy(cls, join(root, 'cls30-src'), 'classify', 100, heavy);
}, { timeout: 240_000 });

const rate = (s: DamagedSet): number => s.bad.size / s.keys.length;

describe('1-3% corrupt images of every kind: every stage finishes, counts exactly, keeps every good sample', { timeout: 600_000 }, () => {
  test('the damaged sets hold every kind', () => {
    assert.ok(rate(sets.web1) > 0.01 && rate(sets.web1) < 0.05, `web1 ${rate(sets.web1)}`);
    assert.ok(sets.web1.byReason['image-too-large']! >= 3 && sets.web1.byReason['bad-image']! >= 10, JSON.stringify(sets.web1.byReason));
    assert.ok(rate(sets.cls1) > 0.01 && rate(sets.cls1) < 0.05, `cls1 ${rate(sets.cls1)}`);
    assert.ok(rate(sets.web30) > 0.25);
  });

  for (const stage of ['label', 'caption'] as const) {
    test(`zooclip ${stage}`, { timeout: 300_000 }, async () => {
      const out = join(root, `${stage}-1`);
      const model = stage === 'label' ? ['--expert', `seg=${onnx('seg.json')}`] : ['--model', onnx('captioner.json'), '--n', '2'];
      const r = zooclip([stage, ...model, '--in', sets.web1.dir, '--out', out, '--batch', '16']);
      assert.equal(r.status, 0, r.err);
      const result = json<{ read: number; samples: number; skipped: number; skips: { byReason: object } }>(join(out, `${stage}.json`));
      assert.equal(result.read, 1000);
      assert.equal(result.samples, 1000 - sets.web1.bad.size);
      assert.deepEqual(result.skips.byReason, sets.web1.byReason);
      const written = await keysOf(tarsIn(out));
      assert.deepEqual(written, sets.web1.keys.filter((k) => !sets.web1.bad.has(k)), 'every good sample, once, in order');
      for (const t of tarsIn(out)) assert.ok(existsSync(`${t}.done.json`), `${t} is marked done`);
      const firstBad = [...sets.web1.bad.keys()][0]!;
      assert.match(r.out + r.err, new RegExp(`key '${firstBad}'`), 'the skip names the key');
    });
  }

  test('zooclip train (one pass, no shuffle): result.json counts the skips of the samples it read', { timeout: 300_000 }, () => {
    const good = sets.web1.keys.filter((k) => !sets.web1.bad.has(k));
    const batch = 32, steps = Math.floor(good.length / batch) - 1;
    const last = sets.web1.keys.indexOf(good[steps * batch - 1]!);  // the last sample trained on
    const expected: Record<string, number> = {};
    for (const k of sets.web1.keys.slice(0, last)) { const why = sets.web1.bad.get(k); if (why) expected[why] = (expected[why] ?? 0) + 1; }
    const out = join(root, 'train-1');
    const r = zooclip(['train', '--set', `run.out=${out}`, '--set', `data.root=${world}`, '--set', 'data.split=web1', '--set', `data.batch=${batch}`, '--set', 'data.shuffle=0',
      '--set', `run.steps=${steps}`, '--set', 'optim.warmup=2', '--set', 'checkpoint.every=1000', '--set', 'eval.zeroShot=false', '--set', 'model.name=zooclip-micro']);
    assert.equal(r.status, 0, r.err);
    const result = json<{ steps: number; data: { samples: number; skipped: { total: number; byReason: object } } }>(join(out, 'result.json'));
    assert.equal(result.steps, steps);
    assert.equal(result.data.samples, steps * batch);
    assert.deepEqual(result.data.skipped.byReason, expected);
  });

  test('zooclip eval: zero-shot scores every good image and counts the bad ones', { timeout: 300_000 }, () => {
    const dir = evalWorld('eval-world-1', sets.cls1);
    const out = join(root, 'eval-1');
    const r = zooclip(['eval', '--model', 'zooclip-micro', '--data', dir, '--tasks', 'zeroshot', '--out', out, '--device', 'cpu']);
    assert.equal(r.status, 0, r.err);
    const e = json<{ data: { read: { zeroshot: { samples: number; skipped: { byReason: object } } } }; tasks: { zeroshot: Record<string, { images: number }> } }>(join(out, 'eval.json'));
    assert.equal(e.data.read.zeroshot.samples, 600 - sets.cls1.bad.size);
    assert.deepEqual(e.data.read.zeroshot.skipped.byReason, sets.cls1.byReason);
    for (const [task, t] of Object.entries(e.tasks.zeroshot)) assert.equal(t.images, 600 - sets.cls1.bad.size, task);
    assert.match(r.out, /\[zeroshot\] read 600 images: \d+ used, \d+ skipped \(/);
  });

  test('zooclip import: the damaged images of a folder are refused by reason, the rest kept', { timeout: 120_000 }, async () => {
    const input = join(root, 'import-in');
    mkdirSync(input, { recursive: true });
    const samples: RawSample[] = [];
    for await (const s of readShards(sets.web1.shards.slice(0, 3))) samples.push(s);
    const bad = samples.filter((s) => sets.web1.bad.has(s.key));
    for (const s of samples) {
      const ext = ['jpg', 'png', 'webp'].find((e) => s.fields.has(e))!;
      writeFileSync(join(input, `${s.key}.${ext}`), s.fields.get(ext)!);
      writeFileSync(join(input, `${s.key}.txt`), s.fields.get('txt')!);
    }
    const out = join(root, 'import-out');
    const r = zooclip(['import', '--in', input, '--out', out]);
    assert.equal(r.status, 0, r.err);
    assert.match(r.out, new RegExp(`imported ${samples.length - bad.length} of ${samples.length} images`));
    const record = json<{ lastRun: { written: number; skipped: { total: number } } }>(join(out, 'data-import.json'));
    assert.equal(record.lastRun.skipped.total, bad.length);
    assert.deepEqual((await keysOf(tarsIn(out))).length, samples.length - bad.length);
  });
});

describe('30% corrupt: every stage fails loudly and marks nothing done', { timeout: 600_000 }, () => {
  test('label and caption fail on the first shard, which is not marked done', { timeout: 120_000 }, () => {
    for (const [stage, model] of [['label', ['--expert', `seg=${onnx('seg.json')}`]], ['caption', ['--model', onnx('captioner.json')]]] as const) {
      const out = join(root, `${stage}-30`);
      const r = zooclip([stage, ...model, '--in', sets.web30.dir, '--out', out]);
      assert.equal(r.status, 1, `${stage} exits 1`);
      const bad = sets.web30.keys.slice(0, 100).filter((k) => sets.web30.bad.has(k)).length;
      assert.match(r.err, new RegExp(`${stage}: shard .*web30-000000\\.tar \\(not marked done\\): ${bad} of 100 samples skipped \\(${bad}\\.0%, over the limit of 5\\.0%`));
      assert.deepEqual(readdirSync(out).filter((f) => f.endsWith('.done.json') || f.endsWith('.tar') || f.endsWith('.tmp')), [], `${stage}: nothing written or marked done`);
    }
  });

  test('train stops with the skip rate, and writes no final checkpoint', { timeout: 120_000 }, () => {
    const out = join(root, 'train-30');
    const r = zooclip(['train', '--set', `run.out=${out}`, '--set', `data.root=${world}`, '--set', 'data.split=web30', '--set', 'data.batch=32', '--set', 'run.steps=40',
      '--set', 'optim.warmup=2', '--set', 'eval.zeroShot=false', '--set', 'model.name=zooclip-micro']);
    assert.equal(r.status, 1);
    assert.match(r.err, /Loader: \d+ of \d+ samples skipped \(\d+\.\d%, over the limit of 5\.0%/);
    assert.ok(!existsSync(join(out, 'result.json')));
  });

  test('eval fails instead of scoring what is left', { timeout: 120_000 }, () => {
    const out = join(root, 'eval-30');
    const r = zooclip(['eval', '--model', 'zooclip-micro', '--data', evalWorld('eval-world-30', sets.cls30), '--tasks', 'zeroshot', '--out', out, '--device', 'cpu']);
    assert.equal(r.status, 1);
    assert.match(r.err, /over the limit of 5\.0%/);
    assert.ok(!existsSync(join(out, 'eval.json')), 'no eval.json with a score on 70% of the images');
  });
});

describe('damaged shards: counted exactly, by reason', { timeout: 300_000 }, () => {
  test('truncated, unterminated, unsafe and duplicate members', { timeout: 120_000 }, async () => {
    const dir = join(root, 'shardfaults');
    const set = await damagedCopy(tarsIn(join(world, 'web')).slice(0, 4), dir, 'sf', 100, () => undefined);
    truncateShard(set.shards[1]!, 0.6);          // cut inside a member: the manifest says 100 samples
    dropEndMarker(set.shards[2]!);               // whole members, no end-of-archive marker
    const odd: RawSample[] = [];
    for await (const s of readShards([set.shards[3]!])) odd.push(s);
    const m = members(odd.slice(0, 10));
    m.splice(members(odd.slice(0, 2)).length, 0, ['../escape.txt', Buffer.from('x')]);  // an unsafe name, between two samples
    m.push(...members([odd[2]!]));                                               // a key seen earlier in the shard
    writeRawTar(set.shards[3]!, m);
    const got = await keysOf(set.shards.slice(1, 2));
    const out = join(root, 'label-sf');
    const strict = zooclip(['label', '--expert', `seg=${onnx('seg.json')}`, '--in', dir, '--out', out]);
    assert.equal(strict.status, 1, 'the truncated shard passes the default skip limit');
    assert.match(strict.err, new RegExp(`sf-000001\\.tar \\(not marked done\\): ${100 - got.length} of 100 samples skipped`));
    assert.ok(existsSync(join(out, 'sf-000000.tar.done.json')) && !existsSync(join(out, 'sf-000001.tar.done.json')));
    const r = zooclip(['label', '--expert', `seg=${onnx('seg.json')}`, '--in', dir, '--out', out, '--max-skip-rate', '0.5']);
    assert.equal(r.status, 0, r.err);
    const result = json<{ read: number; samples: number; skips: { byReason: Record<string, number> } }>(join(out, 'label.json'));
    assert.deepEqual(result.skips.byReason, { truncated: 100 - got.length + 1, 'unsafe-path': 1, 'duplicate-key': 1 });
    assert.equal(result.samples, got.length + 99 + 10);
    assert.match(r.out + r.err, /its index records 100 samples, so \d+ are lost/);
  });
});

describe('workers that exit cleanly mid-job: the stage fails with a message, never exits 0 or hangs', { timeout: 300_000 }, () => {
  test('synth', { timeout: 120_000 }, () => {
    const out = join(root, 'synth-fault');
    const r = zooclip(['synth', '--out', out, '--size', '32', '--zoo', '40', '--web', '0', '--probe-train', '0', '--probe-test', '0', '--classify', '0', '--bench', '0', '--workers', '2'],
      { ZOOCLIP_FAULT_INJECT: 'synth:exit0:3' });
    assert.equal(r.status, 1);
    assert.match(r.err, /synth worker \d exited \(code 0\) while the pool was in use/);
  });

  test('eval (decode pool) and label (decode in the main thread, still fine)', { timeout: 120_000 }, () => {
    const out = join(root, 'eval-fault');
    const r = zooclip(['eval', '--model', 'zooclip-micro', '--data', world, '--tasks', 'zeroshot', '--out', out, '--device', 'cpu'], { ZOOCLIP_FAULT_INJECT: 'decode:exit0:1' });
    assert.equal(r.status, 1);
    assert.match(r.err, /decode worker \d exited \(code 0\) while the pool was in use/);
    assert.ok(!existsSync(join(out, 'eval.json')));
  });

  test('a hung worker is stopped by the job timeout', { timeout: 120_000 }, () => {
    const r = zooclip(['eval', '--model', 'zooclip-micro', '--data', world, '--tasks', 'zeroshot', '--out', join(root, 'eval-hang'), '--device', 'cpu'],
      { ZOOCLIP_FAULT_INJECT: 'decode:hang:1', ZOOCLIP_JOB_TIMEOUT_MS: '3000' });
    assert.equal(r.status, 1);
    assert.match(r.err, /decode worker \d gave no answer to a job in 3 s \(hung\?\)/);
  });
});
