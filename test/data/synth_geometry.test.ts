// The synthetic world's renderer against analytic geometry: depth and normals of a sphere and a
// cube seen head-on, every object pixel lying on its shape's surface, axis-aligned cube normals,
// the ground plane, hard shadows, and left/right/front/behind relations.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { allocRays, cameraBasis, primaryRays } from '../../src/data/synth/camera.js';
import { deriveRelations } from '../../src/data/synth/relations.js';
import { renderScene, type Rendered } from '../../src/data/synth/render.js';
import { torusSdf } from '../../src/data/synth/torus.js';
import type { Camera, Scene, SceneObject, Shape } from '../../src/data/synth/world.js';

type V3 = [number, number, number];
const norm = (v: V3): V3 => { const l = Math.hypot(...v); return [v[0] / l, v[1] / l, v[2] / l]; };
const assertNear = (actual: ArrayLike<number>, expected: readonly number[], tol: number, what: string): void => {
  assert.ok(expected.every((e, k) => Math.abs(actual[k]! - e) <= tol), `${what}: [${Array.from(actual).join(', ')}] is not [${expected.join(', ')}] within ${tol}`);
};

function obj(shape: Shape, position: V3, radius: number, halfHeight = radius, yaw = 0, tube = 0): SceneObject {
  return { shape, colour: 'red', material: 'matte', size: 'large', position, yaw, radius, halfHeight, tube };
}

function scene(objects: SceneObject[], position: V3, target: V3, direction: V3 = norm([0.3, 1, 0.2]), fovDeg = 40): Scene {
  const camera: Camera = { position, target, fovDeg, yawDeg: 0, pitchDeg: 0, distance: Math.hypot(position[0] - target[0], position[1] - target[1], position[2] - target[2]) };
  return {
    objects, camera, light: { direction, ambient: 0.3 }, relations: deriveRelations(objects, camera),
    ground: { texture: 'checker', colourA: [0.5, 0.5, 0.5], colourB: [0.5, 0.5, 0.5], scale: 1, seed: 1 },
    sky: { horizon: [0.8, 0.8, 0.9], zenith: [0.3, 0.5, 0.9], bands: 0, seed: 1 },
  };
}

/** World point and world normal seen at pixel i, rebuilt from the depth and normal maps. */
function pixelGeometry(s: Scene, r: Rendered): (i: number) => { p: V3; n: V3; d: V3 } {
  const b = cameraBasis(s.camera), rays = allocRays(r.width * r.height);
  primaryRays(b, r.width, r.height, rays);
  return (i) => {
    const d: V3 = [rays.dx[i]!, rays.dy[i]!, rays.dz[i]!];
    const t = r.depth[i]! / (d[0] * b.forward[0] + d[1] * b.forward[1] + d[2] * b.forward[2]);
    const [nx, ny, nz] = [r.normals[3 * i]!, r.normals[3 * i + 1]!, r.normals[3 * i + 2]!];
    const n: V3 = [0, 1, 2].map((k) => nx * b.right[k]! + ny * b.up[k]! - nz * b.forward[k]!) as V3;
    return { p: [b.origin[0] + t * d[0], b.origin[1] + t * d[1], b.origin[2] + t * d[2]], n, d };
  };
}

/** The point in an object's local frame (centred, yaw undone). */
function local(o: SceneObject, p: V3): V3 {
  const c = Math.cos(o.yaw), s = Math.sin(o.yaw), x = p[0] - o.position[0], z = p[2] - o.position[2];
  return [c * x - s * z, p[1] - o.position[1], s * x + c * z];
}

/** How far a local point is from the shape's surface (0 on it). */
function surfaceResidual(o: SceneObject, [x, y, z]: V3): number {
  const q = Math.hypot(x, z), h = o.halfHeight, r = o.radius;
  switch (o.shape) {
    case 'sphere': return Math.abs(Math.hypot(x, y, z) - r);
    case 'cube': return Math.abs(Math.max(Math.abs(x), Math.abs(y), Math.abs(z)) - r);
    case 'cylinder': return Math.abs(Math.max(q - r, Math.abs(y) - h));
    case 'cone': {
      const side = y >= -h - 1e-4 && y <= h + 1e-4 ? Math.abs(q - (r / (2 * h)) * (h - y)) : Infinity;
      return Math.min(side, q <= r + 1e-4 ? Math.abs(y + h) : Infinity);
    }
    case 'torus': return Math.abs(torusSdf(x, y, z, r - o.tube, o.tube));
  }
}

test('a sphere straight ahead: centre depth = distance - radius, centre normal points at the camera', () => {
  const s = scene([obj('sphere', [0, 1, 0], 0.5)], [0, 1, -5], [0, 1, 0]);
  const r = renderScene(s, 65);
  const c = 32 * 65 + 32;
  assert.ok(Math.abs(r.depth[c]! - 4.5) < 1e-5, `depth ${r.depth[c]}`);
  assertNear(r.normals.slice(3 * c, 3 * c + 3), [0, 0, 1], 1e-5, 'centre normal');
  assert.equal(r.seg[c], 2);
  assert.equal(r.inst[c], 1);
  const geo = pixelGeometry(s, r);
  for (let i = 0; i < r.inst.length; i++) {
    if (r.inst[i] !== 1) continue;
    const { p, n, d } = geo(i);
    assert.ok(surfaceResidual(s.objects[0]!, local(s.objects[0]!, p)) < 1e-4);
    assert.ok(Math.abs(Math.hypot(...n) - 1) < 1e-5 && n[0] * d[0] + n[1] * d[1] + n[2] * d[2] < 0, 'unit normal facing the camera');
  }
});

