// Runs whose checkpoints can be trusted: the non-finite guard never saves NaN weights as "good",
// resuming from NaN weights fails naming the tensor, and resuming from a copied checkpoint writes
// only where the user says, leaving the original run byte for byte as it was.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { noGrad } from '../../src/engine/index.js';
import type { CLIP } from '../../src/models/clip.js';
import { loadSafetensors, saveSafetensors } from '../../src/io/safetensors.js';
import { runTrain } from '../../src/stages/train/run.js';
import { readMetrics } from '../../src/training/metrics.js';
import { tinyConfig, tinyWorld } from './world.js';

const cli = join(process.cwd(), 'dist', 'src', 'cli', 'main.js');
const NO_EVAL = 'eval.zeroShot=false';

/** Every file under `dir` (relative path -> bytes), to compare a folder before and after. */
function snapshot(dir: string, rel = ''): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const name of readdirSync(join(dir, rel)).sort()) {
    const p = join(rel, name);
    if (statSync(join(dir, p)).isDirectory()) for (const [k, v] of snapshot(dir, p)) out.set(k, v);
    else out.set(p, readFileSync(join(dir, p)));
  }
  return out;
}

/** `zooclip train --resume <resume> --set ...` in a child process. */
function resumeCli(resume: string, sets: string[]): { status: number | null; stdout: string; stderr: string } {
  return spawnSync('node', [cli, 'train', '--resume', resume, ...sets.flatMap((s) => ['--set', s])], { encoding: 'utf8' });
}

describe('trustworthy checkpoints', { timeout: 600_000 }, () => {
  test('weights gone NaN are not saved as good; the stop points at the newest finite checkpoint', { timeout: 120_000 }, async () => {
    const w = await tinyWorld();
    const out = mkdtempSync(join(tmpdir(), 'zc-nanw-'));
    let model: CLIP | null = null;
    const lines: string[] = [];
    // Step 5 poisons logit_scale; every later loss is NaN, so steps 5, 6, 7 are skipped and the guard stops at 8.
    const corruptLoss = (s: number): boolean => {
      if (s === 5) noGrad(() => model!.logit_scale.fill_(NaN));
      return s === 5;
    };
    await assert.rejects(runTrain(tinyConfig(w, out, 20, ['checkpoint.every=2', 'checkpoint.keep=0', 'guard.maxBadSteps=3', NO_EVAL]),
      { hooks: { log: (s) => lines.push(s), initModel: (m) => { model = m; }, corruptLoss } }),
    /3 non-finite steps in a row .*stopped at step 8, the weights are not finite \(model\.safetensors 'logit_scale'\), not saved; the newest \(finite\) checkpoint is .*step-000004/);
    assert.deepEqual(readdirSync(join(out, 'checkpoints')), ['step-000002', 'step-000004']);
    assert.ok(lines.some((l) => /^step 6: the weights are not finite \(model\.safetensors 'logit_scale'\); no checkpoint written$/.test(l)), lines.join('\n'));

    // A checkpoint with NaN weights (as older versions could write) does not resume.
    const bad = join(mkdtempSync(join(tmpdir(), 'zc-nanr-')), 'checkpoints', 'step-000004');
    cpSync(join(out, 'checkpoints', 'step-000004'), bad, { recursive: true });
    const file = join(bad, 'model.safetensors');
    const st = loadSafetensors(file);
    noGrad(() => st.tensors.get('logit_scale')!.fill_(NaN));
    saveSafetensors(file, st.tensors, st.metadata);
    for (const t of st.tensors.values()) t.dispose();
    await assert.rejects(runTrain(tinyConfig(w, join(bad, '..', '..'), 20, [NO_EVAL]), { resume: 'latest', hooks: { log: () => {} } }),
      new RegExp(`${file}: loadStateDict\\(CLIP\\): non-finite values \\(NaN/Inf\\) in 'logit_scale'`));
  });

  test('resuming a copied checkpoint leaves the original run byte-identical', { timeout: 300_000 }, async () => {
    const w = await tinyWorld();
    const orig = mkdtempSync(join(tmpdir(), 'zc-orig-'));
    await runTrain(tinyConfig(w, orig, 10, ['checkpoint.every=5', 'checkpoint.keep=1', NO_EVAL]), { hooks: { log: () => {} } });
    const before = snapshot(orig);
    assert.ok(before.has(join('checkpoints', 'step-000010', 'state.json')) && before.has('metrics.jsonl'));

    // A copy inside another run's checkpoints/: that run is written, with a leftover of an interrupted save removed.
    const copyRun = mkdtempSync(join(tmpdir(), 'zc-copy-'));
    const copied = join(copyRun, 'checkpoints', 'step-000010');
    cpSync(join(orig, 'checkpoints', 'step-000010'), copied, { recursive: true });
    mkdirSync(join(copyRun, 'checkpoints', '.tmp-step-000012-99999'));
    writeFileSync(join(copyRun, 'checkpoints', '.tmp-step-000012-99999', 'model.safetensors'), 'partial');
    const a = resumeCli(copied, ['run.steps=14', 'checkpoint.every=2']);
    assert.equal(a.status, 0, a.stderr);
    assert.match(a.stdout, new RegExp(`removed 1 unfinished checkpoint folder\\(s\\) of an interrupted save in ${join(copyRun, 'checkpoints')}: \\.tmp-step-000012-99999`));
    assert.match(a.stdout, new RegExp(`resumed from ${copied} at step 10, writing into ${copyRun}`));
    assert.deepEqual(readdirSync(join(copyRun, 'checkpoints')), ['step-000014'], 'checkpoint.keep pruned the copy, in the copy');
    assert.deepEqual(readMetrics(join(copyRun, 'metrics.jsonl')).map((m) => m.step), [11, 12, 13, 14]);

    // A bare copy (no run around it) needs an explicit run.out, and then writes only there.
    const bare = join(mkdtempSync(join(tmpdir(), 'zc-bare-')), 'step-000010');
    cpSync(join(orig, 'checkpoints', 'step-000010'), bare, { recursive: true });
    const b = resumeCli(bare, ['run.steps=12']);
    assert.notEqual(b.status, 0);
    assert.match(b.stderr, /not in a run's checkpoints\/ folder, .*--set run\.out=DIR/);
    const chosen = mkdtempSync(join(tmpdir(), 'zc-chosen-'));
    const c = resumeCli(bare, ['run.steps=12', `run.out=${chosen}`]);
    assert.equal(c.status, 0, c.stderr);
    assert.deepEqual(readdirSync(join(chosen, 'checkpoints')), ['step-000012']);

    assert.deepEqual(snapshot(orig), before, 'the original run is untouched');
  });
});
