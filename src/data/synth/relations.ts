// Spatial relations between objects as the camera sees them: left/right from the horizontal image
// position of their centres, in front/behind from their depth. Pairs too close to call get no
// relation, so every stated relation is unambiguous to a viewer.
import { cameraBasis, toCamera } from './camera.js';
import type { Camera, Relation, SceneObject } from './world.js';

/** Minimum gap in normalised image x (1 = half the image width) for left/right. */
export const LEFT_RIGHT_MARGIN = 0.1;
/** Minimum depth gap in metres for in front of/behind. */
export const FRONT_BEHIND_MARGIN = 0.6;

/** Inverts a relation: "A left of B" is "B right of A". */
export function inverse(r: Relation['relation']): Relation['relation'] {
  return r === 'left of' ? 'right of' : r === 'right of' ? 'left of' : r === 'in front of' ? 'behind' : 'in front of';
}

/** Camera-view position of each object's centre: x in normalised image units, depth in metres. */
export function viewPositions(objects: readonly SceneObject[], camera: Camera): { x: number; depth: number }[] {
  const b = cameraBasis(camera);
  return objects.map((o) => {
    const c = toCamera(b, o.position);
    return { x: c.x / (c.depth * b.tanHalf), depth: c.depth };
  });
}

/**
 * Relations for every unordered pair i < j whose order is clear, with object i as the subject.
 * @example deriveRelations(scene.objects, scene.camera) // [{ subject: 0, relation: 'left of', object: 1 }, ...]
 */
export function deriveRelations(objects: readonly SceneObject[], camera: Camera): Relation[] {
  const v = viewPositions(objects, camera);
  const out: Relation[] = [];
  for (let i = 0; i < objects.length; i++) {
    for (let j = i + 1; j < objects.length; j++) {
      const dx = v[i]!.x - v[j]!.x, dd = v[i]!.depth - v[j]!.depth;
      if (Math.abs(dx) >= LEFT_RIGHT_MARGIN) out.push({ subject: i, relation: dx < 0 ? 'left of' : 'right of', object: j });
      if (Math.abs(dd) >= FRONT_BEHIND_MARGIN) out.push({ subject: i, relation: dd < 0 ? 'in front of' : 'behind', object: j });
    }
  }
  return out;
}

/** Object indices sorted from left to right in the image. */
export function leftToRight(objects: readonly SceneObject[], camera: Camera): number[] {
  const v = viewPositions(objects, camera);
  return objects.map((_, i) => i).sort((a, b) => v[a]!.x - v[b]!.x || a - b);
}
