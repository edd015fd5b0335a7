// Weight loading is strict about data, not only keys and shapes: a file whose F32 tensors are
// relabelled I32 (same bytes, same shapes) or whose floats are NaN fails, naming the tensor and
// the file; lossless casts (F16 -> F32) still load; allowNonFinite lets NaN through on purpose.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { liveTensors, manualSeed, noGrad, tensor, type Tensor } from '../../src/engine/index.js';
import { Module } from '../../src/nn/module.js';
import { Linear } from '../../src/nn/layers.js';
import { canLoadDtype } from '../../src/nn/load_check.js';
import { loadModuleWeights } from '../../src/nn/module_weights.js';
import { loadOpenClip, saveOpenClip, WEIGHTS_FILE } from '../../src/models/open_clip_folder.js';
import { loadSafetensors, saveSafetensors } from '../../src/io/safetensors.js';
import { createModel } from '../../src/models/clip.js';
import { AdamW } from '../../src/optim/adamw.js';
import { EMA } from '../../src/optim/ema.js';

class Net extends Module {
  readonly fc: Linear;
  readonly out: Linear;
  constructor() {
    super();
    this.fc = this.child('fc', new Linear(4, 3));
    this.out = this.child('out', new Linear(3, 2));
  }
}

const dir = mkdtempSync(join(tmpdir(), 'zc-strict-'));

/** A fresh net's weights saved to `name`, each tensor passed through `edit` first. */
function savedNet(name: string, edit: (k: string, t: Tensor) => Tensor = (_k, t) => t): string {
  manualSeed(1);
  const net = new Net();
  const sd = new Map([...net.stateDict()].map(([k, t]) => [k, edit(k, t)]));
  const file = join(dir, name);
  saveSafetensors(file, sd, { format: 'pt' });
  for (const [k, t] of sd) if (t !== net.stateDict().get(k)) t.dispose();
  net.dispose();
  return file;
}

/** Rewrites the safetensors header of `file` so every `from` dtype label reads `to` (same size: the file stays valid). */
function relabel(file: string, from: string, to: string): string {
  const buf = readFileSync(file);
  const len = Number(buf.readBigUInt64LE(0));
  const header = buf.subarray(8, 8 + len).toString('utf8').replaceAll(`"dtype":"${from}"`, `"dtype":"${to}"`);
  assert.equal(Buffer.byteLength(header), len);
  const out = file.replace(/\.safetensors$/, `-${to}.safetensors`);
  writeFileSync(out, Buffer.concat([buf.subarray(0, 8), Buffer.from(header), buf.subarray(8 + len)]));
  return out;
}

const nanAt = (key: string) => (k: string, t: Tensor): Tensor => (k === key ? noGrad(() => t.mul(NaN)) : t);

