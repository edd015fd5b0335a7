// `zooclip serve --model DIR`: the web page (models run in the browser by onnxruntime-web) and the
// JSON API (run in Node by onnxruntime-node) over an exported folder; see docs/serve.md.
import type { Command } from '../command.js';

export const serve: Command = {
  help: 'serve an exported model folder: a web page running it in the browser, and a JSON API (POST /v1/classify, /v1/segment, /v1/depth)',
  spec: {
    model: { type: 'string', help: 'the exported folder (zooclip_export.json, onnx/model.onnx, ...)' },
    port: { type: 'number', default: 8080, help: 'port to listen on (0 = any free port)' },
    host: { type: 'string', default: '127.0.0.1', help: 'address to listen on (localhost by default)' },
    'max-body': { type: 'number', default: 8 << 20, help: 'largest request body in bytes (413 above)' },
    'max-inflight': { type: 'number', default: 4, help: 'API requests at once (503 with Retry-After above)' },
    threads: { type: 'number', default: 0, help: 'onnxruntime threads per session (0 = its default)' },
  },
  run: async (o) => {
    if (typeof o.model !== 'string') throw new Error('serve: --model DIR is required (a folder written by zooclip export)');
    for (const k of ['port', 'max-body', 'max-inflight', 'threads'] as const) {
      const v = o[k] as number;
      if (!Number.isInteger(v) || v < (k === 'port' || k === 'threads' ? 0 : 1)) throw new Error(`serve: --${k} must be a ${k === 'port' || k === 'threads' ? 'non-negative' : 'positive'} integer, got ${v}`);
    }
    const { runServe } = await import('../../stages/serve/index.js');
    await runServe({ model: o.model, port: o.port as number, host: o.host as string, maxBody: o['max-body'] as number, maxInflight: o['max-inflight'] as number, threads: o.threads as number });
    process.exit(0);
  },
};
