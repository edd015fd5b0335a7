// The page of `zooclip serve` in a real browser: playwright-core drives Debian's Chromium headless
// (no browser download; `apt-get install chromium`), the page runs onnx/model.onnx with
// onnxruntime-web (wasm, one thread) on an uploaded fixture image, and its labels and scores must
// equal onnxruntime-node's on the same image; its token ids must equal zooclip's Node tokenizer's.
// A screenshot of the page with its results goes to test-output/serve/page.png.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { fixturePng, LABELS, makeHeadsFolder, makeServeFolder, referenceScores, TEMPLATES } from './fixture.js';
import { startServeChild, type ServeChild } from './spawn.js';
import { ClipTokenizer } from '../../src/tokenizer/index.js';
import { pixelValues, readModelFolder, tokenBatch } from '../../src/stages/serve/index.js';

const CHROMIUM = process.env.ZOOCLIP_CHROMIUM ?? '/usr/bin/chromium';
const OUT = resolve('test-output', 'serve');
/** Same pixels in both (the fixture is the model's 64 px): only float order differs (wasm vs CPU kernels). */
const EXACT_TOL = 1e-5;
/** An 80 x 96 image: the canvas resampling vs zooclip bicubic (measured 1.8e-4 on this random model, whose scores are near uniform; docs/serve.md). */
const RESIZED_TOL = 5e-3;

let dir = '', serve: ServeChild | undefined, browser: Browser | undefined, page: Page;

before(async () => {
  dir = makeServeFolder(mkdtempSync(join(tmpdir(), 'zooclip-serve-page-')));
  serve = await startServeChild(dir);
});
after(async () => {
  await browser?.close();
  await serve?.stop('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

interface PageResult { scores: { label: string; score: number }[]; ids: number[]; width: number; ep: string; pixels: number[] }

async function classifyInPage(file: string): Promise<PageResult> {
  await page.fill('#labels', LABELS.join('\n'));
  await page.fill('#templates', TEMPLATES[0]!);
  await page.evaluate('window.zooclip = undefined');
  await page.setInputFiles('#file', file);
  await page.waitForFunction('window.zooclip !== undefined || !!document.querySelector("#status[data-state=error]")', null, { timeout: 120_000 });
  const status = await page.textContent('#status');
  assert.match(status ?? '', /^done/, `the page says: ${status}`);
  return page.evaluate('window.zooclip') as Promise<PageResult>;
}

function maxDiff(got: PageResult['scores'], want: Map<string, number>): number {
  assert.deepEqual(got.map((s) => s.label).sort(), [...want.keys()].sort());
  return Math.max(...got.map((s) => Math.abs(s.score - want.get(s.label)!)));
}

test('serve page: zero-shot scores in Chromium equal onnxruntime-node on the same image', { timeout: 300_000 }, async () => {
  assert.ok(existsSync(CHROMIUM), `Chromium is not installed at ${CHROMIUM}: apt-get install chromium (scripts/setup.sh does), or set ZOOCLIP_CHROMIUM`);
  mkdirSync(OUT, { recursive: true });
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${serve!.url}?ep=wasm`);
  await page.waitForSelector('#status[data-state=ready]', { timeout: 120_000 });

  const exact = join(OUT, 'fixture_64.png');
  writeFileSync(exact, fixturePng(64, 64));
  const r = await classifyInPage(exact);
  assert.equal(r.ep, 'wasm');
  const want = tokenBatch(new ClipTokenizer(), LABELS.map((l) => TEMPLATES[0]!.replace('{}', l)), 32);
  assert.deepEqual(r.ids, Array.from(want.ids, Number), 'browser and Node token ids');
  const ref = await referenceScores(dir, fixturePng(64, 64), LABELS, TEMPLATES);
  const d = maxDiff(r.scores, new Map(ref.map((s) => [s.label, s.score])));
  assert.deepEqual(r.scores.map((s) => s.label), ref.map((s) => s.label), 'same order of labels');
  const px = pixelValues(fixturePng(64, 64), readModelFolder(dir).preprocess);
  assert.ok(r.pixels.every((v, i) => Math.abs(v - px[i]!) < 1e-6), 'the page makes the same pixel_values as Node from a 64 px image');
  console.log(`page (onnxruntime-web wasm) vs onnxruntime-node, same pixels: max |d score| ${d.toExponential(2)}`);
  assert.ok(d < EXACT_TOL, `scores differ by ${d} (tolerance ${EXACT_TOL})`);
  await page.screenshot({ path: join(OUT, 'page.png'), fullPage: true });

  const resized = join(OUT, 'fixture_80x96.png');
  writeFileSync(resized, fixturePng(80, 96));
  const r2 = await classifyInPage(resized);
  const ref2 = await referenceScores(dir, fixturePng(80, 96), LABELS, TEMPLATES);
  const d2 = maxDiff(r2.scores, new Map(ref2.map((s) => [s.label, s.score])));
  const px2 = pixelValues(fixturePng(80, 96), readModelFolder(dir).preprocess);
  const dpx = Math.max(...r2.pixels.map((v, i) => Math.abs(v - px2[i]!))) * 0.2686 * 255;
  const mpx = (r2.pixels.reduce((a, v, i) => a + Math.abs(v - px2[i]!), 0) / px2.length) * 0.2686 * 255;
  console.log(`page vs onnxruntime-node on a resized 80x96 image (canvas vs bicubic): max |d score| ${d2.toExponential(2)}; pixels differ by at most ${dpx.toFixed(1)} / 255, mean ${mpx.toFixed(2)} / 255`);
  assert.ok(d2 < RESIZED_TOL, `scores of a resized image differ by ${d2} (tolerance ${RESIZED_TOL})`);
  assert.deepEqual(errors, [], 'no page errors');
});

test('serve page: with real CLIPTeX heads the page draws the segmentation overlay, depth and normals maps', { timeout: 300_000 }, async () => {
  assert.ok(browser, 'the first test opened the browser');
  const root = mkdtempSync(join(tmpdir(), 'zooclip-serve-page-heads-'));
  const s = await startServeChild(makeHeadsFolder(root));
  try {
    await page.goto(`${s.url}?ep=wasm`);
    await page.waitForSelector('#status[data-state=ready]', { timeout: 120_000 });
    await classifyInPage(join(OUT, 'fixture_64.png'));
    for (const id of ['seg-map', 'depth-map', 'normals-map']) assert.equal(await page.locator(`canvas#${id}`).count(), 1, id);
    // The depth canvas is not blank: the heads' depth varies over the fixture; its caption gives metres.
    const distinct = await page.evaluate(`(() => { const d = document.getElementById('depth-map').getContext('2d').getImageData(0, 0, 256, 256).data;
      return new Set(Array.from({ length: 256 }, (_, i) => d[4 * (i * 257)])).size; })()`) as number;
    assert.ok(distinct > 4, `depth map shows ${distinct} gray levels`);
    assert.match(await page.textContent('#dense') ?? '', /depth map, [\d.]+–[\d.]+ m/);
    await page.screenshot({ path: join(OUT, 'page_heads.png'), fullPage: true });
  } finally {
    assert.equal(await s.stop('SIGTERM'), 0);
    rmSync(root, { recursive: true, force: true });
  }
});

test('serve page: the server exits 0 on SIGINT after serving the page', { timeout: 30_000 }, async () => {
  assert.equal(await serve!.stop('SIGINT'), 0, serve!.output());
  assert.match(serve!.output(), /GET \/model\/onnx\/model\.onnx 200/);
});
