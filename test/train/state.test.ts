// Checkpoint bookkeeping without training: state.json is read with every field checked (errors
// name the file and the field), leftovers of interrupted saves are removed, only finite weights
// are saved, and --resume writes where the command line or the checkpoint's own run says.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { tmpdir } from 'node:os';
import { manualSeed, noGrad } from '../../src/engine/index.js';
import { Linear } from '../../src/nn/layers.js';
import { AdamW } from '../../src/optim/adamw.js';
import { readStageState, removeInterruptedSaves, resumeTarget, saveCheckpoint } from '../../src/training/checkpoint.js';
import { readState, type TrainState } from '../../src/stages/train/state.js';
import { trainCommand } from '../../src/cli/commands/train.js';
import { trainCaptionerCommand } from '../../src/cli/commands/train_captioner.js';
import { trainExpertCommand } from '../../src/cli/commands/train_expert.js';

const root = mkdtempSync(join(tmpdir(), 'zc-state-'));
let n = 0;

/** A checkpoint folder `<run>/checkpoints/step-000001` whose state.json holds `text`. */
function checkpointWith(text: string): string {
  const dir = join(root, `run-${n++}`, 'checkpoints', 'step-000001');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'state.json'), text);
  return dir;
}

const GOOD: Omit<TrainState, 'config'> & { config: object } = {
  step: 1, scheduler: { kind: 'warmup-cosine', step: 1 }, loader: { version: 1, seed: 0, rank: 0, worldSize: 1, epoch: 0, consumed: 16 },
  skipped: 0, badInARow: 0, samples: 16, reason: 'periodic', config: {},
};

describe('state.json is validated', { timeout: 60_000 }, () => {
  test('garbage, {} and ill-typed fields name the file and the field', { timeout: 10_000 }, () => {
    const garbage = checkpointWith('garbage');
    assert.throws(() => readState(garbage), new RegExp(`${join(garbage, 'state.json')}: not valid JSON \\(Unexpected token`));
    const empty = checkpointWith('{}');
    assert.throws(() => readState(empty), new RegExp(`${join(empty, 'state.json')}: field 'step' must be a non-negative integer, missing`));
    assert.throws(() => readStageState(empty), /state\.json: field 'step' must be a non-negative integer, missing/);
    assert.throws(() => readState(checkpointWith('[1]')), /state\.json: expected a JSON object, got an array/);
    assert.throws(() => readState(checkpointWith(JSON.stringify({ ...GOOD, step: '3' }))), /field 'step' must be a non-negative integer, got "3"/);
    assert.throws(() => readState(checkpointWith(JSON.stringify({ ...GOOD, loader: { ...GOOD.loader, consumed: -1 } }))), /field 'loader\.consumed' must be a non-negative integer, got -1/);
    assert.throws(() => readState(checkpointWith(JSON.stringify({ ...GOOD, config: null }))), /field 'config' must be an object, got null/);
    const stage: Record<string, unknown> = { ...GOOD, reason: 'final' };
    delete stage.badInARow;
    delete stage.samples;
    const captioner = checkpointWith(JSON.stringify(stage));
    assert.equal(readStageState(captioner).step, 1, "a stage's state needs only the common fields");
    assert.throws(() => readState(captioner), /field 'badInARow' must be a non-negative integer, missing/);
    assert.throws(() => readState(checkpointWith(JSON.stringify({ ...GOOD, reason: 'bored' }))), /field 'reason' must be one of periodic, final, non-finite, got "bored"/);
    assert.equal(readState(checkpointWith(JSON.stringify(GOOD))).samples, 16);
  });

  test('train, train-captioner and train-expert --resume name the state.json they cannot read', { timeout: 30_000 }, async () => {
    const garbage = checkpointWith('garbage'), empty = checkpointWith('{}');
    await assert.rejects(trainCommand({ preset: 'tiny-synth', resume: garbage }, []), new RegExp(`${join(garbage, 'state.json')}: not valid JSON`));
    await assert.rejects(trainCommand({ preset: 'tiny-synth', resume: empty }, []), new RegExp(`${join(empty, 'state.json')}: field 'step'`));
    await assert.rejects(trainCaptionerCommand({ resume: garbage }), new RegExp(`${join(garbage, 'state.json')}: not valid JSON`));
    await assert.rejects(trainExpertCommand({ resume: empty }), new RegExp(`${join(empty, 'state.json')}: field 'step'`));
  });
});

