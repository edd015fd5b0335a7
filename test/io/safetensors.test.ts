// safetensors round trips and a fuzz of malformed files: every bad file must give a clear
// error naming the file, never a crash or an out-of-bounds read.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { liveTensors, manualSeed, randn, tensor, tidy, type DType } from '../../src/engine/index.js';
import { SafetensorsReader, loadSafetensors, saveSafetensors } from '../../src/io/safetensors.js';

const dir = mkdtempSync(join(tmpdir(), 'zc-st-'));

function file(name: string, header: unknown, data: Buffer | number = 0, rawHeader?: string): string {
  const json = Buffer.from(rawHeader ?? JSON.stringify(header));
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  const p = join(dir, name);
  writeFileSync(p, Buffer.concat([len, json, typeof data === 'number' ? Buffer.alloc(data) : data]));
  return p;
}

test('round trip of every dtype, with metadata, in the given order', () => {
  const before = liveTensors();
  tidy(() => {
    const dtypes: DType[] = ['float32', 'float16', 'bfloat16', 'float64', 'int64', 'int32', 'int16', 'int8', 'uint8', 'bool'];
    const src = new Map(dtypes.map((d, i) => [`t.${d}`, tensor([[0, 1, 0], [1, 2, 3]].map((r) => r.map((v) => v + i % 2)), { dtype: d })]));
    src.set('empty', tensor([], { shape: [0, 4] }));
    const p = join(dir, 'all.safetensors');
    saveSafetensors(p, src, { format: 'pt', note: 'zooclip' });
    const r = new SafetensorsReader(p);
    assert.deepEqual(r.keys(), [...src.keys()]);
    assert.deepEqual(r.metadata, { format: 'pt', note: 'zooclip' });
    for (const [k, t] of src) {
      const back = r.read(k);
      assert.equal(back.dtype, t.dtype, k);
      assert.deepEqual(back.shape, t.shape, k);
      assert.deepEqual(back.toArray(), t.toArray(), k);
    }
    r.close();
    const hlen = Number(readFileSync(p).readBigUInt64LE(0));
    assert.equal(hlen % 8, 0, 'header is padded to 8 bytes');
  });
  assert.equal(liveTensors(), before);
});

test('writes are atomic: no temp file is left, a failed write keeps the old file', () => {
  tidy(() => {
    const p = join(dir, 'atomic.safetensors');
    saveSafetensors(p, { a: randn([3]) });
    const old = readFileSync(p);
    const gone = randn([2]);
    gone.dispose();
    assert.throws(() => saveSafetensors(p, { a: randn([3]), b: gone }), /'b' is disposed/);
    assert.deepEqual(readFileSync(p), old);
    assert.deepEqual(readdirSync(dir).filter((f) => f.endsWith('.tmp')), []);
  });
});

test('malformed files give errors naming the file and the problem', () => {
  const ok = { a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } };
  const cases: [string, () => string, RegExp][] = [
    ['short', () => { const p = join(dir, 'short'); writeFileSync(p, Buffer.alloc(5)); return p; }, /too short/],
    ['huge header', () => { const p = join(dir, 'huge'); const b = Buffer.alloc(16); b.writeBigUInt64LE(2n ** 40n); writeFileSync(p, b); return p; }, /exceeds/],
    ['header past end', () => { const p = join(dir, 'past'); const b = Buffer.alloc(16); b.writeBigUInt64LE(100n); writeFileSync(p, b); return p; }, /past the end/],
    ['bad json', () => file('badjson', null, 0, '{"a": '), /not valid JSON/],
    ['array header', () => file('arr', [1, 2]), /not a JSON object/],
    ['unknown dtype', () => file('dtype', { a: { dtype: 'F8', shape: [2], data_offsets: [0, 2] } }, 2), /unsupported dtype 'F8'/],
    ['negative shape', () => file('neg', { a: { dtype: 'F32', shape: [-2], data_offsets: [0, 8] } }, 8), /shape must be non-negative/],
    ['offsets out of range', () => file('oob', ok, 4), /past the data/],
    ['wrong byte count', () => file('size', { a: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, 8), /needs 12 bytes, data_offsets span 8/],
    ['overlap', () => file('overlap', { a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] } }, 12), /overlaps/],
    ['gap', () => file('gap', { a: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, 8), /gap/],
    ['trailing data', () => file('trail', ok, 12), /cover 8/],
    ['reversed offsets', () => file('rev', { a: { dtype: 'F32', shape: [0], data_offsets: [8, 0] } }, 8), /end before begin/],
    ['extra field', () => file('extra', { a: { dtype: 'F32', shape: [2], data_offsets: [0, 8], evil: 1 } }, 8), /unknown field 'evil'/],
    ['bad metadata', () => file('meta', { __metadata__: { a: 1 } }), /__metadata__/],
  ];
  for (const [what, make, re] of cases) {
    const p = make();
    assert.throws(() => new SafetensorsReader(p), (e: Error) => re.test(e.message) && e.message.includes(p), what);
  }
});

test('fuzz: random truncations and byte flips never crash and never misread', () => {
  manualSeed(0);
  const p = join(dir, 'fuzz-src.safetensors');
  tidy(() => saveSafetensors(p, { w: randn([4, 5]), b: tensor([1, 2, 3], { dtype: 'int64' }), m: tensor([true, false]) }));
  const src = readFileSync(p);
  let seed = 12345;
  const rnd = (n: number) => { seed = (seed * 1103515245 + 12345) % 2 ** 31; return seed % n; };
  let rejected = 0, accepted = 0;
  const before = liveTensors();
  for (let i = 0; i < 400; i++) {
    const buf = Buffer.from(src);
    const mode = i % 3;
    let bytes = buf;
    if (mode === 0) bytes = buf.subarray(0, rnd(buf.length));
    else for (let k = 0; k <= rnd(4); k++) buf[rnd(Math.min(buf.length, 8 + 200))] = rnd(256);
    if (mode === 2) bytes = Buffer.concat([buf, Buffer.alloc(rnd(16))]);
    const fp = join(dir, 'fuzz.safetensors');
    writeFileSync(fp, bytes);
    try {
      const { tensors } = loadSafetensors(fp);
      accepted++;
      for (const t of tensors.values()) { t.toArray(); t.dispose(); }
    } catch (e) {
      assert.match((e as Error).message, /^safetensors /, `unexpected error kind: ${(e as Error).message}`);
      rejected++;
    }
  }
  assert.ok(rejected > 300, `only ${rejected} of 400 corrupt files rejected`);
  assert.equal(liveTensors(), before);
  assert.ok(accepted >= 0);
});
