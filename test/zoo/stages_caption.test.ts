// The caption stage and the shard-to-shard machinery: outputs, byte-identical fields, resume after
// a thrown error and after a killed process, rank split, settings check, read back by the Loader.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Loader, shardSource } from '../../src/data/loader/index.js';
import { readShards, type RawSample } from '../../src/data/shards/index.js';
import { runSynth } from '../../src/stages/synth/run.js';
import { runCaption } from '../../src/stages/caption/run.js';
import { inputShards, readDone } from '../../src/zoo/shard_map.js';
import type { CaptionOptions, Captioner, RgbImage } from '../../src/zoo/types.js';

/** A captioner whose captions are a function of the image's pixels, its key and the seed; it can fail after some calls. */
class PixelCaptioner implements Captioner {
  readonly name = 'test:pixels';
  calls = 0;
  constructor(private readonly failAfter = Infinity, private readonly delayMs = 0) {}
  async caption(images: RgbImage[], keys: string[], o: CaptionOptions): Promise<string[][]> {
    if (this.calls++ >= this.failAfter) throw new Error('captioner crashed');
    if (this.delayMs) await new Promise((r) => setTimeout(r, this.delayMs));
    return images.map((img, i) => {
      let sum = 0;
      for (const v of img.data) sum += v;
      return Array.from({ length: o.n }, (_, k) => `${keys[i]} ${img.width}x${img.height} mean ${(sum / img.data.length).toFixed(3)} seed ${o.seed} #${k}`);
    });
  }
  dispose(): void {}
}

let world: Promise<string> | undefined;
/** web (24 samples, shards of 8) and zoo (8) splits at 32x32. */
function tinyWorld(): Promise<string> {
  world ??= (async () => {
    const root = mkdtempSync(join(tmpdir(), 'zc-caption-'));
    await runSynth({ out: root, size: 32, zoo: 8, web: 24, probeTrain: 0, probeTest: 0, classify: 0, noise: 0.5, seed: 3, bench: 0, workers: 2, shardSize: 8, log: () => {} });
    return root;
  })();
  return world;
}

async function readAll(spec: string | string[]): Promise<RawSample[]> {
  const out: RawSample[] = [];
  for await (const s of readShards(inputShards(spec))) out.push(s);
  return out;
}

const quiet = { log: () => {}, tty: false };
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/** Every input sample once in the output, its fields byte-identical, plus a syn.json with n captions. */
async function checkOutput(inDir: string, outDir: string, n: number): Promise<void> {
  const input = await readAll(inDir);
  const output = await readAll(outDir);
  assert.ok(input.length >= 8, `read ${input.length} input samples`);
  assert.deepEqual(output.map((s) => s.key), input.map((s) => s.key), 'same keys, same order, each once');
  for (const [i, s] of input.entries()) {
    const o = output[i]!;
    for (const [ext, buf] of s.fields) assert.equal(sha(o.fields.get(ext)!), sha(buf), `${s.key}.${ext} untouched`);
    assert.deepEqual([...o.fields.keys()].sort(), [...s.fields.keys(), 'syn.json'].sort());
    const syn = JSON.parse(o.fields.get('syn.json')!.toString()) as { syn_text: string[] };
    assert.equal(syn.syn_text.length, n);
    assert.match(syn.syn_text[0]!, new RegExp(`^${s.key} 32x32 mean \\d+\\.\\d{3} seed 0 #0$`));
  }
}

