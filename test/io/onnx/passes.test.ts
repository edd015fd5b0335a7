// The graph passes: float16 bits (rounding, clamping), per-column 8-bit weights, the structure of the
// fp16 and q8 graphs of zooclip-tiny (float32 edges, LayerNorm in float32, MatMulInteger for every
// constant MatMul), external data (side file, onnxruntime-node loading it from the model's folder,
// same outputs) and the combined model's variants running in onnxruntime-node.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { manualSeed, randn } from '../../../src/engine/index.js';
import { createModel } from '../../../src/models/clip.js';
import {
  DT, type GraphProto, countIntegerMatMuls, decodeModelProto, float16Bits, float32BytesToFloat16, graphProtoOf, quantizeColumns,
  quantizeMatMulWeights, toFloat16, writeOnnxFiles,
} from '../../../src/io/onnx/index.js';
import { exportClipOnnx, externalDataFormat, textGraph, visionGraph } from '../../../src/export/index.js';

test('float16Bits rounds to nearest even; float32BytesToFloat16 clamps to the half range', { timeout: 10_000 }, () => {
  const cases: [number, number][] = [[1, 0x3c00], [-2, 0xc000], [65504, 0x7bff], [0.1, 0x2e66], [2 ** -24, 0x0001], [2 ** -14, 0x0400],
    [1 + 2 ** -11, 0x3c00], [1 + 3 * 2 ** -11, 0x3c02], [-Infinity, 0xfc00], [0, 0], [65520, 0x7c00]];
  for (const [v, bits] of cases) assert.equal(float16Bits(v), bits, `float16Bits(${v})`);
  assert.equal(float16Bits(NaN) & 0x7e00, 0x7e00, 'NaN stays NaN');
  const half = new Uint16Array(float32BytesToFloat16(new Uint8Array(new Float32Array([1e-12, -1e5, 1e6, 0, -Infinity]).buffer)).buffer);
  assert.deepEqual([...half], [0x0001, 0xfbff, 0x7bff, 0, 0xfc00], 'tiny -> smallest subnormal, huge -> +-65504, infinity kept');
});

test('quantizeColumns: symmetric per-column scales, reconstruction within half a step', { timeout: 10_000 }, () => {
  const w = [[0.5, -2, 0], [-0.25, 1, 0], [0.1, 0.3, 0]];
  const { q, scale } = quantizeColumns({ name: 'w', rows: 3, cols: 3, at: (r, c) => w[r]![c]! }, 128);
  assert.deepEqual([...scale], [0.5 / 127, 2 / 127, 1].map(Math.fround));
  for (let r = 0; r < 3; r++) for (let c = 0; c < 3; c++) assert.ok(Math.abs((q[r * 3 + c]! - 128) * scale[c]! - w[r]![c]!) <= scale[c]! / 2 + 1e-9);
  assert.equal(q[1]! - 128, -127, 'the largest magnitude maps to -127');
});

const floatInits = (g: GraphProto, type: number) => g.initializer.filter((t) => t.dataType === type).map((t) => t.name);

test('the fp16 graph: float32 edges, half initializers, LayerNorm and Softmax in float32', { timeout: 60_000 }, () => {
  manualSeed(0);
  const model = createModel('zooclip-tiny').eval();
  const g = toFloat16(graphProtoOf(visionGraph(model)));
  assert.deepEqual([g.input[0]!.type.tensorType.elemType, g.output[0]!.type.tensorType.elemType], [DT.float, DT.float]);
  assert.equal(g.node[0]!.opType, 'Cast', 'pixel_values is cast to float16 first');
  assert.equal(g.node.at(-1)!.opType, 'Cast', 'image_embeds is cast back to float32 last');
  assert.ok(floatInits(g, DT.float).every((n) => /ln_(pre|post|1|2)\.(weight|bias)$/.test(n)), `float32 initializers are LayerNorm's: ${floatInits(g, DT.float)}`);
  assert.ok(floatInits(g, DT.float16).includes('visual.proj'));
  for (const op of ['LayerNormalization', 'Softmax']) {
    const n = g.node.find((x) => x.opType === op)!;
    const producer = g.node.find((x) => x.output.includes(n.input[0]!))!;
    assert.equal(producer.opType, 'Cast', `${op} reads a Cast to float32`);
  }
  model.dispose();
});

