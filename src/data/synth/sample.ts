// sampleScene: draws a random scene from a seeded generator. The camera comes first; objects are
// then dropped onto the ground where random image points' rays meet it (so they are in view), with
// rejection sampling against overlap, and a coarse ID render rejects layouts where any object is
// hidden or mostly occluded. The result depends only on the generator, never on the output size.
import { allocRays, cameraBasis, primaryRays, projectNdc, type CameraBasis } from './camera.js';
import { GROUND_PALETTES, SKY_PALETTES } from './palettes.js';
import { deriveRelations } from './relations.js';
import type { Rng } from './rng.js';
import { footprintRadius } from './shapes.js';
import { OBJECT_ID0, traceGround, traceObjects } from './trace.js';
import { COLOUR_NAMES, MATERIALS, SHAPES, SIZES, SIZE_NAMES, type Camera, type Scene, type SceneObject, type Shape } from './world.js';

/** What to draw: how many objects (uniform in [minObjects, maxObjects] unless `count` is given). */
export interface SampleOptions {
  minObjects?: number;
  maxObjects?: number;
  /** Exactly this many objects. */
  count?: number;
}

const VIS_SIZE = 48;
const MIN_VISIBLE_PX = 8;
const MIN_VISIBLE_SHARE = 0.3;
const GAP = 0.1;

function sampleCamera(rng: Rng): Camera {
  const yawDeg = rng.uniform(0, 360), pitchDeg = rng.uniform(18, 50), distance = rng.uniform(6, 9.5);
  const target: [number, number, number] = [rng.uniform(-0.5, 0.5), rng.uniform(0.2, 0.6), rng.uniform(-0.5, 0.5)];
  const y = (yawDeg * Math.PI) / 180, p = (pitchDeg * Math.PI) / 180;
  const f = [Math.cos(p) * Math.sin(y), -Math.sin(p), Math.cos(p) * Math.cos(y)];
  const position: [number, number, number] = [target[0] - distance * f[0]!, target[1] - distance * f[1]!, target[2] - distance * f[2]!];
  return { position, target, fovDeg: rng.uniform(40, 50), yawDeg, pitchDeg, distance };
}

/** Draws an object's identity and dimensions (position comes later). */
function sampleObject(rng: Rng, shape: Shape): SceneObject {
  const size = rng.pick(SIZE_NAMES);
  const r = SIZES[size] * rng.uniform(0.92, 1.08);
  const dims: Record<Shape, [number, number, number]> = {
    sphere: [r, r, 0], cube: [0.82 * r, 0.82 * r, 0], cylinder: [0.85 * r, 0.9 * r, 0],
    cone: [0.9 * r, r, 0], torus: [1.05 * r, 0.34 * r, 0.34 * r],
  };
  const [radius, halfHeight, tube] = dims[shape];
  return { shape, colour: rng.pick(COLOUR_NAMES), material: rng.pick(MATERIALS), size, position: [0, halfHeight, 0], yaw: rng.uniform(0, 2 * Math.PI), radius, halfHeight, tube };
}

/** Places `o` where a random image point's ray meets the ground, clear of `placed`; false after many tries. */
function place(rng: Rng, b: CameraBasis, o: SceneObject, placed: readonly SceneObject[]): boolean {
  const fp = footprintRadius(o);
  for (let attempt = 0; attempt < 60; attempt++) {
    const u = rng.uniform(-0.8, 0.8), v = rng.uniform(-0.8, 0.55);
    const dx = b.forward[0] + u * b.tanHalf * b.right[0] + v * b.tanHalf * b.up[0];
    const dy = b.forward[1] + v * b.tanHalf * b.up[1];
    const dz = b.forward[2] + u * b.tanHalf * b.right[2] + v * b.tanHalf * b.up[2];
    if (dy >= -1e-3) continue;
    const t = -b.origin[1] / dy;
    const x = b.origin[0] + t * dx, z = b.origin[2] + t * dz;
    if (Math.hypot(x, z) > 5 || Math.hypot(x - b.origin[0], z - b.origin[2]) < 2.5) continue;
    if (placed.some((p) => Math.hypot(p.position[0] - x, p.position[2] - z) < fp + footprintRadius(p) + GAP)) continue;
    const top = projectNdc(b, [x, 2 * o.halfHeight, z]);
    if (!top || Math.abs(top.v) > 0.95) continue;
    o.position = [x, o.halfHeight, z];
    return true;
  }
  return false;
}

