// The `zooclip serve` stage: start the server, print where it listens and what the folder lacks,
// and shut down cleanly on SIGINT / SIGTERM (server closed, sessions released, exit code 0).
import { startServer, type ServeOptions } from './server.js';

/**
 * Serves until SIGINT or SIGTERM, then resolves (the caller exits 0).
 * @example await runServe({ model: 'out/tiny', port: 8080 });
 */
export async function runServe(o: ServeOptions): Promise<void> {
  const server = await startServer(o);
  const info = server.info;
  console.log(`zooclip serve: ${info.model} at ${server.url} (page: ${server.url}, API: POST ${server.url}v1/classify)`);
  if (!['127.0.0.1', 'localhost', '::1'].includes(o.host ?? '127.0.0.1')) console.log(`zooclip serve: listening on ${o.host}, reachable from other machines (no authentication)`);
  if (info.missing.length) console.log(`zooclip serve: no dense head for ${info.missing.join('; ')}`);
  await new Promise<void>((resolve) => {
    const stop = (signal: string): void => {
      console.log(`zooclip serve: ${signal}, closing`);
      process.off('SIGINT', stop).off('SIGTERM', stop);
      server.close().then(resolve, (e: unknown) => { console.error(`zooclip serve: ${(e as Error).message}`); resolve(); });
    };
    process.on('SIGINT', stop).on('SIGTERM', stop);
  });
  console.log('zooclip serve: closed');
}
