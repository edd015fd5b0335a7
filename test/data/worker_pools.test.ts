// Every worker pool accounts for every way a worker stops: a clean exit mid-job, a crash and a
// hang (with a timeout) each reject the pending job with a message naming the pool, fail every
// later job, and never leave a promise pending. Faults come from the real workers through the
// ZOOCLIP_FAULT_INJECT hook (src/data/workers/serve.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DecodePool } from '../../src/data/loader/pool.js';
import { DEFAULT_AUGMENT } from '../../src/data/loader/augment.js';
import type { SampleTask, TransformConfig } from '../../src/data/loader/transform.js';
import { encodeJpeg } from '../../src/data/loader/decode.js';
import { SynthPool } from '../../src/data/synth/pool.js';
import type { SynthJob } from '../../src/data/synth/job.js';

const cfg: TransformConfig = { imageSize: 16, train: false, augment: DEFAULT_AUGMENT, captions: { mode: 'txt' }, dense: [], seed: 0 };
const jpg = encodeJpeg(new Uint8Array(24 * 24 * 3).fill(90), 24, 24, 3);
const task = (index: number): SampleTask => ({ epoch: 0, index, key: `k${index}`, fields: { jpg: new Uint8Array(jpg), txt: new TextEncoder().encode('a cube') } });
const job = (index: number): SynthJob => ({ spec: { seed: 0, split: 'zoo', index, size: 32, noise: 0.5 }, encode: { image: 'jpg', layout: 'labelled' } });

/** Runs `fn` with ZOOCLIP_FAULT_INJECT set while the pool's workers start (they copy the environment then). */
async function withFault<T>(fault: string, fn: () => Promise<T>): Promise<T> {
  const before = process.env.ZOOCLIP_FAULT_INJECT;
  process.env.ZOOCLIP_FAULT_INJECT = fault;
  try {
    return await fn();
  } finally {
    if (before === undefined) delete process.env.ZOOCLIP_FAULT_INJECT;
    else process.env.ZOOCLIP_FAULT_INJECT = before;
  }
}

const cases: [string, RegExp][] = [
  ['exit0', /worker \d exited \(code 0\) while the pool was in use, with \d+ job item\(s\) unanswered/],
  ['crash', /worker \d failed: injected worker crash/],
  ['hang', /worker \d gave no answer to a job in \d+(\.\d+)? s \(hung\?\)/],
];

for (const [mode, message] of cases) {
  test(`decode pool: a worker that does '${mode}' after one chunk fails the job and the pool`, { timeout: 30_000 }, async () => {
    const pool = await withFault(`decode:${mode}:1`, async () => new DecodePool(1, cfg, { jobTimeoutMs: 500 }));
    try {
      const first = await pool.run([task(0), task(1)]);
      assert.ok(first.every((r) => r.ok), 'the first chunk is answered normally');
      await assert.rejects(pool.run([task(2)]), (e: Error) => /^decode /.test(e.message) && message.test(e.message));
      await assert.rejects(pool.run([task(3)]), message, 'a failed pool fails every later job too');
    } finally {
      await pool.close();
    }
  });

  test(`synth pool: a worker that does '${mode}' fails the run instead of hanging or ending early`, { timeout: 60_000 }, async () => {
    const pool = await withFault(`synth:${mode}:2`, async () => new SynthPool(2, { jobTimeoutMs: 5000 /* workers load sharp before their first job */ }));
    const got: number[] = [];
    try {
      await assert.rejects(async () => { for await (const r of pool.run([0, 1, 2, 3, 4, 5, 6, 7].map(job))) got.push(r.encoded.key.length); },
        (e: Error) => /^synth /.test(e.message) && message.test(e.message));
      assert.ok(got.length < 8, `the run stopped at the fault (${got.length} results)`);
    } finally {
      await pool.close();
    }
  });
}

test('a worker that exits before it is ready fails ready() and every job', { timeout: 30_000 }, async () => {
  const pool = await withFault('decode:exit0:0', async () => new DecodePool(2, cfg, { jobTimeoutMs: 2000 }));
  try {
    await pool.ready();  // the ready message comes before any job: the workers start fine
    await assert.rejects(pool.run([task(0)]), /decode worker \d exited \(code 0\)/);
  } finally {
    await pool.close();
  }
});

test('healthy pools answer every job in order and close cleanly', { timeout: 60_000 }, async () => {
  const decode = new DecodePool(2, cfg);
  const synth = new SynthPool(2);
  try {
    const rs = await Promise.all([0, 1, 2, 3].map((i) => decode.run([task(i)])));
    assert.ok(rs.flat().every((r) => r.ok));
    const keys: string[] = [];
    for await (const r of synth.run([0, 1, 2].map(job))) keys.push(r.encoded.key);
    assert.equal(keys.length, 3);
  } finally {
    await decode.close();
    await synth.close();
  }
  await assert.rejects(decode.run([task(9)]), /decode pool closed/);
});
