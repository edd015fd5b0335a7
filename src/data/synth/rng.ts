// Seeded randomness for the synthetic world. Every sample draws from its own generator, keyed by
// (seed, split, index, stream), so samples can be made in any order, by any worker, and still come
// out identical; Math.random and the clock are never consulted.

/** A uniform random source in [0, 1) plus the helpers the sampler needs. */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform in [lo, hi). */
  uniform(lo: number, hi: number): number;
  /** Uniform integer in [lo, hi] (both ends included). */
  int(lo: number, hi: number): number;
  /** True with probability p. */
  chance(p: number): boolean;
  /** One element of a non-empty list. */
  pick<T>(items: readonly T[]): T;
  /** A shuffled copy of a list (Fisher-Yates). */
  shuffle<T>(items: readonly T[]): T[];
}

/** Murmur3's 32-bit finaliser: a cheap, well-mixing bijection on uint32. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A uint32 hash of a string (FNV-1a, then mixed). */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return fmix32(h >>> 0);
}

/**
 * The seed of one sample's stream: a hash of the run seed, the split name, the sample index and a
 * stream name ('scene', 'caption', ...), so changing how captions are drawn never moves the images.
 * @example sampleSeed(0, 'zoo', 17, 'scene') // the same uint32 on every machine and run
 */
export function sampleSeed(seed: number, split: string, index: number, stream: string): number {
  let h = fmix32((seed >>> 0) ^ 0x9e3779b9);
  h = fmix32(h ^ hashString(split));
  h = fmix32(h ^ (index >>> 0) ^ Math.imul(Math.floor(index / 4294967296), 0x27d4eb2f));
  return fmix32(h ^ hashString(stream));
}

/**
 * sfc32, a small fast generator with a 128-bit state, seeded from one uint32 through splitmix-style
 * mixing and warmed up so nearby seeds diverge at once.
 * @example const r = makeRng(sampleSeed(0, 'zoo', 0, 'scene')); r.uniform(-1, 1);
 */
export function makeRng(seed: number): Rng {
  let a = fmix32(seed ^ 0x243f6a88), b = fmix32(seed ^ 0x85a308d3), c = fmix32(seed ^ 0x13198a2e), d = fmix32(seed ^ 0x03707344);
  const next = (): number => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  for (let i = 0; i < 12; i++) next();
  const rng: Rng = {
    next,
    uniform: (lo, hi) => lo + (hi - lo) * next(),
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
    chance: (p) => next() < p,
    pick: (items) => {
      if (items.length === 0) throw new Error('rng.pick: empty list');
      return items[Math.floor(next() * items.length)]!;
    },
    shuffle: (items) => {
      const out = items.slice();
      for (let i = out.length - 1; i > 0; i--) {
        const j = Math.floor(next() * (i + 1));
        [out[i], out[j]] = [out[j]!, out[i]!];
      }
      return out;
    },
  };
  return rng;
}