// Child mode: caption slowly until killed by the parent test.
if (process.env.ZC_CAPTION_CHILD) {
  const [inDir, outDir] = process.env.ZC_CAPTION_CHILD.split('::') as [string, string];
  await runCaption(new PixelCaptioner(Infinity, 300), { in: inDir, out: outDir, batch: 4, caption: { n: 2 }, ...quiet });
} else {
  test('caption: every sample gets syn.json next to its byte-identical fields; same names as the inputs', async () => {
    const root = await tinyWorld();
    const out = join(mkdtempSync(join(tmpdir(), 'zc-cap-out-')), 'web');
    const r = await runCaption(new PixelCaptioner(), { in: join(root, 'web'), out, batch: 5, caption: { n: 3 }, ...quiet });
    assert.equal(r.samples, 24);
    assert.deepEqual(readdirSync(out).filter((f) => f.endsWith('.tar')), ['web-000000.tar', 'web-000001.tar', 'web-000002.tar']);
    await checkOutput(join(root, 'web'), out, 3);
    const done = readDone(join(out, 'web-000001.tar'))!;
    assert.equal(done.samples, 8);
    assert.match(done.sha256, /^[0-9a-f]{64}$/);
    // A rerun keeps every finished shard.
    const again = await runCaption(new PixelCaptioner(0), { in: join(root, 'web'), out, batch: 5, caption: { n: 3 }, ...quiet });
    assert.equal(again.kept.length, 3);
    assert.equal(again.written.length, 0);
    // Other settings on a finished output: an error, not a silent mix.
    await assert.rejects(runCaption(new PixelCaptioner(), { in: join(root, 'web'), out, caption: { n: 4 }, ...quiet }), /finished with other settings/);
  });

  test('caption: a run that throws mid-way, plus leftovers of a killed writer, then a rerun: each sample exactly once', async () => {
    const root = await tinyWorld();
    const out = join(mkdtempSync(join(tmpdir(), 'zc-cap-int-')), 'web');
    // batch 4: shard 0 takes calls 0-1, shard 1 fails on its second call.
    await assert.rejects(runCaption(new PixelCaptioner(3), { in: join(root, 'web'), out, batch: 4, caption: { n: 2 }, ...quiet }), /captioner crashed/);
    assert.ok(readDone(join(out, 'web-000000.tar')), 'shard 0 finished');
    assert.ok(!existsSync(join(out, 'web-000001.tar')), 'shard 1 was not renamed into place');
    // What a SIGKILL leaves: a temp file, and a shard renamed but not yet marked done.
    writeFileSync(join(out, '.web-000001.tar.999.deadbeef.tmp'), 'partial');
    writeFileSync(join(out, 'web-000002.tar'), 'half a shard');
    const r = await runCaption(new PixelCaptioner(), { in: join(root, 'web'), out, batch: 4, caption: { n: 2 }, ...quiet });
    assert.deepEqual(r.kept, [join(out, 'web-000000.tar')]);
    assert.equal(r.samples, 16);
    assert.deepEqual(readdirSync(out).filter((f) => f.endsWith('.tmp')), []);
    await checkOutput(join(root, 'web'), out, 2);
  });

  test('caption: a killed process (SIGKILL) and a rerun give every sample exactly once', async () => {
    const root = await tinyWorld();
    const out = join(mkdtempSync(join(tmpdir(), 'zc-cap-kill-')), 'web');
    const child = spawn(process.execPath, [fileURLToPath(import.meta.url)], { env: { ...process.env, ZC_CAPTION_CHILD: `${join(root, 'web')}::${out}` }, stdio: 'ignore' });
    const exited = new Promise<NodeJS.Signals | null>((res) => child.on('exit', (_c, sig) => res(sig)));
    const t0 = Date.now();
    while (!readDone(join(out, 'web-000000.tar')) && Date.now() - t0 < 20000) await new Promise((r) => setTimeout(r, 20));
    child.kill('SIGKILL');
    assert.equal(await exited, 'SIGKILL', 'the child was killed mid-run');
    assert.ok(!readDone(join(out, 'web-000002.tar')), 'killed before the end');
    const r = await runCaption(new PixelCaptioner(), { in: join(root, 'web'), out, batch: 4, caption: { n: 2 }, ...quiet });
    assert.ok(r.kept.includes(join(out, 'web-000000.tar')));
    assert.deepEqual(readdirSync(out).filter((f) => f.endsWith('.tmp')), []);
    await checkOutput(join(root, 'web'), out, 2);
  });

  test('caption: 2 ranks split the shards, together covering each exactly once', async () => {
    const root = await tinyWorld();
    const out = join(mkdtempSync(join(tmpdir(), 'zc-cap-rank-')), 'web');
    const [a, b] = await Promise.all([0, 1].map((rank) => runCaption(new PixelCaptioner(), { in: join(root, 'web'), out, rank, worldSize: 2, caption: { n: 1 }, ...quiet })));
    assert.deepEqual(a!.written, [join(out, 'web-000000.tar'), join(out, 'web-000002.tar')]);
    assert.deepEqual(b!.written, [join(out, 'web-000001.tar')]);
    assert.equal(a!.samples + b!.samples, 24);
    await checkOutput(join(root, 'web'), out, 1);
    // RANK / WORLD_SIZE from the environment when not given.
    process.env.RANK = '1'; process.env.WORLD_SIZE = '2';
    try {
      const r = await runCaption(new PixelCaptioner(), { in: join(root, 'web'), out, caption: { n: 1 }, ...quiet });
      assert.deepEqual(r.kept, [join(out, 'web-000001.tar')]);
    } finally {
      delete process.env.RANK; delete process.env.WORLD_SIZE;
    }
  });

  test('caption: an existing syn.json is an error naming shard and key, or replaced with replace', async () => {
    const root = await tinyWorld();
    const out = join(mkdtempSync(join(tmpdir(), 'zc-cap-rep-')), 'zoo');
    await assert.rejects(runCaption(new PixelCaptioner(), { in: join(root, 'zoo'), out, ...quiet }), /zoo-000000\.tar key zoo-0000000 already has syn\.json \(use --replace/);
    await runCaption(new PixelCaptioner(), { in: join(root, 'zoo'), out, replace: true, caption: { n: 2 }, ...quiet });
    const s = await readAll(out);
    assert.equal(s.length, 8);
    assert.match(JSON.parse(s[0]!.fields.get('syn.json')!.toString()).syn_text[1] as string, /#1$/);
  });

  test('caption: the Loader reads the written syn.json (sequential mode gives caption epoch mod n)', async () => {
    const root = await tinyWorld();
    const out = join(mkdtempSync(join(tmpdir(), 'zc-cap-load-')), 'web');
    await runCaption(new PixelCaptioner(), { in: join(root, 'web'), out, caption: { n: 3 }, ...quiet });
    const loader = new Loader({ source: shardSource(join(out, 'web-{000000..000002}.tar')), batchSize: 24, imageSize: 32, train: false, workers: 0,
      captions: { mode: 'sequential' } });
    try {
      let seen = 0;
      for (let epoch = 0; epoch < 2; epoch++) {
        for await (const b of loader) {
          b.keys.forEach((k, i) => assert.match(b.captions[i]!, new RegExp(`^${k} 32x32 .* #${epoch}$`)));
          seen += b.keys.length;
          b.dispose();
        }
      }
      assert.equal(seen, 48);
    } finally {
      await loader.close();
    }
  });
}

if (!process.env.ZC_CAPTION_CHILD) {
  test('plugin specs: template parts, zooclip expert folders (task checked), clear errors for the rest', async () => {
    const { loadCaptioner, loadExpert, templateParts } = await import('../../src/zoo/load.js');
    const { DenseModel, defaultHeadSpec, saveExpert, towerFromConfig } = await import('../../src/dense/index.js');
    const { SEG_CLASSES: WORLD_CLASSES } = await import('../../src/data/synth/world.js');
    const { getModelConfig } = await import('../../src/models/config.js');
    assert.deepEqual(templateParts('template:seg=runs/a=b,det=human'), { seg: 'runs/a=b', det: 'human' });
    assert.throws(() => templateParts('template:seg=runs/seg'), /needs det=<expert>/);
    assert.throws(() => templateParts('template:depth=x,det=y'), /'depth=x' is not seg=<expert> or det=<expert>/);
    const dir = mkdtempSync(join(tmpdir(), 'zc-plugins-'));
    const cfg = getModelConfig('zooclip-tiny-test');
    for (const task of ['seg', 'det'] as const) {
      const model = new DenseModel(towerFromConfig(cfg), defaultHeadSpec(task, WORLD_CLASSES.length));
      saveExpert(model, { format: 'zooclip-expert', version: 1, task, model: cfg, modelName: 'zooclip-tiny-test', head: model.spec, classes: [...WORLD_CLASSES],
        inputSize: cfg.vision_cfg.image_size, mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5], depthScale: 1, threshold: 0.5 }, join(dir, task));
      model.dispose();
    }
    const seg = await loadExpert('seg', join(dir, 'seg'));
    assert.equal(seg.task, 'seg');
    const [out] = await seg.predict([{ data: new Uint8Array(40 * 24 * 3).fill(90), width: 40, height: 24 }], { threshold: 0 });
    assert.equal(out!.seg!.labels.length, 40 * 24);
    seg.dispose();
    await assert.rejects(loadExpert('depth', join(dir, 'seg')), /serves 'seg', not 'depth'/);
    await assert.rejects(loadExpert('seg', 'human'), /only serves det/);
    await assert.rejects(loadExpert('seg', dir), /has no expert\.json/);
    await assert.rejects(loadExpert('seg', 'nothing-here'), /not a folder with expert\.json, an ONNX spec/);
    await assert.rejects(loadCaptioner(join(dir, 'missing.json')), /no such ONNX spec file/);
    await assert.rejects(loadCaptioner(dir), /has no captioner\.json/);
    const tpl = await loadCaptioner(`template:seg=${join(dir, 'seg')},det=${join(dir, 'det')}`);
    assert.match(tpl.name, /^template:det=zooclip:.*det,seg=zooclip:.*seg$/);
    const caps = await tpl.caption([{ data: new Uint8Array(32 * 32 * 3).fill(200), width: 32, height: 32 }], ['k'], { n: 2, strategy: 'sample', topP: 0.9, temperature: 1, beams: 1, maxLength: 10, seed: 0 });
    assert.equal(caps[0]!.length, 2);
    tpl.dispose();
  });
}
