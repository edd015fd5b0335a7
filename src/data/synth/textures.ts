// Procedural textures: the ground (checkerboard or value noise) and the sky (gradient with soft
// noise bands). Pure functions of position/direction and the scene's texture seed.
import type { Ground, Sky } from './world.js';

/** A uint32-hash of an integer lattice point and a seed, mapped to [0, 1). */
function lattice(ix: number, iz: number, seed: number): number {
  let h = Math.imul(ix, 0x27d4eb2d) ^ Math.imul(iz, 0x165667b1) ^ seed;
  h = Math.imul(h ^ (h >>> 15), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return ((h ^ (h >>> 16)) >>> 0) / 4294967296;
}

/** Smooth value noise in [0, 1) at (x, z), one lattice cell per unit. */
export function valueNoise(x: number, z: number, seed: number): number {
  const ix = Math.floor(x), iz = Math.floor(z);
  const fx = x - ix, fz = z - iz;
  const sx = fx * fx * (3 - 2 * fx), sz = fz * fz * (3 - 2 * fz);
  const a = lattice(ix, iz, seed), b = lattice(ix + 1, iz, seed);
  const c = lattice(ix, iz + 1, seed), d = lattice(ix + 1, iz + 1, seed);
  return a + (b - a) * sx + (c - a) * sz + (a - b - c + d) * sx * sz;
}

/** Two octaves of value noise, in [0, 1). */
function fbm(x: number, z: number, seed: number): number {
  return 0.65 * valueNoise(x, z, seed) + 0.35 * valueNoise(x * 2.7 + 13.1, z * 2.7 - 7.3, seed ^ 0x5bd1e995);
}

/**
 * Writes the ground's albedo at world point (x, 0, z) into out[o..o+2].
 * @example const c = new Float64Array(3); groundAlbedo(scene.ground, 0.2, 1.5, c, 0);
 */
export function groundAlbedo(g: Ground, x: number, z: number, out: Float64Array, o: number): void {
  let w: number;
  if (g.texture === 'checker') {
    w = (Math.floor(x / g.scale) + Math.floor(z / g.scale)) & 1;
  } else {
    const n = fbm(x / g.scale, z / g.scale, g.seed);
    w = n < 0.45 ? 0 : n > 0.55 ? 1 : (n - 0.45) * 10;
  }
  out[o] = g.colourA[0] + (g.colourB[0] - g.colourA[0]) * w;
  out[o + 1] = g.colourA[1] + (g.colourB[1] - g.colourA[1]) * w;
  out[o + 2] = g.colourA[2] + (g.colourB[2] - g.colourA[2]) * w;
}

/** Writes the sky's colour seen along unit direction (dx, dy, dz) into out[o..o+2]. */
export function skyColour(s: Sky, dx: number, dy: number, dz: number, out: Float64Array, o: number): void {
  const up = Math.max(0, dy);
  const w = Math.sqrt(up);
  // Bands: noise over the direction's azimuth and elevation, like streaks of cloud.
  const az = Math.atan2(dz, dx);
  const band = s.bands > 0 ? s.bands * (fbm(az * 3, up * 9, s.seed) - 0.5) * (1 - up) : 0;
  for (let k = 0; k < 3; k++) {
    const c = s.horizon[k]! + (s.zenith[k]! - s.horizon[k]!) * w + band;
    out[o + k] = c < 0 ? 0 : c > 1 ? 1 : c;
  }
}
