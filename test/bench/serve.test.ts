// The serve bench's deterministic parts (the timings themselves are not tested): its options, the
// graph cache keyed by the model's weight fingerprint, and the refusal to compare engines whose
// graphs do not hold the libtorch tower's parameters.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { liveTensors, manualSeed } from '../../src/engine/index.js';
import { createModel } from '../../src/models/clip.js';
import { decodeModelProto, type GraphProto } from '../../src/io/onnx/index.js';
import { checkParamCounts, graphParamCount, prepareTower } from '../../bench/serve_export.js';
import { FULL_TOWERS, QUICK_TOWERS, SERVE_ENGINES, parseServeOptions } from '../../bench/serve_options.js';

test('bench serve options: defaults, --quick, explicit values win, bad input named', { timeout: 10_000 }, () => {
  const d = parseServeOptions([]);
  assert.deepEqual(d, { towers: FULL_TOWERS, batches: [1, 8], threads: 2, warmup: 1, iters: 5, engines: [...SERVE_ENGINES], cache: 'runs/bench-serve', seed: 0 });
  const q = parseServeOptions(['--quick']);
  assert.deepEqual([q.towers, q.iters], [QUICK_TOWERS, 3]);
  const o = parseServeOptions(['--quick', '--iters', '7', '--towers', 'ViT-B-16', '--batches', '4,4,2', '--threads', '1', '--engines', 'web_wasm,ort_fp32', '--warmup', '0']);
  assert.deepEqual([o.towers, o.iters, o.batches, o.threads, o.engines, o.warmup], [['ViT-B-16'], 7, [4, 2], 1, ['ort_fp32', 'web_wasm'], 0]);
  assert.throws(() => parseServeOptions(['--iter', '3']), /unknown option --iter/);
  assert.throws(() => parseServeOptions(['--threads', '0']), /--threads 0: expected an integer >= 1/);
  assert.throws(() => parseServeOptions(['--batches', '1,x']), /--batches x/);
  assert.throws(() => parseServeOptions(['--iters']), /--iters needs a value/);
  assert.throws(() => parseServeOptions(['--engines', 'libtorch,web_wasm']), /must include ort_fp32/);
  assert.throws(() => parseServeOptions(['--engines', 'ort_fp32,tfjs']), /unknown engine 'tfjs'/);
  assert.throws(() => parseServeOptions(['vit']), /unexpected argument 'vit'/);
});

test('bench serve export: graphs cached by weight fingerprint, parameter counts equal to libtorch', { timeout: 120_000 }, () => {
  const root = mkdtempSync(join(tmpdir(), 'zooclip-bench-serve-'));
  const live = liveTensors();
  try {
    const a = prepareTower('zooclip-tiny-test', root, 0);
    a.model.dispose();
    assert.deepEqual([a.reused, a.params, a.imageSize], [false, 115712, 32]);
    const again = prepareTower('zooclip-tiny-test', root, 0);
    again.model.dispose();
    assert.equal(again.reused, true, 'same model: the cached graphs are used');
    const stamp = join(a.dir, 'bench_export.json');
    writeFileSync(stamp, readFileSync(stamp, 'utf8').replace(/"sha256": "[0-9a-f]+"/, '"sha256": "0"'));
    const other = prepareTower('zooclip-tiny-test', root, 0);
    other.model.dispose();
    assert.equal(other.reused, false, 'a stamp of other weights: exported again');
    assert.equal(liveTensors(), live, 'no tensor left behind');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('bench serve export: a graph missing a parameter, or another model\'s graphs, are refused', { timeout: 120_000 }, () => {
  const root = mkdtempSync(join(tmpdir(), 'zooclip-bench-serve-'));
  try {
    const t = prepareTower('zooclip-tiny-test', root, 0);
    const keys = new Set([...t.model.visual.namedParameters()].map(([k]) => `visual.${k}`));
    const graph = decodeModelProto(readFileSync(t.files.q8)).graph as unknown as GraphProto;
    assert.equal(graphParamCount(graph, keys), 115712, 'the q8 graph counts its 8-bit weights as the parameters they replace');
    const proj = graph.initializer.find((i) => i.name === 'visual.proj_quantized' || i.name === 'visual.proj')!;
    assert.equal(graphParamCount({ ...graph, initializer: graph.initializer.filter((i) => i !== proj) }, keys), 115712 - 64 * 32);
    t.model.dispose();
    manualSeed(0);
    const mci = createModel('zooclip-mci-tiny');
    try {
      mci.visual.reparameterize();
      assert.throws(() => checkParamCounts(mci, t.files), /holds 0 of the image tower's parameters but the libtorch tower has 845280/);
    } finally {
      mci.dispose();
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
