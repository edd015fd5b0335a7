// npz / npy: round trips of every dtype, a DataCompDR-shaped teacher-embedding file, a file
// numpy wrote (savez_compressed, zip64 local headers), and malformed input naming the member.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { readNpz, writeNpz, toFloat32, toHalf, type NpyArray } from '../../src/data/shards/npz.js';
import { ShardWriter, readShards } from '../../src/data/shards/index.js';
import { encodeNpy } from '../../src/data/shards/npy.js';
import { writeZip } from '../../src/data/shards/zip.js';

// np.savez_compressed(b, image_emb=(np.arange(8).reshape(2,4)/8).astype(np.float16),
//                     text_emb=-np.arange(12, dtype=np.float32).reshape(3,4))  (numpy 2.4)
const NUMPY_NPZ = 'UEsDBC0AAAAIAAAAIQALIPsw//////////8NABQAaW1hZ2VfZW1iLm5weQEAEACQAAAAAAAAAFYAAAAAAAAAm+wX6hsQychQxlCtnpJanFykbqWgbpNmpK6joJ6WX1RSlJgXn1+UkgoSd0vMKU4FihdnJBakAvkaRjoKJpo6CrUKZAMuBgYGAwYTBjMGCwZLBisGawBQSwMELQAAAAgAAAAhABxe1wT//////////wwAFAB0ZXh0X2VtYi5ucHkBABAAsAAAAAAAAABqAAAAAAAAAJvsF+obEMnIUMZQrZ6SWpxcpG6loG6TZqKuo6Cell9UUpSYF59flJIKEndLzClOBYoXZyQWpAL5GsY6CiaaOgq1CmQDLgYGhgYg2g+kDzAwOABxAxAvAOIDQPwAiBkOMjAIALECEBscBABQSwECLQMtAAAACAAAACEACyD7MFYAAACQAAAADQAAAAAAAAAAAAAAgAEAAAAAaW1hZ2VfZW1iLm5weVBLAQItAy0AAAAIAAAAIQAcXtcEagAAALAAAAAMAAAAAAAAAAAAAACAAZUAAAB0ZXh0X2VtYi5ucHlQSwUGAAAAAAIAAgB1AAAAPQEAAAAA';

test('round trip of every dtype and of 0-d, 1-d and empty shapes', () => {
  const src: Record<string, NpyArray> = {
    f2: { dtype: 'f2', shape: [2, 3], data: toHalf([0, 1, -2.5, 65504, 1e-7, 0.1]) },
    f4: { dtype: 'f4', shape: [3], data: new Float32Array([1.5, -2, 3e-8]) },
    f8: { dtype: 'f8', shape: [], data: new Float64Array([Math.PI]) },
    i4: { dtype: 'i4', shape: [2, 1, 2], data: new Int32Array([1, -2, 2 ** 31 - 1, -(2 ** 31)]) },
    i8: { dtype: 'i8', shape: [2], data: new BigInt64Array([2n ** 62n, -5n]) },
    u1: { dtype: 'u1', shape: [4], data: new Uint8Array([0, 1, 128, 255]) },
    b1: { dtype: 'b1', shape: [2], data: new Uint8Array([1, 0]) },
    empty: { dtype: 'f4', shape: [0, 1536], data: new Float32Array(0) },
  };
  const buf = writeNpz(src);
  assert.ok(buf.equals(writeNpz(src)), 'deterministic');
  const back = readNpz(buf);
  assert.deepEqual([...back.keys()], Object.keys(src));
  for (const [k, a] of Object.entries(src)) assert.deepEqual(back.get(k), a, k);
  assert.deepEqual([...toFloat32(back.get('f2')!)].slice(0, 4), [0, 1, -2.5, 65504]);
});

