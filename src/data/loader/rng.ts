// Seeded random numbers for augmentation and shuffling. Every sample gets its own generator seeded
// from (seed, epoch, index), so its augmentation does not depend on which worker ran it or when.

/** Mixes 32-bit words into one well-spread 32-bit seed (a murmur3-style finaliser per word). */
export function mixSeed(...words: number[]): number {
  let h = 0x9e3779b9;
  for (const w of words) {
    let k = Math.imul((w >>> 0) ^ Math.floor(w / 0x100000000), 0xcc9e2d51);
    k = Math.imul((k << 15) | (k >>> 17), 0x1b873593);
    h ^= k;
    h = Math.imul((h << 13) | (h >>> 19), 5) + 0xe6546b64;
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * A 32-bit FNV-1a hash of a key's UTF-8 bytes: the one hash that turns a sample key into seed
 * words. UTF-8 rather than JS's UTF-16 code units, so a non-ASCII key hashes the same in any
 * language that reads the key as bytes (Python's `key.encode()`, a shard's tar member name).
 * @example keyHash('zoo-0000042'); // the same 32-bit number in every process and batch layout
 */
export function keyHash(key: string): number {
  let h = 0x811c9dc5;
  for (const b of Buffer.from(key, 'utf8')) h = Math.imul(h ^ b, 0x01000193);
  return h >>> 0;
}

/**
 * A small fast generator (sfc32) with a 128-bit state, seeded from any list of integers.
 * @example const r = new Rng(seed, epoch, index); r.uniform(0.08, 1); r.int(10)
 */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(...seed: number[]) {
    this.a = mixSeed(...seed, 1);
    this.b = mixSeed(...seed, 2);
    this.c = mixSeed(...seed, 3);
    this.d = 1;
    for (let i = 0; i < 12; i++) this.nextU32();
  }

  /** A uniform 32-bit unsigned integer. */
  nextU32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** A uniform float in [0, 1). */
  next(): number {
    return this.nextU32() / 0x100000000;
  }

  /** A uniform float in [lo, hi). */
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  /** A uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.next() < p;
  }
}

/**
 * Python's round(): halves go to the even neighbour (torchvision's sampled sizes and magnitude tables use it).
 * @example roundHalfEven(2.5) // 2; roundHalfEven(3.5) // 4
 */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}
