// The reinforce stage: two teachers over a tiny world split write paug.json + npz next to
// byte-identical fields, on caption/label's shard mapping (resume after SIGKILL gives each sample
// once and the same bytes, ranks split the shards), and the loader's replay of a stored view makes
// the very pixels the teachers embedded: re-running a teacher on the replayed batch gives the row.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Loader, shardSource, type Batch } from '../../src/data/loader/index.js';
import { readShards, type RawSample } from '../../src/data/shards/index.js';
import { readNpz, toFloat32 } from '../../src/data/shards/npz.js';
import { parsePaug } from '../../src/data/shards/paug.js';
import { noGrad, tidy } from '../../src/engine/index.js';
import { runSynth } from '../../src/stages/synth/run.js';
import { runReinforce, type ReinforceRunOptions } from '../../src/stages/reinforce/run.js';
import { loadTeacher, type ReinforceTeacher } from '../../src/stages/reinforce/teachers.js';
import { inputShards, readDone } from '../../src/zoo/shard_map.js';

/** web (24 samples, shards of 8) at 32x32, and a 2-layer CLIP config for 32 px images with the full vocabulary. */
async function makeWorld(): Promise<{ root: string; model: string }> {
  const root = mkdtempSync(join(tmpdir(), 'zc-reinforce-'));
  await runSynth({ out: root, size: 32, zoo: 0, web: 24, probeTrain: 0, probeTest: 0, classify: 0, noise: 0.5, seed: 5, bench: 0, workers: 2, shardSize: 8, log: () => {} });
  const model = join(root, 'teacher.json');
  writeFileSync(model, JSON.stringify({
    embed_dim: 16, vision_cfg: { image_size: 32, layers: 1, width: 32, head_width: 16, patch_size: 8 },
    text_cfg: { context_length: 24, vocab_size: 49408, width: 32, heads: 2, layers: 1 },
  }));
  return { root, model };
}
let world: Promise<{ root: string; model: string }> | undefined;
const tinyWorld = (): Promise<{ root: string; model: string }> => (world ??= makeWorld());

/** Two teachers: the same tiny architecture at two random inits. */
function teachers(model: string): ReinforceTeacher[] {
  return [1, 2].map((seed) => loadTeacher(model, { seed }));
}

async function readAll(spec: string | string[]): Promise<RawSample[]> {
  const out: RawSample[] = [];
  for await (const s of readShards(inputShards(spec))) out.push(s);
  return out;
}

const quiet = { log: (): void => {}, tty: false };
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const tars = (dir: string): string[] => readdirSync(dir).filter((f) => f.endsWith('.tar')).sort();
const OPTS = { augs: 4, randAugment: false, dtype: 'f32', batch: 3 } satisfies Partial<ReinforceRunOptions>;

/** Every input sample once, fields byte-identical, plus paug.json (augs entries) and npz [augs, 32] / [1 + n_syn, 32] with unit-norm halves. */
async function checkOutput(inDir: string, outDir: string, augs: number): Promise<void> {
  const input = await readAll(inDir), output = await readAll(outDir);
  assert.equal(input.length, 24);
  assert.deepEqual(output.map((s) => s.key), input.map((s) => s.key), 'same keys, same order, each once');
  for (const [i, s] of input.entries()) {
    const o = output[i]!;
    for (const [ext, buf] of s.fields) assert.equal(sha(o.fields.get(ext)!), sha(buf), `${s.key}.${ext} untouched`);
    assert.deepEqual([...o.fields.keys()].sort(), [...s.fields.keys(), 'npz', 'paug.json'].sort());
    const entries = parsePaug(o.fields.get('paug.json')!);
    assert.equal(entries.length, augs);
    for (const e of entries) assert.ok(e.flip === undefined && e.randAugment === undefined && e.crop[2]! >= 1, JSON.stringify(e));
    const npz = readNpz(o.fields.get('npz')!);
    const img = npz.get('image_emb')!, txt = npz.get('text_emb')!;
    const nSyn = s.fields.has('syn.json') ? (JSON.parse(s.fields.get('syn.json')!.toString()) as { syn_text: string[] }).syn_text.length : 0;
    assert.deepEqual(img.shape, [augs, 32]);
    assert.deepEqual(txt.shape, [1 + nSyn, 32]);
    const v = toFloat32(img);
    for (let r = 0; r < augs; r++) for (const h of [0, 16]) {
      const norm = Math.hypot(...v.subarray(r * 32 + h, r * 32 + h + 16));
      assert.ok(Math.abs(norm - 1) < 1e-5, `${s.key} row ${r} teacher ${h / 16}: norm ${norm}`);
    }
  }
}

