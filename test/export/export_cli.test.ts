// `zooclip export` end to end through the CLI, on seeded zooclip-tiny models saved as open_clip
// folders and as a training checkpoint with CLIPTeX heads: the folder's files and manifest, a rerun
// that says 'up to date' and changes nothing, --force rewriting byte-identical files, another model
// refused without --force and replaced with it, a failed verification leaving the folder as it was,
// and the refusals (a foreign folder, bad dtypes or external-data mode, a head the model lacks).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { manualSeed } from '../../src/engine/index.js';
import { createModel } from '../../src/models/clip.js';
import { saveOpenClip } from '../../src/models/open_clip_folder.js';
import { saveSafetensors } from '../../src/io/safetensors.js';
import { fileSha256, type ExportManifest } from '../../src/stages/export/manifest.js';
import { resolveConfig } from '../../src/stages/train/config.js';
import { attachTaskHeads } from '../../src/stages/train/task_heads.js';

const cli = join(process.cwd(), 'dist', 'src', 'cli', 'main.js');
let root = '';

function saveTiny(dir: string, seed: number): void {
  manualSeed(seed);
  const model = createModel('zooclip-tiny');
  saveOpenClip(model, dir);
  model.dispose();
}

/** A run folder with one checkpoint of zooclip-tiny trained with seg and depth heads (weights: seeded init). */
function saveRunWithHeads(run: string): void {
  manualSeed(3);
  const cfg = resolveConfig({ sets: ['heads.seg=1', 'heads.depth=0.5', 'heads.segClasses=5'] });
  const model = createModel(cfg.model.name);
  attachTaskHeads(model, cfg);
  const dir = join(run, 'checkpoints', 'step-000001');
  mkdirSync(dir, { recursive: true });
  saveSafetensors(join(dir, 'model.safetensors'), model.stateDict(), { format: 'pt' });
  const state = { step: 1, scheduler: { kind: 'warmup-cosine', step: 1 }, loader: { version: 1, rank: 0, worldSize: 1, epoch: 0, consumed: 0, seed: 0 }, skipped: 0, reason: 'final', config: cfg };
  writeFileSync(join(dir, 'state.json'), JSON.stringify(state));
  model.dispose();
}

function exportCli(...args: string[]): { status: number | null; out: string } {
  const r = spawnSync(process.execPath, [cli, 'export', ...args], { encoding: 'utf8', env: { ...process.env, ZOOCLIP_NUM_THREADS: '1' }, timeout: 240_000 });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

const manifestOf = (dir: string): ExportManifest => JSON.parse(readFileSync(join(dir, 'zooclip_export.json'), 'utf8')) as ExportManifest;
/** Every file of the folder by path -> sha256 (manifest included) and mtime. */
function snapshot(dir: string, rel = ''): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of readdirSync(join(dir, rel), { withFileTypes: true })) {
    const p = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) Object.assign(out, snapshot(dir, p));
    else out[p] = `${fileSha256(join(dir, p))} ${statSync(join(dir, p)).mtimeMs}`;
  }
  return out;
}
const contents = (s: Record<string, string>) => Object.fromEntries(Object.entries(s).map(([k, v]) => [k, v.split(' ')[0]]));

before(() => {
  root = mkdtempSync(join(tmpdir(), 'zc-export-cli-'));
  saveTiny(join(root, 'modelA'), 0);
  saveTiny(join(root, 'modelB'), 1);
});
after(() => rmSync(root, { recursive: true, force: true }));

const FILES = [
  'config.json', 'onnx/model.onnx', 'onnx/text_model.onnx', 'onnx/vision_model.onnx', 'open_clip_config.json', 'open_clip_model.safetensors',
  'preprocessor_config.json', 'special_tokens_map.json', 'tokenizer.json', 'tokenizer_config.json',
];

