// The ONNX writer's protobuf layer: a tiny graph built with OnnxGraph, encoded with protobufjs on the
// vendored onnx.proto, loaded and run by onnxruntime-node (dynamic batch, an initializer, a shared
// constant, attributes), and decoded back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { OnnxGraph, decodeModelProto, encodeOnnxModel, float32Data, irVersionFor, writeOnnxModel } from '../../../src/io/onnx/index.js';

/** y = softmax(x + b, axis -1) * 2 over x [batch, 3]. */
function tinyGraph(): OnnxGraph {
  const g = new OnnxGraph('tiny');
  const x = g.input('x', { dtype: 'float32', dims: ['batch', 3] });
  const b = g.initializer('bias', float32Data([1, -2, 0.5]));
  const s = g.node('Softmax', [g.node('Add', [x, b])], { axis: { int: -1 } });
  const two = g.constFloat([2], []);
  g.output('y', g.node('Mul', [s, two]), { dtype: 'float32', dims: ['batch', 3] });
  assert.equal(g.constFloat([2], []), two, 'equal constants are shared');
  return g;
}

function softmaxTimesTwo(row: number[]): number[] {
  const e = row.map((v) => Math.exp(v - Math.max(...row)));
  const sum = e.reduce((a, c) => a + c, 0);
  return e.map((v) => (2 * v) / sum);
}

test('an Add/Softmax/Mul graph round-trips through onnxruntime-node with a dynamic batch', { timeout: 60_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'zooclip-onnx-writer-'));
  try {
    const file = join(dir, 'tiny.onnx');
    const size = writeOnnxModel(file, tinyGraph(), { metadata: { purpose: 'test' } });
    assert.equal(readFileSync(file).byteLength, size);
    const session = await ort.InferenceSession.create(file);
    assert.deepEqual(session.inputNames, ['x']);
    assert.deepEqual(session.outputNames, ['y']);
    for (const batch of [1, 4]) {
      const data = Float32Array.from({ length: batch * 3 }, (_, i) => Math.sin(i) * 3);
      const { y } = await session.run({ x: new ort.Tensor('float32', data, [batch, 3]) });
      assert.deepEqual([...y.dims], [batch, 3]);
      const bias = [1, -2, 0.5];
      for (let r = 0; r < batch; r++) {
        const want = softmaxTimesTwo([0, 1, 2].map((c) => data[r * 3 + c] + bias[c]));
        want.forEach((w, c) => assert.ok(Math.abs((y.data as Float32Array)[r * 3 + c] - w) < 1e-6, `row ${r} col ${c}`));
      }
    }
    await session.release();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the encoded model decodes back with its opset, IR version, symbolic dims and metadata', { timeout: 30_000 }, () => {
  const m = decodeModelProto(encodeOnnxModel(tinyGraph(), { metadata: { purpose: 'test' } })) as {
    irVersion: number; opsetImport: { version: number }[]; producerName: string; metadataProps: { key: string; value: string }[];
    graph: { input: { type: { tensorType: { shape: { dim: { dimParam?: string; dimValue?: number }[] } } } }[]; node: { opType: string }[] };
  };
  assert.equal(m.irVersion, 8);
  assert.equal(m.opsetImport[0].version, 17);
  assert.equal(m.producerName, 'zooclip');
  assert.deepEqual(m.metadataProps, [{ key: 'purpose', value: 'test' }]);
  assert.deepEqual(m.graph.input[0].type.tensorType.shape.dim, [{ dimParam: 'batch' }, { dimValue: 3 }]);
  assert.deepEqual(m.graph.node.map((n) => n.opType), ['Add', 'Softmax', 'Mul', 'Identity']);
});

test('graph building errors name the graph and the value', { timeout: 10_000 }, () => {
  const g = new OnnxGraph('bad');
  g.input('x', { dtype: 'float32', dims: [1] });
  assert.throws(() => g.node('Relu', ['nope']), /ONNX graph bad: Relu reads 'nope', which is not defined yet/);
  assert.throws(() => g.input('x', { dtype: 'float32', dims: [1] }), /input 'x' is already defined/);
  assert.throws(() => float32Data([1, 2, 3], [2, 2]), /3 values do not fill dims \[2, 2\]/);
  assert.equal(irVersionFor(17), 8);
  assert.equal(irVersionFor(13), 7);
  assert.throws(() => irVersionFor(5), /opset 5/);
});
