// `zooclip eval --tasks seg,depth`: dense probes as evaluation tasks, with fractions and a report section.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { runSynth } from '../../src/stages/synth/run.js';
import { runEval } from '../../src/eval/run.js';
import { evalOptions } from '../../src/cli/commands/eval.js';

test('seg and depth probes run from eval on a world, at each label fraction, into eval.json and the report', async () => {
  const root = mkdtempSync(join(tmpdir(), 'zc-evalprobe-'));
  const world = join(root, 'world');
  await runSynth({ out: world, size: 32, zoo: 0, web: 0, probeTrain: 24, probeTest: 8, classify: 0, noise: 0.5, seed: 3, bench: 0, workers: 1, log: () => {} });
  const o = evalOptions({ model: 'zooclip-micro', data: world, tasks: 'seg,depth', out: join(root, 'eval'), fractions: '0.5,1', 'probe-seeds': 2, 'probe-steps': 3, threads: 1, workers: 1 });
  const r = await runEval({ ...o, log: () => {} });
  const seg = (r.tasks.seg as { tasks: { seg: { fractions: { fraction: number; trainImages: number; runs: unknown[] }[] } } }).tasks.seg;
  assert.deepEqual(seg.fractions.map((f) => [f.fraction, f.trainImages, f.runs.length]), [[0.5, 12, 2], [1, 24, 2]]);
  assert.ok(r.summary.some((s) => s.task.startsWith('depth') && s.metric === 'rmse' && Number.isFinite(s.value)));
  const html = readFileSync(join(root, 'eval', 'report.html'), 'utf8');
  assert.ok(html.includes('Dense probe: seg') && html.includes('Dense probe: depth'));
  assert.throws(() => evalOptions({ model: 'm', data: 'd', 'probe-mode': 'magic' }), /--probe-mode must be probe or finetune/);
  assert.throws(() => evalOptions({ model: 'm', data: 'd', fractions: '0,1' }), /--fractions must be numbers in \(0, 1\]/);
});
