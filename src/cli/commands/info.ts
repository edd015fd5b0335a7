// `zooclip info`: what the engine was built with.
import type { Command } from '../command.js';

/** `info` needs the package version, which main.ts reads once. */
export function info(version: string): Command {
  return {
    help: 'print the engine build: libtorch version, threads, BLAS, CUDA devices',
    spec: {},
    run: async () => {
      const e = await import('../../engine/index.js');
      const b = e.buildInfo();
      console.log(JSON.stringify({ zooclip: version, torch: b.torchVersion, cudaBuild: b.cuda, cudaDevices: e.cudaDeviceCount(), threads: e.getNumThreads(), blas: e.loadedBlas() }, null, 2));
    },
  };
}
