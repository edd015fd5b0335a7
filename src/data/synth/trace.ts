// Batched ray casting: one pass over all rays per object (and one for the ground plane), keeping
// the nearest hit per ray in flat typed arrays. A bounding-sphere test rejects most rays before the
// shape's own kernel runs. The same pass answers shadow queries in any-hit mode.
import type { Rays } from './camera.js';
import { HIT, boundingRadius } from './shapes.js';
import type { SceneObject } from './world.js';

/** Hit id of the ground plane; objects are OBJECT_ID0 + their index; 0 means nothing was hit. */
export const GROUND_ID = 1;
/** Hit id of the first object. */
export const OBJECT_ID0 = 2;

/**
 * For every ray i, records the nearest object hit with tMin < t < tHit[i] into tHit[i] and
 * hitId[i] = OBJECT_ID0 + object index. In any-hit mode rays already marked are skipped, so the
 * arrays only answer "is anything in the way".
 */
export function traceObjects(objects: readonly SceneObject[], rays: Rays, tHit: Float64Array, hitId: Uint8Array, tMin: number, anyHit = false): void {
  const { n, ox, oy, oz, dx, dy, dz } = rays;
  for (let k = 0; k < objects.length; k++) {
    const o = objects[k]!;
    const kernel = HIT[o.shape];
    const [cx, cy, cz] = o.position;
    const cs = Math.cos(o.yaw), sn = Math.sin(o.yaw);
    const rb = boundingRadius(o) * 1.0001, rb2 = rb * rb;
    const id = OBJECT_ID0 + k;
    for (let i = 0; i < n; i++) {
      if (anyHit && hitId[i] !== 0) continue;
      const px = ox[i]! - cx, py = oy[i]! - cy, pz = oz[i]! - cz;
      const ddx = dx[i]!, ddy = dy[i]!, ddz = dz[i]!;
      const b = px * ddx + py * ddy + pz * ddz;
      const disc = b * b - (px * px + py * py + pz * pz - rb2);
      if (disc < 0) continue;
      const s = Math.sqrt(disc);
      if (-b + s <= tMin || -b - s >= tHit[i]!) continue;
      const t = kernel(o, cs * px - sn * pz, py, sn * px + cs * pz, cs * ddx - sn * ddz, ddy, sn * ddx + cs * ddz, tMin);
      if (t < tHit[i]!) { tHit[i] = t; hitId[i] = id; }
    }
  }
}

/** Records hits with the ground plane y = 0 (seen from above) nearer than tHit[i]. */
export function traceGround(rays: Rays, tHit: Float64Array, hitId: Uint8Array): void {
  const { n, oy, dy } = rays;
  for (let i = 0; i < n; i++) {
    const d = dy[i]!;
    if (d >= -1e-9 || oy[i]! <= 0) continue;
    const t = -oy[i]! / d;
    if (t < tHit[i]!) { tHit[i] = t; hitId[i] = GROUND_ID; }
  }
}