test('the q8 graph: every constant MatMul is MatMulInteger on uint8 weights, the token table int8, positions float32', { timeout: 60_000 }, () => {
  manualSeed(0);
  const model = createModel('zooclip-tiny').eval();
  const g = quantizeMatMulWeights(graphProtoOf(visionGraph(model)));
  assert.equal(countIntegerMatMuls(g), 4 * 4 + 1, '4 per block (in_proj, out_proj, c_fc, c_proj) and the projection');
  assert.equal(g.node.filter((n) => n.opType === 'MatMul').length, 2 * 4, 'only attention products (q k^T, p v) stay float');
  assert.ok(!g.initializer.some((t) => t.name === 'visual.proj' || t.name.endsWith('in_proj_weight')), 'the float weights are gone');
  assert.ok(g.initializer.some((t) => t.name === 'visual.positional_embedding' && t.dataType === DT.float));
  const text = quantizeMatMulWeights(graphProtoOf(textGraph(model)));
  const table = text.initializer.find((t) => t.name === 'token_embedding.weight_quantized')!;
  assert.deepEqual([table.dataType, table.dims], [DT.int8, [49408, 128]]);
  assert.ok(!text.initializer.some((t) => t.name === 'token_embedding.weight'), 'the float table is gone');
  assert.ok(text.initializer.some((t) => t.name === 'positional_embedding' && t.dataType === DT.float));
  assert.equal(countIntegerMatMuls(quantizeMatMulWeights(graphProtoOf(textGraph(model)), { embeddings: false })), 17);
  model.dispose();
});

test('external data: large initializers in <file>_data, loaded by onnxruntime-node, same outputs; a stale side file is removed', { timeout: 120_000 }, async () => {
  manualSeed(3);
  const model = createModel('zooclip-tiny').eval();
  const dir = mkdtempSync(join(tmpdir(), 'zooclip-onnx-external-'));
  try {
    const proto = graphProtoOf(visionGraph(model));
    const inside = writeOnnxFiles(join(dir, 'inside.onnx'), proto);
    const split = writeOnnxFiles(join(dir, 'vision_model.onnx'), proto, { externalData: { mode: 'always' } });
    assert.equal(split.dataFile, join(dir, 'vision_model.onnx_data'));
    assert.ok(split.bytes < inside.bytes / 20 && split.dataBytes! > inside.bytes * 0.95, `${split.bytes} + ${split.dataBytes} vs ${inside.bytes}`);
    assert.equal(statSync(split.dataFile!).size, split.dataBytes);
    const decoded = decodeModelProto(readFileSync(split.file)) as { graph: GraphProto };
    const proj = decoded.graph.initializer.find((t) => t.name === 'visual.proj')!;
    assert.equal(proj.dataLocation, 1);
    assert.deepEqual(proj.externalData!.map((e) => e.key), ['location', 'offset', 'length']);
    assert.equal(proj.externalData![0]!.value, 'vision_model.onnx_data');
    const x = randn([2, 3, 64, 64]);
    const feed = { pixel_values: new ort.Tensor('float32', x.data() as Float32Array, [2, 3, 64, 64]) };
    const run = async (f: string) => (await (await ort.InferenceSession.create(f)).run(feed)).image_embeds!.data as Float32Array;
    assert.deepEqual(await run(split.file), await run(inside.file), 'the same numbers from the side file');
    assert.deepEqual(externalDataFormat([split, inside]), { 'vision_model.onnx': 1 }, 'config.json names the split file');
    const auto = writeOnnxFiles(join(dir, 'auto.onnx'), proto, { externalData: { limitBytes: 1e6 } });
    assert.ok(auto.dataFile, "'auto' splits when the initializers pass limitBytes");
    writeOnnxFiles(split.file, proto);
    assert.ok(!existsSync(split.dataFile!), 'rewriting with the data inside removes the old side file');
    x.dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
    model.dispose();
  }
});

test('the combined model_fp16 / model_quantized run in onnxruntime-node and keep the logits of model.onnx', { timeout: 120_000 }, async (t) => {
  manualSeed(4);
  const model = createModel('zooclip-tiny').eval();
  const dir = mkdtempSync(join(tmpdir(), 'zooclip-onnx-model-dtypes-'));
  try {
    const files = exportClipOnnx(model, dir, ['model'], { dtypes: ['fp32', 'fp16', 'q8'] });
    assert.deepEqual(files.map((f) => f.file.split('/').pop()), ['model.onnx', 'model_fp16.onnx', 'model_quantized.onnx']);
    const x = randn([2, 3, 64, 64]), ids = new BigInt64Array([49406n, 320n, 1929n, 49407n, 49406n, 4558n, 49407n, 0n]);
    const feed = { input_ids: new ort.Tensor('int64', ids, [2, 4]), attention_mask: new ort.Tensor('int64', new BigInt64Array(8).fill(1n), [2, 4]), pixel_values: new ort.Tensor('float32', x.data() as Float32Array, [2, 3, 64, 64]) };
    const logits = async (f: string) => {
      const out = await (await ort.InferenceSession.create(join(dir, f))).run(feed);
      assert.equal(out.logits_per_image!.type, 'float32');
      return out.logits_per_image!.data as Float32Array;
    };
    const ref = await logits('model.onnx');
    for (const [f, tol] of [['model_fp16.onnx', 0.05], ['model_quantized.onnx', 0.5]] as const) {
      const got = await logits(f), diff = Math.max(...ref.map((r, i) => Math.abs(r - got[i]!)));
      t.diagnostic(`${f}: logits max abs diff ${diff.toExponential(2)} (logit scale ${Math.exp(model.logit_scale.item()).toFixed(1)})`);
      assert.ok(diff <= tol, `${f}: ${diff}`);
    }
    x.dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
    model.dispose();
  }
});
