// A torus lying flat (axis = local y), found by sphere tracing its signed distance. Marching starts
// where the ray enters the torus's bounding slab |y| <= tube inside its bounding sphere, so only a
// short stretch is walked; a final secant step refines the hit.
import type { SceneObject } from './world.js';

const MAX_STEPS = 96;

/** Signed distance from local point (x, y, z) to a flat torus with major radius R and tube radius r. */
export function torusSdf(x: number, y: number, z: number, major: number, tube: number): number {
  const q = Math.sqrt(x * x + z * z) - major;
  return Math.sqrt(q * q + y * y) - tube;
}

/** Nearest hit t > tMin of a local-frame ray with the torus `o`, or Infinity. */
export function torusHit(o: SceneObject, ox: number, oy: number, oz: number, dx: number, dy: number, dz: number, tMin: number): number {
  const tube = o.tube, major = o.radius - o.tube, outer = o.radius;
  const b = ox * dx + oy * dy + oz * dz;
  const disc = b * b - (ox * ox + oy * oy + oz * oz - outer * outer);
  if (disc < 0) return Infinity;
  const s = Math.sqrt(disc);
  let t = Math.max(tMin, -b - s), tEnd = -b + s;
  if (Math.abs(dy) > 1e-12) {
    const a = (-tube - oy) / dy, c = (tube - oy) / dy;
    t = Math.max(t, Math.min(a, c));
    tEnd = Math.min(tEnd, Math.max(a, c));
  } else if (Math.abs(oy) > tube) return Infinity;
  if (t >= tEnd) return Infinity;
  const eps = 1e-5 * outer;
  let prevT = t, prevD = torusSdf(ox + t * dx, oy + t * dy, oz + t * dz, major, tube);
  // A ray starting inside the tube (a shadow ray leaving the surface) walks out first.
  if (prevD < 0) {
    while (prevD < 0 && t < tEnd) { t += Math.max(-prevD, eps * 4); prevD = torusSdf(ox + t * dx, oy + t * dy, oz + t * dz, major, tube); }
    prevT = t;
  }
  for (let i = 0; i < MAX_STEPS && t <= tEnd; i++) {
    const d = torusSdf(ox + t * dx, oy + t * dy, oz + t * dz, major, tube);
    if (d < eps) {
      // Secant between the last positive sample and this one.
      return d < 0 && prevD > 0 ? prevT + ((t - prevT) * prevD) / (prevD - d) : t;
    }
    prevT = t; prevD = d;
    t += Math.max(d, eps);
  }
  return Infinity;
}

/** Writes the torus's unit outward normal at local point (x, y, z) into out[0..2]. */
export function torusNormal(o: SceneObject, x: number, y: number, z: number, out: Float64Array): void {
  const major = o.radius - o.tube;
  const q = Math.sqrt(x * x + z * z) || 1e-12;
  const k = 1 - major / q;
  const nx = x * k, nz = z * k;
  const l = Math.hypot(nx, y, nz) || 1;
  out[0] = nx / l; out[1] = y / l; out[2] = nz / l;
}
