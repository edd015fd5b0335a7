// `zooclip serve`'s JSON API and file serving, against the CLI in a child process on a seeded
// zooclip-tiny export: the refusals (413, traversal, 400, 415, 503, 404 for a head the folder lacks),
// a classify answer equal to onnxruntime-node and to the libtorch forward on the same pixels, a clean
// exit on SIGTERM; and on an export with real CLIPTeX heads, dense answers at the input image's size
// equal to the public API's segment / depth / normals / detect (onnx backend).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { connect } from 'node:net';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { manualSeed, noGrad, tensor, tidy } from '../../src/engine/index.js';
import { createModel } from '../../src/models/clip.js';
import { normalizeRgb, readModelFolder, softmax, tokenBatch } from '../../src/stages/serve/index.js';
import { ClipTokenizer } from '../../src/tokenizer/index.js';
import { decodeCropResize, encodePng, imageInfo } from '../../src/data/loader/decode.js';
import { centerCropBox } from '../../src/data/loader/augment.js';
import { classify, depth, detect, loadTaskModel, normals, segment, type TaskModel } from '../../src/index.js';
import { fixturePng, HEAD_CLASSES, LABELS, makeHeadsFolder, makeServeFolder, referenceScores, TEMPLATES } from './fixture.js';
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
  assert.match(String(seg.json.error), /no seg head: onnx\/image_features\.onnx, onnx\/seg_head\.onnx, onnx\/seg_head\.json not in it/);
  const det = await post('v1/detect', JSON.stringify({ image: fixturePng(64, 64).toString('base64') }));
  assert.equal(det.status, 404);
  assert.match(String(det.json.error), /no det head: .*onnx\/det_head\.onnx/);
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

type Answer = Record<string, unknown>;
const floats = (b64: unknown): Float32Array => new Float32Array(Uint8Array.from(Buffer.from(String(b64), 'base64')).buffer);
const isPng = (b64: unknown): boolean => Buffer.from(String(b64), 'base64').subarray(1, 4).toString() === 'PNG';

