// The one file that loads the native addon. Everything else imports `native` from here.
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The addon's functions. Handles are small integers naming tensors in the native table; -1 = none.
 * Each JS thread that loads the addon (the main thread, every worker) has its own handle table:
 * a handle is meaningful only in the thread that made it.
 */
export interface NativeAddon {
  findOp(name: string, overload?: string): number;
  opSchema(op: number): string;
  call(op: number, ...args: unknown[]): unknown;
  callInplace(op: number, ...args: unknown[]): void;
  fromBuffer(data: ArrayBufferView | ArrayBuffer, shape: readonly number[], dtype: number, device?: string): number;
  toBuffer(h: number): ArrayBuffer;
  meta(h: number): [number, string, boolean, ...number[]];
  item(h: number): number | boolean;
  dispose(h: number): void;
  liveCount(): number;
  liveBytes(): number;
  setRequiresGrad(h: number, on: boolean): void;
  grad(h: number): number;
  setGrad(h: number, g: number): void;
  backward(hs: number[], grads: number[], retainGraph: boolean): void;
  setGradEnabled(on: boolean): boolean;
  isGradEnabled(): boolean;
  manualSeed(seed: number): void;
  getRngState(): number;
  setRngState(h: number): void;
  sameData(a: number, b: number): boolean;
  setData(h: number, src: number): void;
  // Process-wide settings: none is applied at load; configureRuntime (runtime.ts) applies them.
  tuneMalloc(): void;
  setNumThreads(n: number): void;
  getNumThreads(): number;
  cudaDeviceCount(): number;
  synchronize(): void;
  buildInfo(): { torchVersion: string; cuda: boolean; parallelInfo: string; config: string };
  setAutocast(device: string, on: boolean, dtype: number): boolean;
  setAllowTF32(on: boolean): void;
  benchAdd(a: number, b: number, n: number): number;
  adamwStep(params: number[], m: number[], v: number[], lr: number, b1: number, b2: number, eps: number, wd: number, step: number): void;
  sgdStep(params: number[], bufs: number[], lr: number, momentum: number, dampening: number, wd: number, nesterov: boolean, step: number): void;
  clipGradNorm(params: number[], maxNorm: number, normType: number): number;
  allFinite(hs: number[], grads?: boolean): boolean;
  zeroGrad(params: number[]): void;
  checkpointWrap(token: number, inputs: number[], outputs: number[]): number[];
  setCheckpointRecompute(fn: (token: number, inputs: number[]) => number[]): void;
  drainDeadCheckpoints(): number[];
  // Data parallel over c10d (native/dist_c10d.cc): TCPStore + ProcessGroupGloo; all calls block until done.
  distInit(rank: number, worldSize: number, masterAddr: string, masterPort: number, timeoutMs: number, ifname?: string): void;
  distAllreduce(h: number, average: boolean): void;
  distAllreduceGrads(params: number[]): void;
  distBroadcast(hs: number[], root?: number): void;
  distAllGather(h: number, withGrad: boolean): number;
  distBarrier(): void;
  distInfo(): [boolean, number, number];
  distDestroy(): void;
  // Images (native/image_*.cc). All but imagesToTensor/stackToTensor are pure and thread-safe;
  // those two make tensor handles, in the calling thread's own table like every tensor function.
  imageInfo(buf: ArrayBufferView | ArrayBuffer): NativeImageInfo;
  decodeImage(buf: ArrayBufferView | ArrayBuffer, opts?: { minWidth?: number; minHeight?: number; mode?: 'rgb' | 'native' | 'raw'; maxPixels?: number }): NativeImage;
  decodeCropResize(buf: ArrayBufferView | ArrayBuffer, crop: { x: number; y: number; w: number; h: number }, outW: number, outH: number, flip: boolean,
    opts?: { filter?: 'bilinear' | 'bicubic' | 'nearest'; fill?: number; mode?: 'rgb' | 'native' | 'raw'; dctScale?: boolean; maxPixels?: number }): NativeImage;
  colorJitter(rgb: Uint8Array, width: number, height: number, ops: number[]): void;
  randAugment(rgb: Uint8Array, width: number, height: number, steps: number[]): void;
  encodeJpeg(pixels: Uint8Array, width: number, height: number, channels: number, quality?: number): Buffer;
  encodePng(pixels: Uint8Array | Uint16Array, width: number, height: number, channels: number, bits?: number): Buffer;
  imagesToTensor(images: ArrayBufferView[], height: number, width: number, mean: readonly number[], std: readonly number[]): number;
  stackToTensor(items: ArrayBufferView[], sampleShape: readonly number[], dtype: number): number;
}

/** An image header as the native decoder reads it. */
export interface NativeImageInfo { format: 'jpeg' | 'png' | 'webp'; width: number; height: number; channels: number; bits: number }

/** Decoded pixels, row-major HWC; `scale` is the JPEG DCT scale used (1 = full size). */
export interface NativeImage { width: number; height: number; channels: number; bits: number; scale: number; data: Uint8Array | Uint16Array }

function load(): NativeAddon {
  const here = dirname(fileURLToPath(import.meta.url));
  const require = createRequire(import.meta.url);
  // src/engine (ts-run) or dist/src/engine (compiled): walk up to the package root.
  for (let dir = here, i = 0; i < 5; dir = dirname(dir), i++) {
    const candidate = join(dir, 'build', 'Release', 'zooclip_native.node');
    if (existsSync(candidate)) return require(candidate) as NativeAddon;
  }
  throw new Error('zooclip native addon not built: install libtorch (or set LIBTORCH) and run `npm rebuild zooclip`; in a clone of the repository, `bash scripts/setup.sh`');
}

export const native: NativeAddon = load();