describe('checkpoint folders', { timeout: 60_000 }, () => {
  test('leftovers of interrupted saves are removed, other names kept', { timeout: 10_000 }, () => {
    const dir = join(root, 'stale', 'checkpoints');
    mkdirSync(join(dir, '.tmp-step-000010-4242'), { recursive: true });
    writeFileSync(join(dir, '.tmp-step-000010-4242', 'model.safetensors'), 'partial');
    mkdirSync(join(dir, '.tmp-notes'));
    assert.deepEqual(removeInterruptedSaves(dir), ['.tmp-step-000010-4242']);
    assert.deepEqual(readdirSync(dir), ['.tmp-notes']);
    assert.deepEqual(removeInterruptedSaves(join(root, 'no-such-run')), []);
  });

  test('saveCheckpoint removes leftovers and refuses non-finite weights, writing nothing', { timeout: 10_000 }, () => {
    manualSeed(0);
    const model = new Linear(3, 2), opt = new AdamW(model.parameters(), { lr: 1e-3 });
    const t = { model, opt, ema: null };
    const dir = join(root, 'save', 'checkpoints');
    mkdirSync(join(dir, '.tmp-step-000001-4242'), { recursive: true });
    const at = saveCheckpoint(dir, t, { ...GOOD, step: 2 } as TrainState, 0);
    assert.deepEqual(readdirSync(dir), ['step-000002']);
    assert.equal(at, join(dir, 'step-000002'));
    noGrad(() => model.bias!.fill_(NaN));
    assert.throws(() => saveCheckpoint(dir, t, { ...GOOD, step: 3 } as TrainState, 0), /step-000003: not written, model\.safetensors 'bias' holds NaN\/Inf/);
    assert.deepEqual(readdirSync(dir), ['step-000002']);
    opt.dispose();
    model.dispose();
  });

  test('--resume: latest in the given run; PATH in its own run or the explicit out; a bare copy needs an out', { timeout: 10_000 }, () => {
    const run = join(root, 'target', 'run');
    const ckpt = join(run, 'checkpoints', 'step-000004');
    mkdirSync(ckpt, { recursive: true });
    writeFileSync(join(ckpt, 'state.json'), JSON.stringify(GOOD));
    const flag = '--set run.out=DIR';
    assert.deepEqual(resumeTarget('latest', { out: run, flag }), { checkpoint: ckpt, out: run });
    assert.deepEqual(resumeTarget(ckpt, { out: 'runs/elsewhere', flag }), { checkpoint: resolve(ckpt), out: resolve(run) });
    assert.deepEqual(resumeTarget(ckpt, { out: 'runs/elsewhere', explicitOut: 'runs/mine', flag }), { checkpoint: resolve(ckpt), out: 'runs/mine' });
    const bare = join(root, 'target', 'copy', 'step-000004');
    mkdirSync(bare, { recursive: true });
    writeFileSync(join(bare, 'state.json'), JSON.stringify(GOOD));
    assert.throws(() => resumeTarget(bare, { out: 'runs/elsewhere', flag }), /not in a run's checkpoints\/ folder, .*say where to write with --set run\.out=DIR/);
    assert.ok(!existsSync('runs/elsewhere'));
  });
});

test('a checkpoint folder replaced by writeFolderAtomic and left as .old by a crash counts as an interrupted save', { timeout: 10_000 }, () => {
  const dir = join(root, 'stale-old', 'checkpoints');
  mkdirSync(join(dir, '.tmp-step-000010-4242.old'), { recursive: true });
  mkdirSync(join(dir, 'step-000010'));
  assert.deepEqual(removeInterruptedSaves(dir), ['.tmp-step-000010-4242.old']);
  assert.deepEqual(readdirSync(dir), ['step-000010']);
});

test('a crash between the two renames of a replacing save: the .old checkpoint goes back in place, the unfinished new one goes', { timeout: 10_000 }, () => {
  const dir = join(root, 'stale-swap', 'checkpoints');
  mkdirSync(join(dir, '.tmp-step-000010-4242.old'), { recursive: true });
  writeFileSync(join(dir, '.tmp-step-000010-4242.old', 'state.json'), '{"step":10}');
  mkdirSync(join(dir, '.tmp-step-000010-4242'));
  assert.deepEqual(removeInterruptedSaves(dir), ['.tmp-step-000010-4242']);
  assert.deepEqual(readdirSync(dir), ['step-000010']);
  assert.equal(readFileSync(join(dir, 'step-000010', 'state.json'), 'utf8'), '{"step":10}');
});
