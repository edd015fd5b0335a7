// Process-wide engine settings. Loading the addon changes none of them (a library must not take
// over its host process's threads or allocator): configureRuntime applies zooclip's defaults
// when a program asks for them, as the CLI does before every command.
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { native } from './native.js';
import { dtypeCode, type DType } from './dtype.js';

/**
 * Seeds the CPU (and CUDA) generators: same seed, same numbers, same training run on CPU.
 * @example manualSeed(0); const a = randn([2]); manualSeed(0); const b = randn([2]); // a equals b
 */
export function manualSeed(seed: number): void {
  native.manualSeed(seed);
}

/**
 * Sets libtorch's intra-op threads. Until this or configureRuntime runs, libtorch keeps its own
 * default: OMP_NUM_THREADS if set, else what its OpenMP runtime picks (1 with Debian's libtorch).
 * @example setNumThreads(1); // one thread per rank when several processes share the cores
 */
export function setNumThreads(n: number): void {
  native.setNumThreads(n);
}
/**
 * libtorch's intra-op thread count as it stands now.
 * @example console.log(`${getNumThreads()} threads`);
 */
export function getNumThreads(): number {
  return native.getNumThreads();
}

/** What configureRuntime may set; each option left out takes zooclip's default. */
export interface RuntimeOptions {
  /** libtorch intra-op threads (default: ZOOCLIP_NUM_THREADS, else the core count). */
  threads?: number;
  /**
   * Keep large freed blocks in glibc's heap instead of returning them to the OS after every
   * training step (default: on, unless ZOOCLIP_NO_MALLOPT is set). `false` leaves the allocator
   * as it is; it cannot undo a tuning already applied.
   */
  tuneMalloc?: boolean;
}

/** The settings configureRuntime resolved and applied. */
export interface RuntimeSettings { threads: number; tuneMalloc: boolean }

let mallocTuned = false;

// ZOOCLIP_NUM_THREADS if set (a positive integer, or a clear error), else the core count.
function defaultThreads(env: NodeJS.ProcessEnv): number {
  const raw = env.ZOOCLIP_NUM_THREADS;
  if (raw === undefined || raw === '') return Math.max(1, cpus().length);
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`ZOOCLIP_NUM_THREADS must be a positive integer, got '${raw}'`);
  return n;
}

/**
 * Applies zooclip's process-wide engine defaults: libtorch's thread count and glibc's allocator
 * tuning. The CLI calls it once before running a command; programs that use zooclip as a library
 * call it when they want the same settings (loading the addon alone changes nothing). Calling it
 * again with the same options changes nothing more (it is idempotent); `env` is read for
 * ZOOCLIP_NUM_THREADS and ZOOCLIP_NO_MALLOPT.
 * @example
 * configureRuntime();                 // the CLI's defaults
 * configureRuntime({ threads: 1 });   // one thread, allocator tuned
 */
export function configureRuntime(opts: RuntimeOptions = {}, env: NodeJS.ProcessEnv = process.env): RuntimeSettings {
  const threads = opts.threads ?? defaultThreads(env);
  if (!Number.isInteger(threads) || threads < 1) throw new Error(`configureRuntime: threads must be a positive integer, got ${threads}`);
  const tuneMalloc = opts.tuneMalloc ?? !env.ZOOCLIP_NO_MALLOPT;
  if (tuneMalloc && !mallocTuned) {
    native.tuneMalloc();
    mallocTuned = true;
  }
  if (native.getNumThreads() !== threads) native.setNumThreads(threads);
  return { threads, tuneMalloc: mallocTuned };
}

/**
 * How many CUDA devices libtorch sees (0 on a CPU build or without a GPU).
 * @example if (cudaDeviceCount() > 1) console.log('several GPUs');
 */
export function cudaDeviceCount(): number {
  return native.cudaDeviceCount();
}
/**
 * Whether at least one CUDA device is usable.
 * @example const device = cudaAvailable() ? 'cuda:0' : 'cpu';
 */
export function cudaAvailable(): boolean {
  return native.cudaDeviceCount() > 0;
}
/**
 * Waits for queued CUDA work (no-op without CUDA); needed for honest timings.
 * @example const t0 = performance.now(); step(); synchronize(); const ms = performance.now() - t0;
 */
export function synchronize(): void {
  native.synchronize();
}

/**
 * The best device this build can use: cuda:0 when present, else cpu.
 * @example const model = createModel('ViT-B-16').to(defaultDevice());
 */
export function defaultDevice(): string {
  return cudaAvailable() ? 'cuda:0' : 'cpu';
}

/**
 * Facts about the engine build: libtorch version, CUDA support, libtorch's parallel and build settings.
 * @example console.log(`libtorch ${buildInfo().torchVersion}`);
 */
export function buildInfo(): { torchVersion: string; cuda: boolean; parallelInfo: string; config: string } {
  return native.buildInfo();
}

/**
 * Runs fn under autocast (mixed precision), as torch.autocast: matmuls and convs in `dtype`,
 * reductions and norms in float32.
 * @example const logits = autocast('cuda', 'bfloat16', () => model.forward(images));
 */
export function autocast<T>(device: 'cuda' | 'cpu', dtype: DType, fn: () => T): T {
  const prev = native.setAutocast(device, true, dtypeCode(dtype));
  try {
    return fn();
  } finally {
    native.setAutocast(device, prev, dtypeCode(dtype));
  }
}

/**
 * Which BLAS and OpenMP libraries this process mapped (from /proc/self/maps).
 * @example console.log(loadedBlas().join('\n'));
 */
export function loadedBlas(): string[] {
  try {
    const lines = readFileSync('/proc/self/maps', 'utf8').split('\n');
    const libs = lines.map((l) => l.split(/\s+/).pop() ?? '').filter((p) => /blas|gomp|lapack|mkl|iomp/.test(p));
    return [...new Set(libs)];
  } catch {
    return [];
  }
}

/**
 * Allows TF32 in CUDA matmuls and cuDNN convolutions (faster, ~1e-3 relative error).
 * @example setAllowTF32(false); // exact float32 for parity tests
 */
export function setAllowTF32(on: boolean): void {
  native.setAllowTF32(on);
}
