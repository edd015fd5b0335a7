// Pinhole camera geometry: the camera's basis, primary rays for every pixel, and projection of
// world points. Camera frame: +x right, +y up, +z towards the viewer (the view axis is -z), so a
// surface facing the camera has a normal with positive z. Depth is measured along the view axis.
import type { Camera } from './world.js';

/** Orthonormal camera basis in world coordinates. */
export interface CameraBasis {
  origin: [number, number, number];
  /** Unit view direction (camera -z). */
  forward: [number, number, number];
  right: [number, number, number];
  up: [number, number, number];
  /** tan(fov / 2). */
  tanHalf: number;
}

/** The camera's basis; the world's +y is kept up (the camera never looks straight down). */
export function cameraBasis(cam: Camera): CameraBasis {
  const [px, py, pz] = cam.position;
  let fx = cam.target[0] - px, fy = cam.target[1] - py, fz = cam.target[2] - pz;
  const fl = Math.hypot(fx, fy, fz);
  fx /= fl; fy /= fl; fz /= fl;
  // right = forward x worldUp(0,1,0)
  let rx = -fz, rz = fx;
  const rl = Math.hypot(rx, rz);
  rx /= rl; rz /= rl;
  // up = right x forward
  const ux = -rz * fy, uy = rz * fx - rx * fz, uz = rx * fy;
  return { origin: [px, py, pz], forward: [fx, fy, fz], right: [rx, 0, rz], up: [ux, uy, uz], tanHalf: Math.tan((cam.fovDeg * Math.PI) / 360) };
}

/** Rays stored as structure-of-arrays, one entry per ray. */
export interface Rays {
  n: number;
  ox: Float64Array; oy: Float64Array; oz: Float64Array;
  dx: Float64Array; dy: Float64Array; dz: Float64Array;
}

/** Allocates storage for n rays. */
export function allocRays(n: number): Rays {
  const f = (): Float64Array => new Float64Array(n);
  return { n, ox: f(), oy: f(), oz: f(), dx: f(), dy: f(), dz: f() };
}

/** Fills `rays` with one unit-direction ray through the centre of every pixel, row-major from the top left. */
export function primaryRays(b: CameraBasis, width: number, height: number, rays: Rays): void {
  const aspect = width / height;
  const [f0, f1, f2] = b.forward, [r0, , r2] = b.right, [u0, u1, u2] = b.up;
  for (let y = 0, i = 0; y < height; y++) {
    const sy = (1 - ((y + 0.5) / height) * 2) * b.tanHalf;
    for (let x = 0; x < width; x++, i++) {
      const sx = (((x + 0.5) / width) * 2 - 1) * b.tanHalf * aspect;
      const dx = f0 + sx * r0 + sy * u0, dy = f1 + sy * u1, dz = f2 + sx * r2 + sy * u2;
      const inv = 1 / Math.sqrt(dx * dx + dy * dy + dz * dz);
      rays.dx[i] = dx * inv; rays.dy[i] = dy * inv; rays.dz[i] = dz * inv;
    }
  }
  rays.ox.fill(b.origin[0]); rays.oy.fill(b.origin[1]); rays.oz.fill(b.origin[2]);
}

/** A world point in camera coordinates: x right, y up, and depth along the view axis (positive ahead). */
export function toCamera(b: CameraBasis, p: readonly number[]): { x: number; y: number; depth: number } {
  const vx = p[0]! - b.origin[0], vy = p[1]! - b.origin[1], vz = p[2]! - b.origin[2];
  return {
    x: vx * b.right[0] + vz * b.right[2],
    y: vx * b.up[0] + vy * b.up[1] + vz * b.up[2],
    depth: vx * b.forward[0] + vy * b.forward[1] + vz * b.forward[2],
  };
}

/** Normalised image coordinates of a world point: u, v in [-1, 1] inside the frame (v up); undefined behind the camera. */
export function projectNdc(b: CameraBasis, p: readonly number[], aspect = 1): { u: number; v: number } | undefined {
  const c = toCamera(b, p);
  if (c.depth <= 1e-6) return undefined;
  return { u: c.x / (c.depth * b.tanHalf * aspect), v: c.y / (c.depth * b.tanHalf) };
}