describe('strict weight loading', { timeout: 120_000 }, () => {
  test('F32 tensors relabelled I32 fail, naming the file, the key and both dtypes', { timeout: 30_000 }, () => {
    const before = liveTensors();
    const bad = relabel(savedNet('net.safetensors'), 'F32', 'I32');
    const net = new Net();
    assert.throws(() => loadModuleWeights(net, bad), (e: Error) => {
      assert.ok(e.message.startsWith(`${bad}: `), e.message);
      assert.match(e.message, /dtype mismatches: 'fc\.weight' is stored as int32, expected float32/);
      assert.match(e.message, /lossless casts allowed: float16 -> float32\/float64/);
      return true;
    });
    assert.equal(liveTensors(), before, 'the module is disposed and the loaded tensors freed');
  });

  test('NaN weights fail naming the tensor and the file; allowNonFinite loads them', { timeout: 30_000 }, () => {
    const file = savedNet('nan.safetensors', nanAt('out.bias'));
    assert.throws(() => loadModuleWeights(new Net(), file), new RegExp(`${file}: .*non-finite values \\(NaN/Inf\\) in 'out\\.bias' \\(pass allowNonFinite`));
    const net = loadModuleWeights(new Net(), file, { allowNonFinite: true });
    assert.ok(net.out.bias!.toArray().every(Number.isNaN));
    net.dispose();
  });

  test('F16 -> F32 loads (lossless); F64 -> F32 and I64 -> F32 do not', { timeout: 30_000 }, () => {
    const half = savedNet('half.safetensors', (_k, t) => t.to('float16'));
    const net = loadModuleWeights(new Net(), half);
    const want = loadSafetensors(half).tensors;
    assert.equal(net.fc.weight.dtype, 'float32');
    assert.deepEqual(net.fc.weight.toArray(), want.get('fc.weight')!.to('float32').toArray());
    for (const t of want.values()) t.dispose();
    net.dispose();
    assert.throws(() => loadModuleWeights(new Net(), savedNet('f64.safetensors', (_k, t) => t.to('float64'))), /'fc\.weight' is stored as float64, expected float32/);
    assert.throws(() => loadModuleWeights(new Net(), savedNet('i64.safetensors', (_k, t) => t.to('int64'))), /'fc\.weight' is stored as int64, expected float32/);
    assert.ok(canLoadDtype('bfloat16', 'float32') && canLoadDtype('int32', 'int64') && !canLoadDtype('int32', 'float32') && !canLoadDtype('float32', 'float16'));
  });

  test('loadStateDict checks dtype and finiteness even when not strict about keys, and copies nothing on failure', { timeout: 30_000 }, () => {
    const net = new Net();
    const before = net.fc.bias!.toArray();
    const sd = new Map<string, Tensor>([['fc.bias', tensor([1, 2, 3])], ['fc.weight', tensor(new Int32Array(12), { shape: [3, 4] })]]);
    assert.throws(() => net.loadStateDict(sd, { strict: false }), /loadStateDict\(Net\): dtype mismatches: 'fc\.weight' is stored as int32/);
    assert.deepEqual(net.fc.bias!.toArray(), before);
    for (const t of sd.values()) t.dispose();
    net.dispose();
  });

  test('an open_clip folder with NaN weights fails naming the file and the tensor', { timeout: 60_000 }, () => {
    manualSeed(0);
    const model = createModel('zooclip-tiny-test');
    const oc = join(dir, 'oc');
    noGrad(() => model.logit_scale.fill_(NaN));
    saveOpenClip(model, oc);
    model.dispose();
    assert.throws(() => loadOpenClip(oc), new RegExp(`${join(oc, WEIGHTS_FILE)}: .*non-finite values \\(NaN/Inf\\) in 'logit_scale'`));
    loadOpenClip(oc, { allowNonFinite: true }).dispose();
  });

  test('optimizer and EMA state: NaN and wrong dtypes fail naming the key', { timeout: 30_000 }, () => {
    const net = new Net();
    const opt = new AdamW(net.parameters(), { lr: 1e-3 });
    const ema = new EMA(net, 0.9);
    const o = opt.stateDict(), e = ema.stateDict();
    const badOpt = new Map([...o.tensors].map(([k, t]) => [k, k === '0.1.exp_avg' ? noGrad(() => t.add(Infinity)) : t]));
    assert.throws(() => opt.loadStateDict({ tensors: badOpt, meta: o.meta }), /optimizer state: non-finite values \(NaN\/Inf\) in '0\.1\.exp_avg' \(g0\.p1\)/);
    opt.loadStateDict({ tensors: badOpt, meta: o.meta }, { allowNonFinite: true });
    const badEma = new Map([...e.tensors].map(([k, t]) => [k, k === 'out.weight' ? t.to('int32') : t]));
    assert.throws(() => ema.loadStateDict({ tensors: badEma, meta: e.meta }), /EMA state: dtype mismatches: 'out\.weight' is stored as int32, expected float32/);
    badOpt.get('0.1.exp_avg')!.dispose();
    badEma.get('out.weight')!.dispose();
    ema.dispose();
    opt.dispose();
    net.dispose();
  });
});
