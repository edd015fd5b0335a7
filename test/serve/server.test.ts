// `zooclip serve`'s JSON API and file serving, against the CLI in a child process on a seeded
// zooclip-tiny export: the refusals (413, traversal, 400, 415, 503), a classify answer equal to
// onnxruntime-node and to the libtorch forward on the same pixels, and a clean exit on SIGTERM.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { connect } from 'node:net';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { manualSeed, noGrad, tensor, tidy } from '../../src/engine/index.js';
import { createModel } from '../../src/models/clip.js';
import { normalizeRgb, pixelValues, readModelFolder, softmax, tokenBatch } from '../../src/stages/serve/index.js';
import { ClipTokenizer } from '../../src/tokenizer/index.js';
import { decodeCropResize, imageInfo } from '../../src/data/loader/decode.js';
import { centerCropBox } from '../../src/data/loader/augment.js';
import { addStandInHeads, fixturePng, LABELS, makeServeFolder, referenceScores, STAND_IN_CLASSES, TEMPLATES } from './fixture.js';
import { startServeChild, type ServeChild } from './spawn.js';

let dir = '', serve: ServeChild;
const MAX_BODY = 200_000;

before(async () => {
  dir = makeServeFolder(mkdtempSync(join(tmpdir(), 'zooclip-serve-')));
  symlinkSync('/etc', join(dir, 'leak'));
  serve = await startServeChild(dir, ['--max-body', String(MAX_BODY), '--max-inflight', '1']);
});
after(async () => {
  await serve?.stop('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

/** A raw HTTP/1.1 request over a socket (no client-side path normalisation); resolves to status and body. */
function raw(text: string): Promise<{ status: number; body: string }> {
  const { port } = new URL(serve.url);
  return new Promise((resolve, reject) => {
    const s = connect(Number(port), '127.0.0.1', () => s.write(text));
    let got = '';
    s.on('data', (d) => { got += d.toString(); });
    s.on('end', () => resolve({ status: Number(got.slice(9, 12)), body: got.slice(got.indexOf('\r\n\r\n') + 4) }));
    s.on('error', reject);
  });
}

async function post(path: string, body: string, type = 'application/json'): Promise<{ status: number; json: Record<string, unknown>; headers: Headers }> {
  const r = await fetch(new URL(path, serve.url), { method: 'POST', headers: { 'content-type': type }, body });
  return { status: r.status, json: (await r.json()) as Record<string, unknown>, headers: r.headers };
}

test('serve: an oversize body is refused with 413, by its Content-Length and while streaming', { timeout: 30_000 }, async () => {
  const big = 'x'.repeat(MAX_BODY + 1000);
  const declared = await new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request(new URL('v1/classify', serve.url), { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': big.length } }, (res) => {
      let b = '';
      res.on('data', (d) => { b += d; });
      res.on('end', () => resolve({ status: res.statusCode!, body: b }));
    });
    req.on('error', (e) => { if (!(e as NodeJS.ErrnoException).code?.startsWith('E')) reject(e); });
    req.end(big);
  });
  assert.equal(declared.status, 413);
  assert.match(declared.body, /over the limit of 200000 bytes/);
  const chunked = await raw(`POST /v1/classify HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n${(MAX_BODY + 10).toString(16)}\r\n${'y'.repeat(MAX_BODY + 10)}\r\n0\r\n\r\n`);
  assert.equal(chunked.status, 413);
});

test('serve: traversal paths (/../, %2e%2e, absolute, symlink out) are refused and leak nothing', { timeout: 30_000 }, async () => {
  const paths = ['/../../etc/passwd', '/model/../../../etc/passwd', '/%2e%2e/%2e%2e/etc/passwd', '/model/%2e%2e%2f%2e%2e%2fetc%2fpasswd',
    '/model/..%5c..%5cetc%5cpasswd', '//etc/passwd', '/model//etc/passwd', 'http://127.0.0.1/../etc/passwd', '/etc/passwd', '/model/leak/passwd',
    '/lib/zooclip/clip_tokenizer.js', '/lib/zooclip/../../cli/main.js', '/model/%00', '/model/%zz'];
  for (const p of paths) {
    const r = await raw(`GET ${p} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
    assert.ok([400, 403, 404].includes(r.status), `${p}: status ${r.status}`);
    assert.doesNotMatch(r.body, /root:/, `${p} leaked /etc/passwd`);
  }
  assert.equal((await raw('GET /model/zooclip_export.json HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')).status, 200);
  assert.equal((await fetch(new URL('lib/zooclip/bpe.js', serve.url))).status, 200);
});

test('serve: malformed JSON and bad fields are 400 naming the problem; wrong content type is 415', { timeout: 30_000 }, async () => {
  const bad = await post('v1/classify', '{"image": "abc", "labels": [');
  assert.equal(bad.status, 400);
  assert.match(String(bad.json.error), /malformed JSON/);
  const noLabels = await post('v1/classify', JSON.stringify({ image: fixturePng(64, 64).toString('base64') }));
  assert.equal(noLabels.status, 400);
  assert.match(String(noLabels.json.error), /field 'labels'/);
  const notImage = await post('v1/classify', JSON.stringify({ image: Buffer.from('not an image').toString('base64'), labels: ['a'] }));
  assert.equal(notImage.status, 400);
  assert.match(String(notImage.json.error), /field 'image'/);
  const type = await post('v1/classify', 'image=1', 'application/x-www-form-urlencoded');
  assert.equal(type.status, 415);
  const seg = await post('v1/segment', JSON.stringify({ image: fixturePng(64, 64).toString('base64') }));
  assert.equal(seg.status, 404);
  assert.match(String(seg.json.error), /no seg head/);
});

test('serve: one request over --max-inflight is a 503 with Retry-After', { timeout: 30_000 }, async () => {
  const { port } = new URL(serve.url);
  const slow = connect(Number(port), '127.0.0.1');
  await new Promise<void>((resolve) => slow.once('connect', () => resolve()));
  slow.write('POST /v1/classify HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"ima');
  await new Promise((r) => setTimeout(r, 300));
  const busy = await post('v1/classify', JSON.stringify({ image: 'AA==', labels: ['a'] }));
  assert.equal(busy.status, 503);
  assert.equal(busy.headers.get('retry-after'), '1');
  assert.match(String(busy.json.error), /max-inflight/);
  slow.destroy();
  await new Promise((r) => setTimeout(r, 300));
  assert.equal((await post('v1/classify', '{')).status, 400, 'the slot is free again');
});

/** Zero-shot scores by the libtorch forward of the same seeded model on Node's pixels and ids. */
function libtorchScores(png: Buffer): Map<string, number> {
  manualSeed(14);
  const model = createModel('zooclip-tiny').eval();
  const folder = readModelFolder(dir);
  const info = imageInfo(png);
  const rgb = decodeCropResize(png, centerCropBox(info.width, info.height), 64, 64, false, { filter: 'bicubic' }).data as Uint8Array;
  const b = tokenBatch(new ClipTokenizer(), LABELS.map((l) => TEMPLATES[0]!.replace('{}', l)), folder.contextLength);
  const logits = noGrad(() => tidy(() => model.logits(tensor(normalizeRgb(rgb, folder.preprocess), { shape: [1, 3, 64, 64] }),
    tensor(b.ids, { shape: [b.rows, b.width], dtype: 'int64' }))));
  const p = softmax(Array.from(logits.data() as Float32Array));
  logits.dispose();
  return new Map(LABELS.map((l, i) => [l, p[i]!]));
}

test('serve: POST /v1/classify equals onnxruntime-node and the libtorch forward on the same image', { timeout: 60_000 }, async () => {
  const png = fixturePng(80, 96);
  const r = await post('v1/classify', JSON.stringify({ image: png.toString('base64'), labels: LABELS, templates: TEMPLATES }));
  assert.equal(r.status, 200, JSON.stringify(r.json));
  const got = r.json.scores as { label: string; score: number }[];
  assert.deepEqual(got.map((s) => s.label).sort(), [...LABELS].sort());
  const ort = new Map((await referenceScores(dir, png, LABELS, TEMPLATES)).map((s) => [s.label, s.score]));
  const torch = libtorchScores(png);
  const worst = (ref: Map<string, number>): number => Math.max(...got.map((g) => Math.abs(g.score - ref.get(g.label)!)));
  console.log(`classify vs onnxruntime-node: max |d score| ${worst(ort).toExponential(2)}; vs libtorch: ${worst(torch).toExponential(2)}`);
  for (const { label, score } of got) {
    assert.ok(Math.abs(score - ort.get(label)!) < 1e-6, `${label}: ${score} vs onnxruntime-node ${ort.get(label)}`);
    assert.ok(Math.abs(score - torch.get(label)!) < 1e-5, `${label}: ${score} vs libtorch ${torch.get(label)}`);
  }
});

test('serve: SIGTERM closes the server and exits 0; one log line per request', { timeout: 30_000 }, async () => {
  const code = await serve.stop('SIGTERM');
  assert.equal(code, 0, serve.output());
  assert.match(serve.output(), /zooclip serve: closed/);
  assert.match(serve.output(), /POST \/v1\/classify 413 /);
  assert.match(serve.output(), /GET \/model\/leak\/passwd 403 /);
});

test('serve: /v1/segment, /v1/depth, /v1/normals answer typed maps from the folder\'s heads', { timeout: 60_000 }, async () => {
  const headsDir = makeServeFolder(mkdtempSync(join(tmpdir(), 'zooclip-serve-heads-')));
  addStandInHeads(headsDir);
  const s = await startServeChild(headsDir);
  try {
    const png = fixturePng(64, 64), image = png.toString('base64');
    const ask = async (path: string): Promise<Record<string, unknown>> => {
      const r = await fetch(new URL(path, s.url), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ image }) });
      assert.equal(r.status, 200, path);
      return (await r.json()) as Record<string, unknown>;
    };
    // The stand-in depth is the channel mean of the 8x8-pooled pixel_values: recompute it here.
    const px = pixelValues(png, readModelFolder(headsDir).preprocess);
    const want = new Float32Array(64).map((_, i) => {
      const [y, x] = [Math.floor(i / 8), i % 8];
      let sum = 0;
      for (let c = 0; c < 3; c++) for (let dy = 0; dy < 8; dy++) for (let dx = 0; dx < 8; dx++) sum += px[c * 4096 + (y * 8 + dy) * 64 + x * 8 + dx]!;
      return sum / 192;
    });
    const depth = await ask('v1/depth');
    assert.deepEqual([depth.task, depth.width, depth.height, depth.channels, depth.dtype], ['depth', 8, 8, 1, 'float32']);
    const got = new Float32Array(Uint8Array.from(Buffer.from(String(depth.data), 'base64')).buffer);
    assert.ok(got.every((v, i) => Math.abs(v - want[i]!) < 1e-5), 'depth map values');
    assert.equal(Buffer.from(String(depth.png), 'base64').subarray(1, 4).toString(), 'PNG');
    const seg = await ask('v1/segment');
    assert.deepEqual([seg.width, seg.height, seg.channels, seg.dtype], [8, 8, 1, 'uint8']);
    assert.deepEqual((seg.spec as { classes: string[] }).classes, STAND_IN_CLASSES);
    assert.ok([...Buffer.from(String(seg.data), 'base64')].every((k) => k < 4));
    const normals = await ask('v1/normals');
    const n = new Float32Array(Uint8Array.from(Buffer.from(String(normals.data), 'base64')).buffer);
    assert.equal(n.length, 3 * 64);
    for (let i = 0; i < 64; i++) assert.ok(Math.abs(Math.hypot(n[i]!, n[64 + i]!, n[128 + i]!) - 1) < 1e-5, 'unit normals');
  } finally {
    assert.equal(await s.stop('SIGTERM'), 0);
    rmSync(headsDir, { recursive: true, force: true });
  }
});