test('export writes the folder and its manifest; a rerun is up to date; --force rewrites the same bytes', { timeout: 600_000 }, () => {
  const out = join(root, 'exportA');
  const first = exportCli('--model', join(root, 'modelA'), '--out', out, '--formats', 'onnx,safetensors');
  assert.equal(first.status, 0, first.out);
  assert.match(first.out, /onnx\/vision_model\.onnx\s+3\.\d MB/);
  assert.match(first.out, /onnx\/model\.onnx\s+\d\.\d\de-\d+\s+pass/);
  const m = manifestOf(out);
  assert.equal(m.format, 'zooclip-export');
  assert.equal(m.version, 1);
  assert.deepEqual({ ...m.model, sha256: m.model.sha256.length }, {
    name: 'modelA', embed_dim: 128, image_size: 64, context_length: 32, tower: 'VisionTransformer', sha256: 64, source: { kind: 'open_clip', weights: 'open_clip' },
  });
  assert.deepEqual(m.files.map((f) => f.path), FILES);
  for (const f of m.files) assert.deepEqual([f.bytes, f.sha256], [statSync(join(out, f.path)).size, fileSha256(join(out, f.path))], f.path);
  assert.deepEqual(m.options, { formats: ['onnx', 'safetensors'], dtypes: ['fp32'], heads: [] });
  const v = m.verification as { fp32: { pass: boolean; graphs: { file: string; maxAbs: number; pass: boolean }[] } };
  assert.equal(v.fp32.pass, true);
  assert.deepEqual(v.fp32.graphs.map((g) => g.file), ['onnx/vision_model.onnx', 'onnx/text_model.onnx', 'onnx/model.onnx']);
  for (const g of v.fp32.graphs) assert.ok(g.maxAbs > 0 && g.maxAbs <= 1e-4, `${g.file} ${g.maxAbs}`);

  const before = snapshot(out);
  const again = exportCli('--model', join(root, 'modelA'), '--out', out, '--formats', 'safetensors,onnx');
  assert.equal(again.status, 0, again.out);
  assert.match(again.out, /up to date/);
  assert.deepEqual(snapshot(out), before, 'nothing rewritten');
  const looser = exportCli('--model', join(root, 'modelA'), '--out', out, '--formats', 'onnx,safetensors', '--tolerance', '1e-3');
  assert.match(looser.out, /up to date/, 'verified at 1e-4, so within 1e-3 too');
  const stricter = exportCli('--model', join(root, 'modelA'), '--out', out, '--formats', 'onnx,safetensors', '--tolerance', '1e-12');
  assert.equal(stricter.status, 1, 'a tighter bound than the folder was verified at is checked again, and fails');
  assert.match(stricter.out, /verification failed for onnx\/vision_model\.onnx \(onnxruntime differs from libtorch by \d\.\de-\d+, beyond 1e-12\)/);
  assert.deepEqual(snapshot(out), before, 'the failed run left the folder as it was');

  const forced = exportCli('--model', join(root, 'modelA'), '--out', out, '--formats', 'onnx,safetensors', '--force');
  assert.equal(forced.status, 0, forced.out);
  assert.doesNotMatch(forced.out, /up to date/);
  const after = snapshot(out);
  assert.notDeepEqual(after, before, 'rewritten (new mtimes)');
  assert.deepEqual(contents(after), contents(before), 'the same bytes, manifest included');
  assert.deepEqual(readdirSync(root).filter((n) => n.startsWith('.')), [], 'no staging folder left');
});