/** True when every object shows at least MIN_VISIBLE_PX pixels and MIN_VISIBLE_SHARE of its own silhouette at VIS_SIZE. */
export function allVisible(objects: readonly SceneObject[], camera: Camera): boolean {
  const n = VIS_SIZE * VIS_SIZE, rays = allocRays(n);
  primaryRays(cameraBasis(camera), VIS_SIZE, VIS_SIZE, rays);
  const t = new Float64Array(n).fill(Infinity), id = new Uint8Array(n);
  traceGround(rays, t, id);
  traceObjects(objects, rays, t, id, 1e-6);
  const shown = new Int32Array(objects.length);
  for (let i = 0; i < n; i++) if (id[i]! >= OBJECT_ID0) shown[id[i]! - OBJECT_ID0]!++;
  return objects.every((o, k) => {
    const ta = new Float64Array(n).fill(Infinity), ia = new Uint8Array(n);
    traceObjects([o], rays, ta, ia, 1e-6);
    let alone = 0;
    for (let i = 0; i < n; i++) alone += ia[i] !== 0 ? 1 : 0;
    return shown[k]! >= MIN_VISIBLE_PX && shown[k]! >= MIN_VISIBLE_SHARE * alone;
  });
}

function sampleLook(rng: Rng): Pick<Scene, 'light' | 'ground' | 'sky'> {
  const az = rng.uniform(0, 2 * Math.PI), el = (rng.uniform(30, 65) * Math.PI) / 180;
  const [ga, gb] = rng.pick(GROUND_PALETTES), [sh, sz] = rng.pick(SKY_PALETTES);
  const jitter = rng.uniform(0.9, 1.1);
  const texture = rng.chance(0.5) ? 'checker' : 'noise';
  return {
    light: { direction: [Math.cos(el) * Math.sin(az), Math.sin(el), Math.cos(el) * Math.cos(az)], ambient: rng.uniform(0.25, 0.4) },
    ground: { texture, colourA: ga.map((c) => c * jitter) as [number, number, number], colourB: gb.map((c) => c * jitter) as [number, number, number],
      scale: texture === 'checker' ? rng.uniform(0.5, 1.4) : rng.uniform(0.8, 2.5), seed: rng.int(0, 0x7fffffff) },
    sky: { horizon: [...sh], zenith: [...sz], bands: rng.uniform(0, 0.25), seed: rng.int(0, 0x7fffffff) },
  };
}

/**
 * Draws a scene: 1-6 objects (by default) resting on the ground, all in view and none hidden.
 * @example const scene = sampleScene(makeRng(sampleSeed(0, 'zoo', 5, 'scene')), { count: 3 });
 */
export function sampleScene(rng: Rng, opts: SampleOptions = {}): Scene {
  const lo = opts.count ?? opts.minObjects ?? 1, hi = opts.count ?? opts.maxObjects ?? 6;
  if (!(lo >= 1 && hi >= lo && hi <= 12)) throw new Error(`sampleScene: bad object count range [${lo}, ${hi}]`);
  let count = rng.int(lo, hi);
  const look = sampleLook(rng);
  for (let attempt = 1; ; attempt++) {
    // A crowded layout that keeps failing gets one object fewer, so every kept object is visible.
    if (attempt % 20 === 0 && count > 1) count--;
    if (attempt > 2000) throw new Error('sampleScene: no valid layout after 2000 attempts');
    const camera = sampleCamera(rng);
    const b = cameraBasis(camera);
    const objects: SceneObject[] = [];
    for (let k = 0; k < count; k++) {
      const o = sampleObject(rng, rng.pick(SHAPES));
      if (!place(rng, b, o, objects)) break;
      objects.push(o);
    }
    if (objects.length < count || !allVisible(objects, camera)) continue;
    return { objects, camera, ...look, relations: deriveRelations(objects, camera) };
  }
}
