// The CLI: help, version, unknown input, and a short demo run end to end.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { SafetensorsReader } from '../../src/io/safetensors.js';

const cli = join(process.cwd(), 'dist', 'src', 'cli', 'main.js');
const pkg = JSON.parse(readFileSync(join(process.cwd(), 'package.json'), 'utf8')) as { version: string };

test('--help lists the commands, --version prints the package version', () => {
  assert.match(execFileSync('node', [cli, '--help'], { encoding: 'utf8' }), /Usage: zooclip <command>[\s\S]*demo/);
  assert.equal(execFileSync('node', [cli, '--version'], { encoding: 'utf8' }).trim(), pkg.version);
});

test('unknown commands and options fail with a message that names them', () => {
  const a = spawnSync('node', [cli, 'frobnicate'], { encoding: 'utf8' });
  assert.equal(a.status, 2);
  assert.match(a.stderr, /unknown command 'frobnicate'/);
  const b = spawnSync('node', [cli, 'toy', '--stepz', '3'], { encoding: 'utf8' });
  assert.equal(b.status, 1);
  assert.match(b.stderr, /unknown option --stepz/);
  const c = spawnSync('node', [cli, 'toy', '--steps', 'many'], { encoding: 'utf8' });
  assert.match(c.stderr, /--steps expects a number, got 'many'/);
});

test('toy run trains, learns the toy task and writes a loadable checkpoint', () => {
  const out = mkdtempSync(join(tmpdir(), 'zc-demo-'));
  const log = execFileSync('node', [cli, 'toy', '--steps', '60', '--batch', '64', '--out', out, '--device', 'cpu'], { encoding: 'utf8' });
  assert.match(log, /zero-shot accuracy after 60 steps/);
  const result = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8')) as { before: number; after: number; losses: number[] };
  assert.equal(result.losses.length, 60);
  assert.ok(result.losses.at(-1)! < result.losses[0]!, 'loss went down');
  assert.ok(result.after > result.before + 0.2, `zero-shot accuracy ${result.before} -> ${result.after}`);
  const r = new SafetensorsReader(join(out, 'model.safetensors'));
  assert.ok(r.keys().includes('visual.transformer.resblocks.0.attn.in_proj_weight'));
  assert.ok(r.keys().includes('logit_scale'));
  r.close();
});

test('demo (micro preset): the whole pipeline writes a report with a verdict per claim, and a rerun resumes', () => {
  const out = mkdtempSync(join(tmpdir(), 'zc-demo-'));
  const args = [cli, 'demo', '--preset', 'micro', '--out', out, '--device', 'cpu'];
  const log = execFileSync('node', args, { encoding: 'utf8' });
  type DemoJson = {
    claims: { id: string; verdict: string; rows: unknown[]; z: number | null; treatmentMean: number | null; baselineMean: number | null }[];
    evals: { variant: string; finetune: unknown }[];
    premises: { captions: { claimPrecision: { captioner: number; web: number } }; zeroShot: Record<string, Record<string, { top1: number; chance: number }>>; checks: { id: string; met: boolean }[] };
  };
  const demo = JSON.parse(readFileSync(join(out, 'demo.json'), 'utf8')) as DemoJson;
  assert.deepEqual(demo.claims.map((c) => c.id), ['captions-vs-web', 'captions-vs-mae', 'captions-vs-supervised', 'captions-vs-random', 'mobile-gains', 'label-efficiency',
    'pseudo-supervision', 'zero-shot-kept', 'pseudo-vs-truth', 'probe-sanity']);
  for (const c of demo.claims) {
    assert.ok(['reproduced', 'not reproduced', 'inconclusive', 'premise not met'].includes(c.verdict), c.id);
    assert.ok(c.rows.length > 0, `${c.id} compared something`);
    assert.ok(Number.isFinite(c.z) && Number.isFinite(c.treatmentMean) && Number.isFinite(c.baselineMean), `${c.id} carries z and both means`);
    assert.match(log, new RegExp(`${c.verdict.toUpperCase()}\\s+`));
  }
  assert.deepEqual(demo.evals.map((e) => e.variant), ['A', 'B', 'C', 'D', 'E', 'F', 'S', 'M', 'N']);
  assert.ok(demo.evals.every((e) => e.finetune), 'every variant is finetuned as well as probed');
  assert.ok(demo.premises.captions.claimPrecision.captioner >= 0 && demo.premises.captions.claimPrecision.web > 0);
  assert.deepEqual(Object.keys(demo.premises.zeroShot).sort(), ['B', 'M']);
  assert.ok(Object.values(demo.premises.zeroShot.B!).every((t) => t.top1 >= 0 && t.chance > 0 && t.chance < 1));
  assert.deepEqual(demo.premises.checks.map((p) => p.id), ['captions', 'clip-trains-B', 'clip-trains-M']);
  assert.match(log, /PREMISE (MET|NOT MET)/);
  const html = readFileSync(join(out, 'report.html'), 'utf8');
  for (const h of ['Verdicts', 'Premise checks', 'Main tables', 'encoder + head finetuned', 'Data efficiency, finetuned', 'Data efficiency, frozen probes', 'Zero-shot and retrieval', 'caption and pseudo-label quality']) assert.ok(html.includes(h), h);
  const again = execFileSync('node', args, { encoding: 'utf8' });
  assert.match(again, /\[pretrain-C-seed0\] done before, skipped/);
  assert.doesNotMatch(again, /zooclip train:/, 'nothing retrained');
});