test('--dtypes fp32,fp16,q8 writes the _fp16 / _quantized siblings, verifies them and prints their lines', { timeout: 600_000 }, () => {
  const out = join(root, 'exportDtypes');
  const r = exportCli('--model', join(root, 'modelA'), '--out', out, '--dtypes', 'q8,fp32,fp16');
  assert.equal(r.status, 0, r.out);
  for (const g of ['model', 'text_model', 'vision_model']) for (const suffix of ['', '_fp16', '_quantized']) assert.ok(statSync(join(out, 'onnx', `${g}${suffix}.onnx`)).size > 0, `${g}${suffix}`);
  assert.match(r.out, /fp16 cosine min 0\.9999\d+ .*: ok/);
  assert.match(r.out, /q8 {3}cosine min 0\.99\d+ .*: ok/);
  const m = manifestOf(out);
  assert.deepEqual(m.options.dtypes, ['fp32', 'fp16', 'q8']);
  const v = m.verification as { variants: { pass: boolean; dtypes: { dtype: string; pass: boolean }[] } };
  assert.deepEqual(v.variants.dtypes.map((d) => [d.dtype, d.pass]), [['fp32', true], ['fp16', true], ['q8', true]]);
  const vision = (suffix: string) => statSync(join(out, 'onnx', `vision_model${suffix}.onnx`)).size;
  assert.ok(vision('_fp16') < 0.55 * vision('') && vision('_quantized') < 0.35 * vision(''), 'fp16 about half, q8 about a quarter');
  const strict = exportCli('--model', join(root, 'modelA'), '--out', join(root, 'exportDtypesStrict'), '--dtypes', 'fp32,q8', '--tolerance', '1e-12');
  assert.equal(strict.status, 1);
  assert.match(strict.out, /fp32 cosine min \S+ \(>= \S+\), max abs \S+ \(<= 1e-12\).*: FAILED/, 'the variants\' fp32 reference row is held to --tolerance');
  assert.match(strict.out, /verification failed for .*; fp32 cosine min .*FAILED; .* left as it was/, 'the failing variant is named with its measures');
});

test('another model is refused without --force and replaces the folder with it; a failed verification changes nothing', { timeout: 600_000 }, () => {
  const out = join(root, 'exportAB');
  assert.equal(exportCli('--model', join(root, 'modelA'), '--out', out).status, 0);
  const a = snapshot(out), shaA = manifestOf(out).model.sha256;
  const refused = exportCli('--model', join(root, 'modelB'), '--out', out);
  assert.equal(refused.status, 1);
  assert.match(refused.out, /holds an export of a different model \(modelA, sha256 [0-9a-f]{12}; this one [0-9a-f]{12}\); pass --force/);
  assert.deepEqual(snapshot(out), a);

  const failed = exportCli('--model', join(root, 'modelB'), '--out', out, '--force', '--tolerance', '0');
  assert.equal(failed.status, 1);
  assert.match(failed.out, /onnx\/vision_model\.onnx\s+\S+\s+FAIL/);
  assert.match(failed.out, /verification failed for onnx\/vision_model\.onnx.*left as it was/);
  assert.deepEqual(snapshot(out), a, 'the old export is untouched');
  assert.deepEqual(readdirSync(root).filter((n) => n.startsWith('.')), [], 'no staging folder left');

  const killed = join(root, '.exportAB.999999999.kill-1.tmp');   // what a killed export leaves: its staging folder (pid gone)
  mkdirSync(join(killed, 'onnx'), { recursive: true });
  writeFileSync(join(killed, 'onnx', 'model.onnx'), 'partial');
  const replaced = exportCli('--model', join(root, 'modelB'), '--out', out, '--force');
  assert.equal(replaced.status, 0, replaced.out);
  const m = manifestOf(out);
  assert.notEqual(m.model.sha256, shaA);
  assert.equal(m.model.name, 'modelB');
  assert.deepEqual(m.files.map((f) => f.path), FILES.filter((f) => !f.startsWith('open_clip')));
  assert.deepEqual(readdirSync(root).filter((n) => n.startsWith('.')), [], 'the killed export\'s staging folder was removed');
});