// Child mode: reinforce slowly (each teacher forward waits 150 ms) until killed by the parent test.
if (process.env.ZC_REINFORCE_CHILD) {
  const [inDir, outDir, model] = process.env.ZC_REINFORCE_CHILD.split('::') as [string, string, string];
  const ts = teachers(model);
  for (const t of ts) {
    const encode = t.model.encodeImage.bind(t.model);
    t.model.encodeImage = (x, n) => { Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 150); return encode(x, n); };
  }
  await runReinforce(ts, { in: inDir, out: outDir, ...OPTS, batch: 2, ...quiet });
} else {
  test('reinforce: two teachers; each sample gets paug.json + npz beside its byte-identical fields; reruns keep finished shards; 2 ranks split them', { timeout: 240000 }, async () => {
    const w = await tinyWorld();
    const out = join(mkdtempSync(join(tmpdir(), 'zc-rf-out-')), 'web');
    const ts = teachers(w.model);
    try {
      const r = await runReinforce(ts, { in: join(w.root, 'web'), out, ...OPTS, ...quiet });
      assert.equal(r.samples, 24);
      assert.equal(r.teacherPasses, 24 * 4 * 2);
      assert.deepEqual(tars(out), ['web-000000.tar', 'web-000001.tar', 'web-000002.tar']);
      await checkOutput(join(w.root, 'web'), out, 4);
      assert.equal(readDone(join(out, 'web-000001.tar'))!.samples, 8);
      const again = await runReinforce(ts, { in: join(w.root, 'web'), out, ...OPTS, ...quiet });
      assert.deepEqual([again.kept.length, again.written.length], [3, 0]);
      await assert.rejects(runReinforce(ts, { in: join(w.root, 'web'), out, ...OPTS, augs: 5, ...quiet }), /finished with other settings/);
      await assert.rejects(runReinforce(ts, { in: out, out: join(out, '..', 'twice'), ...OPTS, ...quiet }), /key web-0000000 already has paug\.json \(use --replace/);
      await assert.rejects(runReinforce(ts, { in: join(w.root, 'web'), out: join(out, '..', 'vb'), ...OPTS, viewBatch: 0, ...quiet }), /--view-batch must be a positive integer, got 0/);
      const ranks = join(mkdtempSync(join(tmpdir(), 'zc-rf-rank-')), 'web');
      const [a, b] = await Promise.all([0, 1].map((rank) => runReinforce(ts, { in: join(w.root, 'web'), out: ranks, rank, worldSize: 2, ...OPTS, ...quiet })));
      assert.equal(a!.samples + b!.samples, 24);
      for (const f of tars(out)) assert.equal(sha(readFileSync(join(ranks, f))), sha(readFileSync(join(out, f))), `${f}: the same bytes from 2 ranks as from 1`);
    } finally {
      for (const t of ts) t.model.dispose();
    }
  });

  test('reinforce: a killed process (SIGKILL) and a rerun give every sample exactly once, with the bytes of an uninterrupted run', { timeout: 240000 }, async () => {
    const w = await tinyWorld();
    const out = join(mkdtempSync(join(tmpdir(), 'zc-rf-kill-')), 'web');
    const child = spawn(process.execPath, [fileURLToPath(import.meta.url)], { env: { ...process.env, ZC_REINFORCE_CHILD: `${join(w.root, 'web')}::${out}::${w.model}` }, stdio: 'ignore' });
    const exited = new Promise<NodeJS.Signals | null>((res) => child.on('exit', (_c, sig) => res(sig)));
    const t0 = Date.now();
    while (!readDone(join(out, 'web-000000.tar')) && Date.now() - t0 < 120000) await new Promise((r) => setTimeout(r, 20));
    child.kill('SIGKILL');
    assert.equal(await exited, 'SIGKILL', 'the child was killed mid-run');
    assert.ok(!readDone(join(out, 'web-000002.tar')), 'killed before the end');
    const ts = teachers(w.model);
    try {
      const r = await runReinforce(ts, { in: join(w.root, 'web'), out, ...OPTS, ...quiet });
      assert.ok(r.kept.includes(join(out, 'web-000000.tar')));
      assert.deepEqual(readdirSync(out).filter((f) => f.endsWith('.tmp')), []);
      await checkOutput(join(w.root, 'web'), out, 4);
      const whole = join(mkdtempSync(join(tmpdir(), 'zc-rf-whole-')), 'web');
      await runReinforce(ts, { in: join(w.root, 'web'), out: whole, ...OPTS, ...quiet });
      for (const f of tars(out)) assert.equal(sha(readFileSync(join(out, f))), sha(readFileSync(join(whole, f))), `${f}: same bytes as an uninterrupted run`);
    } finally {
      for (const t of ts) t.model.dispose();
    }
  });

  /** Largest |teacher(loader's replayed pixels) - stored row| over every sample and both teachers. */
  async function replayGap(dir: string, ts: ReinforceTeacher[], replay: 'uniform' | 'off'): Promise<number> {
    const loader = new Loader({ source: shardSource(inputShards(dir)), batchSize: 8, imageSize: 32, teacher: true, replay, workers: 0, shuffle: 0, seed: 3 });
    let gap = 0, seen = 0;
    try {
      for await (const b of loader as AsyncIterable<Batch>) {
        const stored = b.teacher!.image.toArray();
        ts.forEach((t, i) => {
          const emb = tidy(() => noGrad(() => t.model.encodeImage(b.images).toArray()));
          for (let r = 0; r < b.keys.length; r++) for (let c = 0; c < 16; c++) gap = Math.max(gap, Math.abs(emb[r * 16 + c]! - stored[r * 32 + i * 16 + c]!));
        });
        seen += b.keys.length;
        b.dispose();
      }
    } finally {
      await loader.close();
    }
    assert.equal(seen, 24);
    return gap;
  }

  test('reinforce: the loader replays the stored view, so each teacher re-run on the replayed batch gives the stored row (f32 within 1e-5, f16 within 2e-3; with RandAugment ops stored too)', { timeout: 300000 }, async () => {
    const w = await tinyWorld();
    const ts = teachers(w.model);
    try {
      // the last case stores RandAugment ops too (the CLI's default), so replay must apply them exactly
      for (const [dtype, tol, randAugment] of [['f32', 1e-5, false], ['f16', 2e-3, false], ['f32', 1e-5, true]] as const) {
        const out = join(mkdtempSync(join(tmpdir(), `zc-rf-replay-${dtype}-`)), 'web');
        await runReinforce(ts, { in: join(w.root, 'web'), out, ...OPTS, dtype, randAugment, ...quiet });
        const gap = await replayGap(out, ts, 'uniform');
        assert.ok(gap < tol, `${dtype}${randAugment ? ' + RandAugment' : ''}: replayed view vs stored row: max abs difference ${gap} (tolerance ${tol})`);
        const random = await replayGap(out, ts, 'off');
        assert.ok(random > 20 * tol, `${dtype}: random crops instead differ by ${random}`);
      }
    } finally {
      for (const t of ts) t.model.dispose();
    }
  });
}
