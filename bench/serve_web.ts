// The serve bench's browser engine: onnxruntime-web (wasm) in Debian's Chromium, driven headless by
// playwright-core, as the `zooclip serve` page runs it. A node:http server on 127.0.0.1 (a secure
// context) serves a one-script page, onnxruntime-web's files, the exported graphs and the input
// pixels, with COOP/COEP headers so the page is cross-origin isolated and wasm may use threads
// (SharedArrayBuffer). The timing loop runs inside the page, so no browser round trip is counted.
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { HttpError } from '../src/stages/serve/http_util.js';
import { resolveStatic, sendFile, type StaticRoot } from '../src/stages/serve/static.js';
import { median } from './train_step.js';
import type { Timing } from './serve_engines.js';

const CHROMIUM = process.env.ZOOCLIP_CHROMIUM ?? '/usr/bin/chromium';
/**
 * V8 compiles wasm with its optimizing tier up front: by default it starts on the baseline compiler
 * (Liftoff) and tiers hot functions up in the background, so the first calls after a short warm-up
 * time baseline code (on the quick MCi tower under load: about 12 calls to reach the steady state,
 * which these flags reach at the first). The bench times the steady state, as the Node engines.
 */
const CHROMIUM_FLAGS = ['--js-flags=--no-liftoff'];

/** The page: loads onnxruntime-web's wasm build once with the thread count of `?threads=`, then waits for `benchWasm` calls. */
const PAGE = `<!doctype html><meta charset="utf-8"><title>zooclip bench serve</title>
<script type="module">
import * as ort from '/ort/ort.wasm.bundle.min.mjs';
ort.env.wasm.wasmPaths = '/ort/';
ort.env.wasm.numThreads = Number(new URLSearchParams(location.search).get('threads'));
window.benchWasm = async (model, input, shape, warmup, iters) => {
  const session = await ort.InferenceSession.create(model, { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
  const pixels = new Float32Array(await (await fetch(input)).arrayBuffer());
  const feeds = { pixel_values: new ort.Tensor('float32', pixels, shape) };
  const times = [];
  let out;
  for (let i = 0; i < warmup + iters; i++) {
    const t0 = performance.now();
    out = (await session.run(feeds)).image_embeds;
    if (i >= warmup) times.push(performance.now() - t0);
  }
  await session.release();
  return { times, out: Array.from(out.data) };
};
window.benchReady = { isolated: crossOriginIsolated };
</script>`;

/** A browser page ready to time graphs, and how many wasm threads it really runs. */
export interface WebBench {
  /** The threads onnxruntime-web ran on: 1 + the pthread workers it had started after a timed graph (most seen). */
  threads(): number;
  /** Whether the page was cross-origin isolated (else onnxruntime-web runs one thread whatever is asked). */
  isolated: boolean;
  /** Times `session.run` of the graph at `/model/<tower>/<file>` on the input registered as `input`. */
  time(tower: string, file: string, input: string, shape: readonly number[], warmup: number, iters: number): Promise<Timing>;
  /** A fresh page (wasm memory is never given back, so each tower gets its own). */
  reload(): Promise<void>;
  close(): Promise<void>;
}

function headers(res: import('node:http').ServerResponse): void {
  res.setHeader('cross-origin-opener-policy', 'same-origin');
  res.setHeader('cross-origin-embedder-policy', 'require-corp');
  res.setHeader('cross-origin-resource-policy', 'same-origin');
}

/** The server: '/' the page, '/ort/' onnxruntime-web's dist folder, '/model/<tower>/' its cache folder, '/input/<name>' the pixels. */
function startServer(models: Record<string, string>, inputs: Map<string, Float32Array>): Promise<Server> {
  const ortDir = dirname(createRequire(import.meta.url).resolve('onnxruntime-web'));
  const roots: StaticRoot[] = [{ prefix: '/ort/', dir: ortDir }, ...Object.entries(models).map(([k, dir]) => ({ prefix: `/model/${k}/`, dir }))];
  const server = createServer((req, res) => {
    headers(res);
    const path = (req.url ?? '/').split('?')[0]!;
    try {
      if (path === '/') {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(PAGE);
      } else if (path.startsWith('/input/') && inputs.has(path.slice(7))) {
        const x = inputs.get(path.slice(7))!;
        res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(Buffer.from(x.buffer, x.byteOffset, x.byteLength));
      } else {
        sendFile(res, resolveStatic(roots, req.url ?? '/'), req.method === 'HEAD');
      }
    } catch (e) {
      res.writeHead(e instanceof HttpError ? e.status : 500, { 'content-type': 'text/plain' }).end((e as Error).message);
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

/**
 * Starts the server and headless Chromium on the bench page with onnxruntime-web at `threads` wasm threads.
 * `models` maps a tower key to its graph folder; `inputs` holds the pixels by name (served at /input/<name>).
 * @example const web = await openWebBench({ mci0: 'runs/bench-serve/MobileCLIP-S0-seed0' }, inputs, 2); await web.close();
 */
export async function openWebBench(models: Record<string, string>, inputs: Map<string, Float32Array>, threads: number): Promise<WebBench> {
  if (!existsSync(CHROMIUM)) throw new Error(`bench serve: Chromium is not installed at ${CHROMIUM}: apt-get install chromium (scripts/setup.sh does), or set ZOOCLIP_CHROMIUM`);
  const server = await startServer(models, inputs);
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/?threads=${threads}`;
  let browser: Browser | undefined, page: Page | undefined, threadsSeen = 0;
  const errors: string[] = [];
  const open = async (): Promise<{ isolated: boolean }> => {
    await page?.close();
    page = await browser!.newPage();
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(url);
    return (await page.waitForFunction('window.benchReady', null, { timeout: 60_000 })).jsonValue() as Promise<{ isolated: boolean }>;
  };
  try {
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', ...CHROMIUM_FLAGS] });
    const { isolated } = await open();
    return {
      threads: () => threadsSeen, isolated,
      async time(tower, file, input, shape, warmup, iters) {
        const r = await page!.evaluate(([m, i, s, w, n]) => (globalThis as unknown as { benchWasm: (...a: unknown[]) => Promise<{ times: number[]; out: number[] }> }).benchWasm(m, i, s, w, n),
          [`/model/${tower}/${file}`, `/input/${input}`, shape, warmup, iters] as const).catch((e: Error) => {
          throw new Error(`bench serve: onnxruntime-web on ${tower}/${file}: ${e.message}${errors.length ? ` (page errors: ${errors.join('; ')})` : ''}`);
        });
        threadsSeen = Math.max(threadsSeen, 1 + page!.workers().length);
        return { ms: median(r.times), out: Float32Array.from(r.out) };
      },
      async reload() { await open(); },
      async close() {
        await browser?.close();
        server.close();
      },
    };
  } catch (e) {
    await browser?.close();
    server.close();
    throw e;
  }
}