test('a cube face seen head-on has depth distance - half edge and normal (0, 0, 1)', () => {
  const s = scene([obj('cube', [0, 0.5, 0], 0.5)], [0, 0.5, -5], [0, 0.5, 0]);
  const r = renderScene(s, 65);
  const c = 32 * 65 + 32;
  assert.ok(Math.abs(r.depth[c]! - 4.5) < 1e-5);
  assertNear(r.normals.slice(3 * c, 3 * c + 3), [0, 0, 1], 1e-6, 'face normal');
  assert.equal(r.seg[c], 3);
});

test('every object pixel lies on its surface; cube normals are the rotated axes; ground pixels lie on y = 0', () => {
  const objects = [obj('cube', [-1.4, 0.45, 0.3], 0.45, 0.45, 0.6), obj('cylinder', [0.2, 0.5, -0.8], 0.4, 0.5), obj('cone', [1.5, 0.55, 0.4], 0.5, 0.55),
    obj('torus', [0.3, 0.2, 1.4], 0.6, 0.2, 0, 0.2), obj('sphere', [-0.3, 0.35, 2.6], 0.35)];
  const s = scene(objects, [1.5, 4, -6], [0, 0.3, 0.5]);
  const r = renderScene(s, 160);
  const geo = pixelGeometry(s, r);
  const seen = new Set<number>();
  for (let i = 0; i < r.seg.length; i++) {
    if (r.seg[i] === 0) { assert.equal(r.depth[i], 0); assert.deepEqual([...r.normals.slice(3 * i, 3 * i + 3)], [0, 0, 0]); continue; }
    const { p, n } = geo(i);
    if (r.seg[i] === 1) {
      assert.ok(Math.abs(p[1]) < 1e-3 && Math.abs(n[1] - 1) < 1e-6, `ground pixel ${i}: y ${p[1]}, n ${n}`);
      continue;
    }
    const o = objects[r.inst[i]! - 1]!;
    seen.add(r.inst[i]!);
    const res = surfaceResidual(o, local(o, p));
    assert.ok(res < 2e-3, `${o.shape} pixel ${i}: ${res} off the surface`);
    if (o.shape === 'cube') {
      const ln = local({ ...o, position: [0, 0, 0] }, n);
      assert.ok(Math.max(...ln.map(Math.abs)) > 1 - 1e-5, `cube normal ${ln} not axis-aligned`);
    }
  }
  assert.equal(seen.size, objects.length, 'every object is visible');
});

test('hard shadows: ground points whose path to the light crosses the sphere are darker', () => {
  const L = norm([1, 1, 0]);
  const sph = obj('sphere', [0, 0.5, 0], 0.5);
  const s = scene([sph], [0, 4, -6], [-0.5, 0, 0], L, 50);
  const r = renderScene(s, 96);
  const geo = pixelGeometry(s, r);
  const lit = Math.round(0.5 * (0.3 + 0.7 * L[1]) * 255), dark = Math.round(0.5 * 0.3 * 255);
  let shadowed = 0;
  for (let i = 0; i < r.seg.length; i++) {
    if (r.seg[i] !== 1 || r.depth[i]! > 12) continue; // far ground fades into fog
    const { p } = geo(i);
    // Distance from the sphere's centre to the ray p + s L (s > 0), minus the radius.
    const c: V3 = [sph.position[0] - p[0], sph.position[1] - p[1], sph.position[2] - p[2]];
    const along = c[0] * L[0] + c[1] * L[1] + c[2] * L[2];
    const margin = along > 0 ? Math.hypot(c[0] - along * L[0], c[1] - along * L[1], c[2] - along * L[2]) - 0.5 : Infinity;
    if (Math.abs(margin) < 0.03) continue;
    assert.equal(r.rgb[3 * i], margin < 0 ? dark : lit, `ground pixel ${i} (margin ${margin.toFixed(3)})`);
    if (margin < 0) shadowed++;
  }
  assert.ok(shadowed > 50, `only ${shadowed} shadowed pixels in view`);
});

test('relations follow the camera view: left/right by image position, in front/behind by depth', () => {
  // Looking along +z, the camera's right is world -x.
  const a = obj('sphere', [1.5, 0.4, 0], 0.4), b = obj('cube', [-1.5, 0.4, 0], 0.4), c = obj('cone', [0, 0.4, -2], 0.4);
  const s = scene([a, b, c], [0, 3, -8], [0, 0, 0]);
  const rel = (i: number, j: number): string[] => s.relations.filter((x) => x.subject === i && x.object === j).map((x) => x.relation).sort();
  assert.deepEqual(rel(0, 1), ['left of']);
  assert.deepEqual(rel(0, 2), ['behind', 'left of']);
  assert.deepEqual(rel(1, 2), ['behind', 'right of']);
  const r = renderScene(s, 64);
  const [ba, bb] = r.boxes;
  assert.ok(ba!.box[2] <= 32 && bb!.box[0] >= 32, 'the left object is drawn in the left half');
});
