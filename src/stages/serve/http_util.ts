// HTTP plumbing of `zooclip serve` on node:http: an error that carries its status, JSON bodies read
// under a byte limit, JSON answers.
import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * An answer other than 200: status, message (sent as {"error": message}) and extra headers.
 * @example throw new HttpError(503, 'busy', { 'retry-after': '1' });
 */
export class HttpError extends Error {
  constructor(readonly status: number, message: string, readonly headers: Record<string, string> = {}) {
    super(message);
  }
}

/**
 * Sends `body` as JSON with `status`.
 * @example sendJson(res, 200, { scores: [] });
 */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store', ...headers });
  res.end(text);
}

/**
 * The whole request body, refused with 413 past `maxBytes` (by its Content-Length before reading, or
 * while reading) and with 408 when it does not arrive within `timeoutMs`.
 * @example const buf = await readBody(req, 8 << 20, 30_000);
 */
export function readBody(req: IncomingMessage, maxBytes: number, timeoutMs: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (declared > maxBytes) return Promise.reject(new HttpError(413, `request body of ${declared} bytes is over the limit of ${maxBytes} bytes (--max-body)`));
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let size = 0;
    const timer = setTimeout(() => fail(new HttpError(408, `request body not received within ${timeoutMs} ms`)), timeoutMs);
    const fail = (e: Error): void => { clearTimeout(timer); req.removeAllListeners('data'); reject(e); };
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) fail(new HttpError(413, `request body is over the limit of ${maxBytes} bytes (--max-body)`));
      else parts.push(chunk);
    });
    req.on('end', () => { clearTimeout(timer); resolve(Buffer.concat(parts)); });
    req.on('error', fail);
  });
}

/**
 * The JSON object of a body that must be `application/json` (else 415); bad JSON is a 400 naming where it broke.
 * @example const o = jsonObject(req, body); // { image: '...', labels: [...] }
 */
export function jsonObject(req: IncomingMessage, body: Buffer): Record<string, unknown> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json') throw new HttpError(415, `Content-Type must be application/json (got '${type || 'none'}')`);
  let v: unknown;
  try {
    v = JSON.parse(body.toString('utf8'));
  } catch (e) {
    throw new HttpError(400, `malformed JSON body: ${(e as Error).message}`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new HttpError(400, 'the JSON body must be an object such as {"image": "<base64>", "labels": ["cat"]}');
  return v as Record<string, unknown>;
}