/** Largest |a - b| over two arrays of the same length. */
function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>, what: string): number {
  assert.equal(a.length, b.length, `${what}: length`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

/** The server's seg / depth / normals answers equal the public API's onnx backend on the same image. */
async function checkMaps(ask: (path: string, extra?: object) => Promise<Answer>, api: TaskModel, png: Buffer, w: number, h: number): Promise<number> {
  const seg = await ask('v1/segment'), [want] = await segment(api, [png]);
  assert.deepEqual([seg.task, seg.width, seg.height, seg.channels, seg.dtype], ['seg', w, h, 1, 'uint8']);
  assert.deepEqual([want!.width, want!.height], [w, h]);
  assert.deepEqual(seg.classes, want!.classes);
  assert.deepEqual(seg.classes, HEAD_CLASSES);
  assert.deepEqual(Uint8Array.from(Buffer.from(String(seg.data), 'base64')), want!.labels, 'seg ids equal segment()');
  assert.ok(isPng(seg.png));
  const d = await ask('v1/depth'), [wd] = await depth(api, [png]);
  assert.deepEqual([d.width, d.height, d.channels, d.dtype, d.units], [w, h, 1, 'float32', 'm']);
  const dd = maxDiff(floats(d.data), wd!.depth, 'depth');
  assert.ok(isPng(d.png));
  const n = await ask('v1/normals'), [wn] = await normals(api, [png]);
  assert.deepEqual([n.width, n.height, n.channels, n.dtype], [w, h, 3, 'float32']);
  const chw = floats(n.data), hw = w * h;
  const asHwc = Float32Array.from({ length: 3 * hw }, (_, i) => chw[(i % 3) * hw + Math.floor(i / 3)]!);
  const dn = maxDiff(asHwc, wn!.normals, 'normals');
  for (let i = 0; i < hw; i += 97) assert.ok(Math.abs(Math.hypot(chw[i]!, chw[hw + i]!, chw[2 * hw + i]!) - 1) < 1e-5, 'unit normals');
  assert.ok(isPng(n.png));
  return Math.max(dd, dn);
}

/** The server's boxes equal detect() (same order, labels, scores and input-pixel boxes). */
async function checkBoxes(ask: (path: string, extra?: object) => Promise<Answer>, api: TaskModel, png: Buffer, threshold?: number): Promise<{ worst: number; count: number }> {
  const r = await ask('v1/detect', threshold === undefined ? {} : { threshold });
  const [want] = await detect(api, [png], { threshold });
  const got = r.boxes as { x0: number; y0: number; x1: number; y1: number; score: number; label: string; class_id: number }[];
  assert.equal(got.length, want!.length, 'number of boxes');
  let worst = 0;
  got.forEach((b, i) => {
    const x = want![i]!;
    assert.deepEqual([b.label, b.class_id], [x.label, x.classId]);
    worst = Math.max(worst, Math.abs(b.score - x.score), maxDiff([b.x0, b.y0, b.x1, b.y1], x.box, 'box'));
  });
  return { worst, count: got.length };
}

test('serve: /v1/segment, /v1/depth, /v1/normals, /v1/detect answer the real heads at the input image\'s size, equal to the public API', { timeout: 240_000 }, async () => {
  const root = mkdtempSync(join(tmpdir(), 'zooclip-serve-heads-'));
  const headsDir = makeHeadsFolder(root);
  const s = await startServeChild(headsDir);
  const api = await loadTaskModel(headsDir, { backend: 'onnx', threads: 1 });
  try {
    const info = (await (await fetch(new URL('v1/info', s.url))).json()) as { heads: string[]; missing: string[]; specs: Record<string, { decode: { type: string; scale?: number } }> };
    assert.deepEqual([info.heads, info.missing], [['seg', 'depth', 'normals', 'det'], []]);
    assert.equal(info.specs.depth!.decode.type, 'depth');
    const png = fixturePng(90, 60), image = png.toString('base64');
    const ask = async (path: string, extra: object = {}): Promise<Answer> => {
      const r = await fetch(new URL(path, s.url), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ image, ...extra }) });
      const body = (await r.json()) as Answer;
      assert.equal(r.status, 200, `${path}: ${JSON.stringify(body).slice(0, 300)}`);
      return body;
    };
    const maps = await checkMaps(ask, api, png, 90, 60);
    const [byDefault, all] = [await checkBoxes(ask, api, png), await checkBoxes(ask, api, png, 0)];
    assert.ok(all.count > 0, 'threshold 0 keeps boxes');
    const boxes = Math.max(byDefault.worst, all.worst);
    console.log(`serve dense answers vs the public API (onnx backend): depth/normals max |d| ${maps.toExponential(2)}; boxes/scores ${boxes.toExponential(2)} (${byDefault.count} boxes at the spec's threshold, ${all.count} at 0)`);
    assert.ok(maps <= 1e-5 && boxes <= 1e-5, `maps ${maps}, boxes ${boxes}`);
    // several templates: the server ensembles them as the public API's classify (averaged, renormalised text embeddings)
    const templates = ['a photo of {}.', 'a rendering of {}.', '{} on the ground'];
    const served = (await ask('v1/classify', { labels: LABELS, templates })).scores as unknown as { label: string; score: number }[];
    const [mine] = await classify(api, [png], LABELS, { templates });
    const byLabel = new Map(mine!.map((x) => [x.label, x.score]));
    const zs = Math.max(...served.map((x) => Math.abs(x.score - byLabel.get(x.label)!)));
    console.log(`serve classify with ${templates.length} templates vs the public API's classify: max |d score| ${zs.toExponential(2)}`);
    assert.ok(zs <= 1e-5, `classify with templates differs from the public API by ${zs}`);
    const bad = await fetch(new URL('v1/detect', s.url), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ image, threshold: 2 }) });
    assert.equal(bad.status, 400);
    assert.match(((await bad.json()) as Answer).error as string, /field 'threshold'/);
    const huge = encodePng(new Uint8Array(4097 * 4097), 4097, 4097, 1).toString('base64');
    const big = await fetch(new URL('v1/depth', s.url), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ image: huge }) });
    assert.equal(big.status, 413);
    assert.match(((await big.json()) as Answer).error as string, /4097x4097 is over the 16777216 pixels/);
  } finally {
    api.dispose();
    assert.equal(await s.stop('SIGTERM'), 0);
    rmSync(root, { recursive: true, force: true });
  }
});
