// Process-wide engine settings.
import { readFileSync } from 'node:fs';
import { native } from './native.js';
import { dtypeCode, type DType } from './dtype.js';

/** Seeds the CPU (and CUDA) generators: same seed, same numbers, same training run on CPU. */
export function manualSeed(seed: number): void {
  native.manualSeed(seed);
}

/** libtorch's intra-op threads (default: the core count, or ZOOCLIP_NUM_THREADS). */
export function setNumThreads(n: number): void {
  native.setNumThreads(n);
}
export function getNumThreads(): number {
  return native.getNumThreads();
}

export function cudaDeviceCount(): number {
  return native.cudaDeviceCount();
}
export function cudaAvailable(): boolean {
  return native.cudaDeviceCount() > 0;
}
/** Waits for queued CUDA work (no-op without CUDA); needed for honest timings. */
export function synchronize(): void {
  native.synchronize();
}

/** The best device this build can use: cuda:0 when present, else cpu. */
export function defaultDevice(): string {
  return cudaAvailable() ? 'cuda:0' : 'cpu';
}

export function buildInfo(): { torchVersion: string; cuda: boolean; parallelInfo: string; config: string } {
  return native.buildInfo();
}

/**
 * Runs fn under autocast (mixed precision), as torch.autocast: matmuls and convs in `dtype`,
 * reductions and norms in float32.
 */
export function autocast<T>(device: 'cuda' | 'cpu', dtype: DType, fn: () => T): T {
  const prev = native.setAutocast(device, true, dtypeCode(dtype));
  try {
    return fn();
  } finally {
    native.setAutocast(device, prev, dtypeCode(dtype));
  }
}

/** Which BLAS and OpenMP libraries this process mapped (from /proc/self/maps). */
export function loadedBlas(): string[] {
  try {
    const lines = readFileSync('/proc/self/maps', 'utf8').split('\n');
    const libs = lines.map((l) => l.split(/\s+/).pop() ?? '').filter((p) => /blas|gomp|lapack|mkl|iomp/.test(p));
    return [...new Set(libs)];
  } catch {
    return [];
  }
}

/** Allows TF32 in CUDA matmuls and cuDNN convolutions (faster, ~1e-3 relative error). */
export function setAllowTF32(on: boolean): void {
  native.setAllowTF32(on);
}
