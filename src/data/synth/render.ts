// renderScene: ray casts a scene into RGB, metric depth, camera-frame normals, semantic and
// instance masks and tight boxes. Pure: the same scene and size give the same bytes. Work buffers
// are reused between calls of the same size; the returned arrays are always fresh.
import { allocRays, cameraBasis, primaryRays, type CameraBasis, type Rays } from './camera.js';
import { boxesFromInstances, type Box } from './labels.js';
import { shade } from './shade.js';
import { localNormal } from './shapes.js';
import { GROUND_ID, OBJECT_ID0, traceGround, traceObjects } from './trace.js';
import { MAX_DEPTH, shapeClass, type Scene } from './world.js';

/** Everything one render produces; images are row-major, top row first. */
export interface Rendered {
  width: number;
  height: number;
  /** RGB, 3 bytes per pixel. */
  rgb: Uint8Array;
  /** Metric depth along the view axis; 0 where nothing was hit within MAX_DEPTH (sky). */
  depth: Float32Array;
  /** Unit surface normals in the camera frame (x right, y up, z to the viewer), 3 per pixel; 0 on sky. */
  normals: Float32Array;
  /** Class ids (world.ts SEG_CLASSES): 0 sky, 1 ground, 2.. shape types. */
  seg: Uint8Array;
  /** Instance ids: 0 none, k + 1 for scene.objects[k]. */
  inst: Uint8Array;
  /** Tight boxes of the visible objects, in instance order. */
  boxes: Box[];
}

/** Per-size work buffers: primary rays, hits, hit points and world normals. */
export interface Scratch {
  rays: Rays; t: Float64Array; id: Uint8Array;
  px: Float64Array; py: Float64Array; pz: Float64Array;
  nx: Float64Array; ny: Float64Array; nz: Float64Array;
  shadow: Rays; st: Float64Array; sid: Uint8Array; lit: Uint8Array; idx: Int32Array;
}

const scratchBySize = new Map<number, Scratch>();

function scratchFor(n: number): Scratch {
  let s = scratchBySize.get(n);
  if (!s) {
    const f = (): Float64Array => new Float64Array(n);
    s = { rays: allocRays(n), t: f(), id: new Uint8Array(n), px: f(), py: f(), pz: f(), nx: f(), ny: f(), nz: f(),
      shadow: allocRays(n), st: f(), sid: new Uint8Array(n), lit: new Uint8Array(n), idx: new Int32Array(n) };
    scratchBySize.set(n, s);
  }
  return s;
}

/** Finds the nearest hit per pixel, then each hit's point and world normal. */
function castPrimary(scene: Scene, b: CameraBasis, width: number, height: number, s: Scratch): void {
  primaryRays(b, width, height, s.rays);
  s.t.fill(Infinity);
  s.id.fill(0);
  traceGround(s.rays, s.t, s.id);
  traceObjects(scene.objects, s.rays, s.t, s.id, 1e-6);
  const { ox, oy, oz, dx, dy, dz } = s.rays;
  const [f0, f1, f2] = b.forward;
  const ln = new Float64Array(3);
  for (let i = 0; i < s.rays.n; i++) {
    const id = s.id[i]!;
    if (id === 0) continue;
    const t = s.t[i]!;
    if (t * (dx[i]! * f0 + dy[i]! * f1 + dz[i]! * f2) > MAX_DEPTH) { s.id[i] = 0; continue; }
    const x = ox[i]! + t * dx[i]!, y = oy[i]! + t * dy[i]!, z = oz[i]! + t * dz[i]!;
    s.px[i] = x; s.py[i] = y; s.pz[i] = z;
    if (id === GROUND_ID) { s.nx[i] = 0; s.ny[i] = 1; s.nz[i] = 0; continue; }
    const o = scene.objects[id - OBJECT_ID0]!;
    const cs = Math.cos(o.yaw), sn = Math.sin(o.yaw);
    const lx = x - o.position[0], lz = z - o.position[2];
    localNormal(o, cs * lx - sn * lz, y - o.position[1], sn * lx + cs * lz, ln);
    s.nx[i] = cs * ln[0]! + sn * ln[2]!; s.ny[i] = ln[1]!; s.nz[i] = -sn * ln[0]! + cs * ln[2]!;
  }
}

/** Writes depth, camera-frame normals, class and instance ids from the primary hits. */
function geometryMaps(scene: Scene, b: CameraBasis, s: Scratch, out: Rendered): void {
  const { dx, dy, dz } = s.rays;
  const [f0, f1, f2] = b.forward, [r0, , r2] = b.right, [u0, u1, u2] = b.up;
  const classes = scene.objects.map((o) => shapeClass(o.shape));
  for (let i = 0; i < s.rays.n; i++) {
    const id = s.id[i]!;
    if (id === 0) continue;
    out.depth[i] = s.t[i]! * (dx[i]! * f0 + dy[i]! * f1 + dz[i]! * f2);
    const nx = s.nx[i]!, ny = s.ny[i]!, nz = s.nz[i]!;
    out.normals[3 * i] = nx * r0 + nz * r2;
    out.normals[3 * i + 1] = nx * u0 + ny * u1 + nz * u2;
    out.normals[3 * i + 2] = -(nx * f0 + ny * f1 + nz * f2);
    if (id === GROUND_ID) out.seg[i] = 1;
    else { out.seg[i] = classes[id - OBJECT_ID0]!; out.inst[i] = id - OBJECT_ID0 + 1; }
  }
}

/**
 * Renders a scene at `size` x `size` pixels (or width x height).
 * @example
 * const scene = sampleScene(makeRng(sampleSeed(0, 'zoo', 0, 'scene')));
 * const r = renderScene(scene, 64); // r.rgb.length === 64 * 64 * 3
 */
export function renderScene(scene: Scene, size: number | { width: number; height: number }): Rendered {
  const width = typeof size === 'number' ? size : size.width, height = typeof size === 'number' ? size : size.height;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) throw new Error(`renderScene: bad size ${width}x${height}`);
  if (scene.objects.length > 250) throw new Error(`renderScene: at most 250 objects, got ${scene.objects.length}`);
  const n = width * height;
  const s = scratchFor(n);
  const b = cameraBasis(scene.camera);
  castPrimary(scene, b, width, height, s);
  const out: Rendered = { width, height, rgb: new Uint8Array(n * 3), depth: new Float32Array(n), normals: new Float32Array(n * 3),
    seg: new Uint8Array(n), inst: new Uint8Array(n), boxes: [] };
  geometryMaps(scene, b, s, out);
  shade(scene, s, out.rgb);
  out.boxes = boxesFromInstances(out.inst, width, height, scene.objects);
  return out;
}