test('a run with CLIPTeX heads exports image_features and each head with its spec, all verified; --heads picks', { timeout: 600_000 }, () => {
  const run = join(root, 'run-heads');
  saveRunWithHeads(run);
  const out = join(root, 'exportHeads');
  const r = exportCli('--model', run, '--out', out);
  assert.equal(r.status, 0, r.out);
  const m = manifestOf(out);
  assert.deepEqual(m.heads, ['seg', 'depth']);
  assert.deepEqual(m.model.source, { kind: 'checkpoint', weights: 'model', step: 1 });
  const graphs = (m.verification as { fp32: { graphs: { file: string; pass: boolean }[] } }).fp32.graphs;
  assert.deepEqual(graphs.map((g) => [g.file, g.pass]), [
    ['onnx/vision_model.onnx', true], ['onnx/text_model.onnx', true], ['onnx/model.onnx', true],
    ['onnx/image_features.onnx', true], ['onnx/seg_head.onnx', true], ['onnx/depth_head.onnx', true],
  ]);
  for (const f of ['onnx/seg_head.json', 'onnx/depth_head.json']) assert.ok(m.files.some((x) => x.path === f), f);
  const spec = JSON.parse(readFileSync(join(out, 'onnx', 'seg_head.json'), 'utf8')) as { format: string; outputs: { shape: unknown[] }[] };
  assert.equal(spec.format, 'zooclip-head');
  assert.deepEqual(spec.outputs[0]!.shape, ['batch', 5, 64, 64]);

  const segOnly = exportCli('--model', run, '--out', out, '--heads', 'seg');
  assert.equal(segOnly.status, 0, segOnly.out);
  assert.deepEqual(manifestOf(out).heads, ['seg']);
  assert.ok(!readdirSync(join(out, 'onnx')).includes('depth_head.onnx'));
  const missing = exportCli('--model', run, '--out', out, '--heads', 'det');
  assert.equal(missing.status, 1);
  assert.match(missing.out, /--heads det: the model has no such head \(it has: seg, depth\)/);
});

test('--formats safetensors writes open_clip\'s files and no transformers.js metadata', { timeout: 120_000 }, () => {
  const out = join(root, 'exportSafetensors');
  const r = exportCli('--model', join(root, 'modelA'), '--out', out, '--formats', 'safetensors');
  assert.equal(r.status, 0, r.out);
  assert.deepEqual(manifestOf(out).files.map((f) => f.path), ['open_clip_config.json', 'open_clip_model.safetensors']);
  assert.deepEqual(manifestOf(out).transformers_js, { written: false, reason: 'no onnx format asked for' });
});

test('refusals: a folder that is not an export, dtypes without fp32 or unknown, a bad --external-data, a missing --out', { timeout: 120_000 }, () => {
  const foreign = join(root, 'foreign');
  mkdirSync(foreign);
  writeFileSync(join(foreign, 'notes.txt'), 'mine');
  const a = exportCli('--model', join(root, 'modelA'), '--out', foreign, '--force');
  assert.equal(a.status, 1);
  assert.match(a.out, /is not empty and holds no zooclip_export\.json: not a zooclip export/);
  assert.deepEqual(readdirSync(foreign), ['notes.txt']);
  const b = exportCli('--model', join(root, 'modelA'), '--out', join(root, 'x'), '--dtypes', 'fp16,q8');
  assert.equal(b.status, 1);
  assert.match(b.out, /--dtypes must include fp32/);
  const b2 = exportCli('--model', join(root, 'modelA'), '--out', join(root, 'x'), '--dtypes', 'fp32,int4');
  assert.equal(b2.status, 1);
  assert.match(b2.out, /--dtypes: unknown dtype 'int4' \(known: fp32, fp16, q8\)/);
  const b3 = exportCli('--model', join(root, 'modelA'), '--out', join(root, 'x'), '--external-data', 'sometimes');
  assert.equal(b3.status, 1);
  assert.match(b3.out, /--external-data sometimes: expected auto, always or never/);
  const c = exportCli('--model', join(root, 'modelA'));
  assert.equal(c.status, 1);
  assert.match(c.out, /--model .* and --out <dir> are required/);
});
