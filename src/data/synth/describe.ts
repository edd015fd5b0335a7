// The structured scene description written to each sample's `json`: objects with their attributes,
// 3-D placement and visible extent, the camera, light, ground and sky, and the relations as the
// camera sees them. Object ids are instance ids (the values in the instance mask).
import type { SynthSample } from './make_sample.js';
import type { Scene } from './world.js';

const r4 = (x: number): number => Math.round(x * 1e4) / 1e4;
const v4 = (v: readonly number[]): number[] => v.map(r4);

/** One object as written to JSON. */
export interface ObjectDescription {
  id: number;
  shape: string;
  colour: string;
  material: string;
  size: string;
  /** World position of the centre, metres (y up, ground at y = 0). */
  position: number[];
  yaw: number;
  radius: number;
  height: number;
  /** Visible pixels in this render. */
  pixels: number;
  /** Tight [x0, y0, x1, y1] in pixels (x1, y1 exclusive), or null when hidden. */
  box: number[] | null;
}

/** The JSON scene description of a rendered sample. */
export interface SceneDescription {
  count: number;
  objects: ObjectDescription[];
  /** Instance id of the object covering the most pixels (0 when none shows). */
  main_object: number;
  relations: { subject: number; relation: string; object: number }[];
  camera: Scene['camera'];
  light: Scene['light'];
  ground: Scene['ground'];
  sky: Scene['sky'];
}

/**
 * Describes a made sample for its `json` field (numbers rounded to 1e-4).
 * @example describeScene(makeSample(spec)).objects[0].shape // 'cube'
 */
export function describeScene(s: SynthSample): SceneDescription {
  const { scene, render } = s;
  const boxOf = new Map(render.boxes.map((b) => [b.instance, b.box]));
  return {
    count: scene.objects.length,
    objects: scene.objects.map((o, k) => ({
      id: k + 1, shape: o.shape, colour: o.colour, material: o.material, size: o.size,
      position: v4(o.position), yaw: r4(o.yaw), radius: r4(o.radius), height: r4(2 * o.halfHeight),
      pixels: s.visible[k]!, box: boxOf.get(k + 1) ?? null,
    })),
    main_object: s.main + 1,
    relations: scene.relations.map((r) => ({ subject: r.subject + 1, relation: r.relation, object: r.object + 1 })),
    camera: { ...scene.camera, position: v4(scene.camera.position) as [number, number, number], target: v4(scene.camera.target) as [number, number, number],
      fovDeg: r4(scene.camera.fovDeg), yawDeg: r4(scene.camera.yawDeg), pitchDeg: r4(scene.camera.pitchDeg), distance: r4(scene.camera.distance) },
    light: { direction: v4(scene.light.direction) as [number, number, number], ambient: r4(scene.light.ambient) },
    ground: { ...scene.ground, colourA: v4(scene.ground.colourA) as [number, number, number], colourB: v4(scene.ground.colourB) as [number, number, number], scale: r4(scene.ground.scale) },
    sky: { ...scene.sky, bands: r4(scene.sky.bands) },
  };
}
