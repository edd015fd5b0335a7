// Data parallel on PyTorch's c10d (TCPStore rendezvous + Gloo collectives), configured the way
// torchrun configures PyTorch: RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR, MASTER_PORT.
import { native } from '../engine/native.js';
import { Tensor } from '../engine/tensor.js';
import type { Module } from '../nn/module.js';

/** Where this process sits in the job, as read from the environment (or given). */
export interface DistConfig {
  rank: number;
  worldSize: number;
  localRank: number;
  masterAddr: string;
  masterPort: number;
  /** Rendezvous and collective timeout in milliseconds (default 60 000, or ZOOCLIP_DIST_TIMEOUT_MS). */
  timeoutMs: number;
  /** Network interface for Gloo (GLOO_SOCKET_IFNAME); default: loopback for a loopback master, else the host's address. */
  ifname?: string;
}

function envInt(env: NodeJS.ProcessEnv, key: string): number | undefined {
  const v = env[key];
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`initDistributed: ${key}=${v} is not a non-negative integer`);
  return n;
}

/** Reads torchrun's variables; a world of 1 when WORLD_SIZE is absent. */
export function distConfigFromEnv(env: NodeJS.ProcessEnv = process.env): DistConfig {
  const worldSize = envInt(env, 'WORLD_SIZE') ?? 1;
  const rank = envInt(env, 'RANK') ?? 0;
  if (worldSize > 1 && (env.MASTER_ADDR === undefined || env.MASTER_PORT === undefined)) {
    throw new Error(`initDistributed: WORLD_SIZE=${worldSize} needs MASTER_ADDR and MASTER_PORT`);
  }
  return {
    rank, worldSize,
    localRank: envInt(env, 'LOCAL_RANK') ?? rank,
    masterAddr: env.MASTER_ADDR ?? '127.0.0.1',
    masterPort: envInt(env, 'MASTER_PORT') ?? 29500,
    timeoutMs: envInt(env, 'ZOOCLIP_DIST_TIMEOUT_MS') ?? 60_000,
    ifname: env.GLOO_SOCKET_IFNAME || undefined,
  };
}

let config: DistConfig | null = null;

/**
 * Joins the process group described by the environment (or `overrides`). With a world of 1 it
 * creates nothing and every collective is a no-op. Returns the configuration in use.
 * @example const cfg = initDistributed(); if (distributed.isMain()) console.log(cfg.worldSize);
 */
export function initDistributed(overrides: Partial<DistConfig> = {}): DistConfig {
  if (config) throw new Error('initDistributed: already initialised; call destroyDistributed() first');
  const cfg = { ...distConfigFromEnv(), ...overrides };
  if (cfg.rank >= cfg.worldSize) throw new Error(`initDistributed: RANK=${cfg.rank} is outside WORLD_SIZE=${cfg.worldSize}`);
  if (cfg.worldSize > 1) native.distInit(cfg.rank, cfg.worldSize, cfg.masterAddr, cfg.masterPort, cfg.timeoutMs, cfg.ifname);
  config = cfg;
  return cfg;
}

/** Leaves the process group (closes Gloo's connections and the store). Safe to call twice. */
export function destroyDistributed(): void {
  if (config && config.worldSize > 1) native.distDestroy();
  config = null;
}

const multi = (): boolean => config !== null && config.worldSize > 1;

/** Collectives and the process's place in the job; all of them are no-ops in a world of 1. */
export const distributed = {
  /** This process's rank (0 before initDistributed). */
  rank: (): number => config?.rank ?? 0,
  /** Number of processes (1 before initDistributed). */
  worldSize: (): number => config?.worldSize ?? 1,
  /** The rank on this machine. */
  localRank: (): number => config?.localRank ?? 0,
  /** Rank 0: the one that logs and writes checkpoints. */
  isMain: (): boolean => (config?.rank ?? 0) === 0,

  /** Sums (or averages) a contiguous tensor over ranks, in place. */
  allReduce(t: Tensor, op: 'sum' | 'avg' = 'sum'): Tensor {
    if (multi()) native.distAllreduce(t.id, op === 'avg');
    return t;
  },

  /** Averages every parameter's .grad over ranks, one flat bucket per dtype (call after backward, before the step). */
  allReduceGrads(params: readonly Tensor[]): void {
    if (multi() && params.length) native.distAllreduceGrads(params.map((p) => p.id));
  },

  /** Copies rank `root`'s values into the given tensors on every rank, in place. */
  broadcast(tensors: readonly Tensor[], root = 0): void {
    if (multi() && tensors.length) native.distBroadcast(tensors.map((t) => t.id), root);
  },

  /** Makes every rank start from rank 0's parameters and buffers. */
  broadcastParameters(module: Module): void {
    distributed.broadcast([...module.parameters(), ...[...module.namedBuffers()].map(([, b]) => b)]);
  },

  /**
   * Concatenates every rank's rows, rank-major: [world * B, ...]. With autograd (open_clip's
   * gather_with_grad), backward sums the incoming gradient over ranks and keeps this rank's rows,
   * so every rank must run backward. In a world of 1 it returns `features` itself.
   */
  allGatherWithGrad(features: Tensor): Tensor {
    if (!multi()) return features;
    return new Tensor(native.distAllGather(features.id, true));
  },

  /** Like allGatherWithGrad, without a gradient path (a new tensor). */
  allGather(features: Tensor): Tensor {
    if (!multi()) return features;
    return new Tensor(native.distAllGather(features.id, false));
  },

  /** Waits until every rank reaches this point. */
  barrier(): void {
    if (multi()) native.distBarrier();
  },
};