test('a DataCompDR-shaped npz (image_emb [n_aug,1536] f2, text_emb [1+n_syn,1536] f4) inside a shard', async () => {
  const nAug = 30;
  const nSyn = 5;
  const img = Float32Array.from({ length: nAug * 1536 }, (_, i) => Math.sin(i) * 0.05);
  const txt = Float32Array.from({ length: (1 + nSyn) * 1536 }, (_, i) => Math.cos(i) * 0.05);
  const npz = writeNpz(new Map<string, NpyArray>([
    ['image_emb', { dtype: 'f2', shape: [nAug, 1536], data: toHalf(img) }],
    ['text_emb', { dtype: 'f4', shape: [1 + nSyn, 1536], data: txt }],
  ]));
  const dir = mkdtempSync(join(tmpdir(), 'zc-npz-'));
  const w = new ShardWriter({ dir, prefix: 'dr' });
  await w.write('000000001', { npz, 'syn.json': JSON.stringify({ syn_text: ['a', 'b', 'c', 'd', 'e'] }), 'url.txt': 'http://x/1.jpg', 'paug.json': '{"param_aug": []}' });
  await w.close();
  for await (const s of readShards(join(dir, 'dr-000000.tar'), { required: ['npz', 'syn.json'] })) {
    const arrays = readNpz(s.fields.get('npz')!, `${s.shard}: ${s.key}.npz`);
    const ie = arrays.get('image_emb')!;
    const te = arrays.get('text_emb')!;
    assert.deepEqual([ie.dtype, ie.shape, te.dtype, te.shape], ['f2', [30, 1536], 'f4', [6, 1536]]);
    const back = toFloat32(ie);
    for (let i = 0; i < img.length; i += 97) assert.ok(Math.abs(back[i] - img[i]) <= 2 ** -14, `image_emb[${i}]`);
    assert.deepEqual(te.data, txt);
  }
});

test('reads what numpy wrote: savez_compressed (deflate, zip64 local headers)', () => {
  const m = readNpz(Buffer.from(NUMPY_NPZ, 'base64'), 'numpy.npz');
  assert.deepEqual([...m.keys()], ['image_emb', 'text_emb']);
  assert.deepEqual(m.get('image_emb')!.shape, [2, 4]);
  assert.deepEqual([...toFloat32(m.get('image_emb')!)], [0, 0.125, 0.25, 0.375, 0.5, 0.625, 0.75, 0.875]);
  assert.deepEqual([...(m.get('text_emb')!.data as Float32Array)], Array.from({ length: 12 }, (_, i) => -i));
});

test('malformed npz files give errors naming the file and the member', () => {
  const good = writeNpz({ image_emb: { dtype: 'f4', shape: [2, 2], data: new Float32Array(4) } });
  const npy = encodeNpy({ dtype: 'f4', shape: [2, 2], data: new Float32Array(4) });
  const patch = (from: string, to: string): Buffer => writeZip([{ name: 'image_emb.npy', data: Buffer.from(npy.toString('latin1').replace(from, to), 'latin1') }]);
  const dataAt = good.indexOf(Buffer.from('\x93NUMPY', 'latin1'));
  const flipped = Buffer.from(good);
  flipped[dataAt + 130] ^= 1;
  const cases: [string, Buffer, RegExp][] = [
    ['not a zip', Buffer.from('hello world, definitely not a zip file'), /x\.npz: not a zip archive/],
    ['truncated', good.subarray(0, good.length - 30), /x\.npz: (not a zip|.*past the end)/],
    ['bad crc', flipped, /x\.npz: member 'image_emb\.npy': CRC-32 mismatch/],
    ['big-endian', patch("'<f4'", "'>f4'"), /member 'image_emb': dtype '>f4' is not supported/],
    ['fortran', patch('False', 'True '), /member 'image_emb': Fortran-order/],
    ['wrong shape', patch('(2, 2)', '(2, 3)'), /member 'image_emb': shape \(2, 3\) of <f4 needs 24 data bytes, found 16/],
    ['complex', patch("'<f4'", "'<c8'"), /dtype '<c8' is not supported/],
  ];
  for (const [what, buf, re] of cases) assert.throws(() => readNpz(buf, 'x.npz'), re, what);
  assert.throws(() => writeNpz({ a: { dtype: 'f4', shape: [3], data: new Float32Array(2) } }), /member 'a': shape \[3\] needs 3 elements, data has 2/);
  assert.throws(() => writeNpz({ a: { dtype: 'f2', shape: [1], data: new Float32Array(1) } }), /member 'a': f2 data must be a Uint16Array/);
});
