// Ray-shape intersection and surface normals in each object's local frame (centred on the object,
// y up, rotated by its yaw). Sphere, cube, cylinder and cone are solved analytically; the torus
// (torus.ts) is sphere-traced. All kernels return the nearest t > tMin, or Infinity for a miss.
import type { SceneObject, Shape } from './world.js';
import { torusHit, torusNormal } from './torus.js';

/** A hit kernel: ray origin (ox, oy, oz) and unit direction (dx, dy, dz) in the object's frame. */
export type HitKernel = (o: SceneObject, ox: number, oy: number, oz: number, dx: number, dy: number, dz: number, tMin: number) => number;

function sphereHit(o: SceneObject, ox: number, oy: number, oz: number, dx: number, dy: number, dz: number, tMin: number): number {
  const b = ox * dx + oy * dy + oz * dz;
  const disc = b * b - (ox * ox + oy * oy + oz * oz - o.radius * o.radius);
  if (disc < 0) return Infinity;
  const s = Math.sqrt(disc);
  if (-b - s > tMin) return -b - s;
  return -b + s > tMin ? -b + s : Infinity;
}

function cubeHit(o: SceneObject, ox: number, oy: number, oz: number, dx: number, dy: number, dz: number, tMin: number): number {
  const s = o.radius;
  // Slabs, unrolled per axis (no closures: this runs once per pixel).
  let t0 = -Infinity, t1 = Infinity, a: number, b: number;
  if (Math.abs(dx) < 1e-12) { if (Math.abs(ox) > s) return Infinity; } else {
    a = (-s - ox) / dx; b = (s - ox) / dx;
    t0 = Math.max(t0, Math.min(a, b)); t1 = Math.min(t1, Math.max(a, b));
  }
  if (Math.abs(dy) < 1e-12) { if (Math.abs(oy) > s) return Infinity; } else {
    a = (-s - oy) / dy; b = (s - oy) / dy;
    t0 = Math.max(t0, Math.min(a, b)); t1 = Math.min(t1, Math.max(a, b));
  }
  if (Math.abs(dz) < 1e-12) { if (Math.abs(oz) > s) return Infinity; } else {
    a = (-s - oz) / dz; b = (s - oz) / dz;
    t0 = Math.max(t0, Math.min(a, b)); t1 = Math.min(t1, Math.max(a, b));
  }
  if (t0 > t1) return Infinity;
  if (t0 > tMin) return t0;
  return t1 > tMin ? t1 : Infinity;
}

/** Nearest root of a t^2 + 2 b t + c = 0 above tMin whose y = oy + t dy lies in [yLo, yHi]. */
function sideRoot(a: number, b: number, c: number, oy: number, dy: number, yLo: number, yHi: number, tMin: number): number {
  let r0: number, r1: number;
  if (Math.abs(a) < 1e-12) {
    if (Math.abs(b) < 1e-12) return Infinity;
    r0 = r1 = -c / (2 * b);
  } else {
    const disc = b * b - a * c;
    if (disc < 0) return Infinity;
    const s = Math.sqrt(disc);
    r0 = (-b - s) / a; r1 = (-b + s) / a;
    if (r0 > r1) { const t = r0; r0 = r1; r1 = t; }
  }
  let y = oy + r0 * dy;
  if (r0 > tMin && y >= yLo && y <= yHi) return r0;
  y = oy + r1 * dy;
  return r1 > tMin && y >= yLo && y <= yHi ? r1 : Infinity;
}

/** The hit of a horizontal disc of radius r at height y, or Infinity. */
function capHit(y: number, r: number, ox: number, oy: number, oz: number, dx: number, dy: number, dz: number, tMin: number): number {
  if (Math.abs(dy) < 1e-12) return Infinity;
  const t = (y - oy) / dy;
  if (t <= tMin) return Infinity;
  const x = ox + t * dx, z = oz + t * dz;
  return x * x + z * z <= r * r ? t : Infinity;
}

function cylinderHit(o: SceneObject, ox: number, oy: number, oz: number, dx: number, dy: number, dz: number, tMin: number): number {
  const r = o.radius, h = o.halfHeight;
  const side = sideRoot(dx * dx + dz * dz, ox * dx + oz * dz, ox * ox + oz * oz - r * r, oy, dy, -h, h, tMin);
  return Math.min(side, capHit(h, r, ox, oy, oz, dx, dy, dz, tMin), capHit(-h, r, ox, oy, oz, dx, dy, dz, tMin));
}

function coneHit(o: SceneObject, ox: number, oy: number, oz: number, dx: number, dy: number, dz: number, tMin: number): number {
  const r = o.radius, h = o.halfHeight, k2 = (r / (2 * h)) ** 2, w = h - oy;
  const side = sideRoot(dx * dx + dz * dz - k2 * dy * dy, ox * dx + oz * dz + k2 * w * dy, ox * ox + oz * oz - k2 * w * w, oy, dy, -h, h, tMin);
  return Math.min(side, capHit(-h, r, ox, oy, oz, dx, dy, dz, tMin));
}

/** The hit kernel of each shape type. */
export const HIT: Record<Shape, HitKernel> = { sphere: sphereHit, cube: cubeHit, cylinder: cylinderHit, cone: coneHit, torus: torusHit };

/** Radius of a sphere about the object's centre that encloses it. */
export function boundingRadius(o: SceneObject): number {
  switch (o.shape) {
    case 'sphere': return o.radius;
    case 'cube': return o.radius * Math.sqrt(3);
    case 'torus': return o.radius;
    default: return Math.hypot(o.radius, o.halfHeight);
  }
}

/** Radius of the object's footprint on the ground, for non-overlap checks. */
export function footprintRadius(o: Pick<SceneObject, 'shape' | 'radius'>): number {
  return o.shape === 'cube' ? o.radius * Math.SQRT2 : o.radius;
}

/**
 * Writes the unit outward normal at local point (x, y, z) of the surface into out[0..2].
 * @example const n = new Float64Array(3); localNormal(cube, 0, 0, cube.radius, n); // n = [0, 0, 1]
 */
export function localNormal(o: SceneObject, x: number, y: number, z: number, out: Float64Array): void {
  let nx = 0, ny = 0, nz = 0;
  const h = o.halfHeight, r = o.radius, eps = 1e-6 * Math.max(1, r);
  switch (o.shape) {
    case 'sphere': nx = x; ny = y; nz = z; break;
    case 'cube': {
      const ax = Math.abs(x), ay = Math.abs(y), az = Math.abs(z);
      if (ax >= ay && ax >= az) nx = Math.sign(x); else if (ay >= az) ny = Math.sign(y); else nz = Math.sign(z);
      break;
    }
    case 'cylinder':
      if (y >= h - eps) ny = 1; else if (y <= -h + eps) ny = -1; else { nx = x; nz = z; }
      break;
    case 'cone':
      if (y <= -h + eps) ny = -1; else { nx = x; nz = z; ny = Math.hypot(x, z) * (r / (2 * h)); }
      break;
    case 'torus': torusNormal(o, x, y, z, out); return;
  }
  const l = Math.hypot(nx, ny, nz) || 1;
  out[0] = nx / l; out[1] = ny / l; out[2] = nz / l;
}
