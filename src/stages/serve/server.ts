// `zooclip serve`: one node:http server for the page, its files and the JSON API (docs/serve.md).
// Bounded concurrency: at most maxInflight API requests at once (from their first byte to their
// answer); one more is a 503 with Retry-After. One log line per request.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { classifyRequest, denseRequest } from './api.js';
import { HttpError, jsonObject, readBody, sendJson } from './http_util.js';
import { folderVocab, vocabJson } from './inputs.js';
import { missingHeads, readModelFolder, type ServeTask } from './model_folder.js';
import { openServeModels, type ServeModels } from './runner.js';
import { resolveStatic, sendFile, staticRoots, type StaticRoot } from './static.js';

/** Options of startServer (the CLI's flags). */
export interface ServeOptions {
  /** The exported model folder. */
  model: string;
  /** 0 = any free port. */
  port?: number;
  host?: string;
  /** Largest request body in bytes (default 8 MiB). */
  maxBody?: number;
  /** API requests at once (default 4). */
  maxInflight?: number;
  /** onnxruntime intra-op threads (0 = its default). */
  threads?: number;
  /** Where request lines go (default console.log). */
  log?: (line: string) => void;
}

/** A listening server. */
export interface RunningServer {
  url: string;
  port: number;
  /** What GET /v1/info answers: the model, its preprocessing, which heads it has and which it lacks. */
  info: ServeInfo;
  /** Stops accepting, lets requests in flight finish (at most 10 s), releases the sessions. */
  close(): Promise<void>;
}

const BODY_TIMEOUT_MS = 30_000;
const TASK_ROUTES: Record<string, ServeTask> = { '/v1/segment': 'seg', '/v1/depth': 'depth', '/v1/normals': 'normals', '/v1/detect': 'det' };

interface Ctx { models: ServeModels; roots: StaticRoot[]; info: string; vocab: () => string; maxBody: number; maxInflight: number; inflight: number }

/** GET /v1/info. */
export interface ServeInfo {
  model: string; image_size: number; context_length: number; preprocess: ServeModels['folder']['preprocess'];
  tokenizer: string; heads: string[]; missing: string[];
  /** Each head's spec (onnx/<task>_head.json: classes, decode with the depth scale in metres, ...). */
  specs: ServeModels['folder']['heads'];
}

function infoOf(m: ServeModels): ServeInfo {
  const f = m.folder;
  return {
    model: f.name, image_size: f.imageSize, context_length: f.contextLength, preprocess: f.preprocess,
    tokenizer: f.tokenizerJson ? 'tokenizer.json' : 'standard CLIP vocabulary (the folder has no tokenizer.json)',
    heads: Object.keys(f.heads), missing: missingHeads(f), specs: f.heads,
  };
}

async function api(ctx: Ctx, req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
  const task = TASK_ROUTES[path];
  if (path !== '/v1/classify' && !task) throw new HttpError(404, `no API route '${path}' (routes: POST /v1/classify, /v1/segment, /v1/depth, /v1/normals, /v1/detect; GET /v1/info, /v1/vocab)`);
  if (req.method !== 'POST') throw new HttpError(405, `${path} takes POST`, { allow: 'POST' });
  if (ctx.inflight >= ctx.maxInflight) throw new HttpError(503, `busy: ${ctx.maxInflight} requests already running (--max-inflight); retry shortly`, { 'retry-after': '1' });
  ctx.inflight++;
  res.once('close', () => { ctx.inflight--; });
  const o = jsonObject(req, await readBody(req, ctx.maxBody, BODY_TIMEOUT_MS));
  sendJson(res, 200, task ? await denseRequest(ctx.models, task, o) : await classifyRequest(ctx.models, o));
}

async function handle(ctx: Ctx, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = (req.url ?? '/').split('?')[0]!;
  if (path === '/v1/info' || path === '/v1/vocab') {
    if (req.method !== 'GET' && req.method !== 'HEAD') throw new HttpError(405, `${path} takes GET`, { allow: 'GET, HEAD' });
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-cache' });
    res.end(req.method === 'HEAD' ? undefined : path === '/v1/info' ? ctx.info : ctx.vocab());
    return;
  }
  if (path.startsWith('/v1/')) return api(ctx, req, res, path);
  if (req.method !== 'GET' && req.method !== 'HEAD') throw new HttpError(405, `${req.method} is not allowed on files`, { allow: 'GET, HEAD' });
  sendFile(res, resolveStatic(ctx.roots, req.url ?? '/'), req.method === 'HEAD');
}

function answerError(req: IncomingMessage, res: ServerResponse, e: unknown): void {
  const err = e instanceof HttpError ? e : new HttpError(500, `internal error: ${(e as Error).message}`);
  if (res.headersSent) { res.destroy(); return; }
  // A refused body may still be arriving: drain it briefly, then drop the connection.
  const close: Record<string, string> = err.status === 413 || err.status === 408 ? { connection: 'close' } : {};
  sendJson(res, err.status, { error: err.message }, { ...err.headers, ...close });
  if (close.connection) { req.resume(); setTimeout(() => req.destroy(), 1000).unref(); }
}

function logLine(req: IncomingMessage, res: ServerResponse, t0: number): string {
  const path = (req.url ?? '').replace(/[^\x21-\x7e]/g, '?').slice(0, 200);
  return `${new Date().toISOString()} ${req.method} ${path} ${res.statusCode} ${(performance.now() - t0).toFixed(1)}ms`;
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve((server.address() as AddressInfo).port));
  });
}

/**
 * Loads the folder's models and listens; `close()` shuts down cleanly.
 * @example const s = await startServer({ model: 'out/tiny', port: 0 }); console.log(s.url); await s.close();
 */
export async function startServer(o: ServeOptions): Promise<RunningServer> {
  const folder = readModelFolder(o.model);
  const roots = staticRoots(folder.dir);   // before the sessions open, so a missing web/ folder leaks nothing
  const models = await openServeModels(folder, o.threads ?? 0);
  let vocab: string | undefined;
  const info = infoOf(models);
  const ctx: Ctx = {
    models, roots, info: JSON.stringify(info), maxBody: o.maxBody ?? 8 << 20, maxInflight: o.maxInflight ?? 4, inflight: 0,
    vocab: () => (vocab ??= JSON.stringify(vocabJson(folderVocab(folder.tokenizerJson)))),
  };
  const log = o.log ?? ((l: string) => console.log(l));
  const server = createServer((req, res) => {
    const t0 = performance.now();
    res.once('close', () => log(logLine(req, res, t0)));
    handle(ctx, req, res).catch((e: unknown) => answerError(req, res, e));
  });
  server.requestTimeout = 60_000;
  const host = o.host ?? '127.0.0.1';
  let port: number;
  try {
    port = await listen(server, o.port ?? 0, host);
  } catch (e) {
    await models.release();   // e.g. the port is taken: the sessions are not left open
    throw e;
  }
  const close = async (): Promise<void> => {
    const done = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    const force = setTimeout(() => server.closeAllConnections(), 10_000);
    await done;
    clearTimeout(force);
    await models.release();
  };
  return { url: `http://${host.includes(':') ? `[${host}]` : host}:${port}/`, port, info, close };
}
