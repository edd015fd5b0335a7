// Options of `npm run bench -- serve`, checked before anything is built or timed.

/** The engines the serve bench times (JSON key parts); ort_fp32 is every ratio's baseline. */
export const SERVE_ENGINES = ['libtorch', 'ort_fp32', 'ort_int8', 'web_wasm'] as const;
export type ServeEngine = (typeof SERVE_ENGINES)[number];

/** The towers of the full bench and of `--quick` (tiny ViT and MCi towers, for a smoke run). */
export const FULL_TOWERS = ['ViT-B-16', 'MobileCLIP-S0'];
export const QUICK_TOWERS = ['zooclip-tiny-test', 'zooclip-mci-tiny'];

/** What `bench serve` runs. */
export interface ServeBenchOptions {
  /** Model config names (src/models/model_configs); random init, nothing downloaded. */
  towers: string[];
  batches: number[];
  /** Threads of every engine: libtorch set_num_threads, ORT intraOpNumThreads, ORT-web numThreads. */
  threads: number;
  warmup: number;
  iters: number;
  engines: ServeEngine[];
  /** Where the exported graphs are kept between runs. */
  cache: string;
  seed: number;
}

const FLAGS = ['--towers', '--batches', '--threads', '--warmup', '--iters', '--engines', '--cache', '--seed', '--quick'];

function positiveInt(flag: string, v: string, min = 1): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new Error(`bench serve: ${flag} ${v}: expected an integer >= ${min}`);
  return n;
}

function valueOf(args: readonly string[], flag: string): string | undefined {
  const i = args.indexOf(flag);
  if (i < 0) return undefined;
  const v = args[i + 1];
  if (v === undefined || v.startsWith('--')) throw new Error(`bench serve: ${flag} needs a value`);
  return v;
}

function parseEngines(v: string): ServeEngine[] {
  const names = v.split(',').filter(Boolean);
  for (const n of names) if (!(SERVE_ENGINES as readonly string[]).includes(n)) throw new Error(`bench serve: --engines: unknown engine '${n}' (known: ${SERVE_ENGINES.join(', ')})`);
  if (!names.includes('ort_fp32')) throw new Error('bench serve: --engines must include ort_fp32 (onnxruntime-node fp32 is the baseline of every ratio)');
  return SERVE_ENGINES.filter((e) => names.includes(e));
}

/**
 * Parses the bench's arguments; `--quick` picks the tiny towers and 3 timed calls (either can still be set).
 * Defaults: ViT-B-16 and MobileCLIP-S0, batches 1 and 8, 2 threads, 1 warm-up, 5 timed calls, every engine.
 * @example parseServeOptions(['--quick', '--threads', '1']) // { towers: ['zooclip-tiny-test', 'zooclip-mci-tiny'], iters: 3, threads: 1, ... }
 */
export function parseServeOptions(args: readonly string[]): ServeBenchOptions {
  args.forEach((a, i) => {
    if (a.startsWith('--') && !FLAGS.includes(a)) throw new Error(`bench serve: unknown option ${a} (known: ${FLAGS.join(', ')})`);
    if (!a.startsWith('--') && (i === 0 || args[i - 1] === '--quick' || !args[i - 1]!.startsWith('--'))) throw new Error(`bench serve: unexpected argument '${a}'`);
  });
  const quick = args.includes('--quick'), get = (f: string) => valueOf(args, f);
  const towers = (get('--towers') ?? (quick ? QUICK_TOWERS : FULL_TOWERS).join(',')).split(',').filter(Boolean);
  if (!towers.length) throw new Error('bench serve: --towers is empty');
  const batches = (get('--batches') ?? '1,8').split(',').map((b) => positiveInt('--batches', b));
  return {
    towers, batches: [...new Set(batches)],
    threads: positiveInt('--threads', get('--threads') ?? '2'),
    warmup: positiveInt('--warmup', get('--warmup') ?? '1', 0),
    iters: positiveInt('--iters', get('--iters') ?? (quick ? '3' : '5')),
    engines: parseEngines(get('--engines') ?? SERVE_ENGINES.join(',')),
    cache: get('--cache') ?? 'runs/bench-serve',
    seed: positiveInt('--seed', get('--seed') ?? '0', 0),
  };
}
