// The synthetic world's vocabulary (shapes, colours, materials, sizes, label classes) and the plain,
// JSON-serialisable types of a scene. Units are metres; the ground is the plane y = 0, +y is up.

/** The shape types, in segmentation-class order (class id = index + 2). */
export const SHAPES = ['sphere', 'cube', 'cylinder', 'cone', 'torus'] as const;
/** One shape type. */
export type Shape = (typeof SHAPES)[number];

/** Named object colours with their linear RGB albedo in [0, 1]. */
export const COLOURS = {
  red: [0.85, 0.1, 0.1],
  green: [0.12, 0.7, 0.18],
  blue: [0.12, 0.25, 0.9],
  yellow: [0.95, 0.85, 0.1],
  purple: [0.55, 0.15, 0.75],
  cyan: [0.1, 0.8, 0.85],
  orange: [0.98, 0.5, 0.05],
  white: [0.92, 0.92, 0.92],
} as const satisfies Record<string, readonly [number, number, number]>;
/** One colour name. */
export type Colour = keyof typeof COLOURS;
/** The colour names in a fixed order (the classify task's class order). */
export const COLOUR_NAMES = Object.keys(COLOURS) as Colour[];

/** Surface materials: matte is diffuse only, shiny adds a sharp specular highlight. */
export const MATERIALS = ['matte', 'shiny'] as const;
/** One material. */
export type Material = (typeof MATERIALS)[number];

/** Size classes and the characteristic radius (metres) each stands for. */
export const SIZES = { small: 0.36, large: 0.68 } as const;
/** One size class. */
export type Size = keyof typeof SIZES;
/** The size names in a fixed order. */
export const SIZE_NAMES = Object.keys(SIZES) as Size[];

/** Semantic segmentation classes: 0 background (sky), 1 ground, then one per shape type. */
export const SEG_CLASSES = ['background', 'ground', ...SHAPES] as const;
/** The segmentation class id of a shape. */
export function shapeClass(shape: Shape): number {
  return SHAPES.indexOf(shape) + 2;
}

/** Rays that travel further than this (metres) count as background; also the depth PNG's ceiling. */
export const MAX_DEPTH = 50;

/** One object: what it is, where it stands, and the dimensions the renderer uses. */
export interface SceneObject {
  shape: Shape;
  colour: Colour;
  material: Material;
  size: Size;
  /** Centre of the shape's bounding volume, world frame (its base rests on y = 0). */
  position: [number, number, number];
  /** Rotation about the vertical axis, radians (only visible on cubes). */
  yaw: number;
  /** Characteristic radius: sphere/cylinder/cone base radius, cube half-edge, torus outer radius. */
  radius: number;
  /** Half of the shape's height (the centre's height above the ground). */
  halfHeight: number;
  /** Torus tube radius (0 for other shapes). */
  tube: number;
}

/** A perspective pinhole camera looking from `position` at `target`. */
export interface Camera {
  position: [number, number, number];
  target: [number, number, number];
  /** Vertical field of view, degrees. */
  fovDeg: number;
  /** Orbit angle about the vertical axis, degrees. */
  yawDeg: number;
  /** Angle the view axis points down from horizontal, degrees. */
  pitchDeg: number;
  /** Distance from position to target, metres. */
  distance: number;
}

/** Ground texture: a checkerboard or value noise blending two colours. */
export interface Ground {
  texture: 'checker' | 'noise';
  colourA: [number, number, number];
  colourB: [number, number, number];
  /** Texture period in metres. */
  scale: number;
  /** Seed of the noise lattice. */
  seed: number;
}

/** Sky: a vertical gradient from the horizon colour to the zenith colour, with soft bands. */
export interface Sky {
  horizon: [number, number, number];
  zenith: [number, number, number];
  /** Strength of the cloud-like noise bands in [0, 1]. */
  bands: number;
  seed: number;
}

/** The one directional light: unit vector pointing from the scene towards the light. */
export interface Light {
  direction: [number, number, number];
  /** Ambient light level in [0, 1]. */
  ambient: number;
}

/** A spatial relation between two objects as seen from the camera. */
export interface Relation {
  /** Index into Scene.objects. */
  subject: number;
  relation: 'left of' | 'right of' | 'in front of' | 'behind';
  object: number;
}

/** A complete scene: everything renderScene needs, and what captions are drawn from. */
export interface Scene {
  objects: SceneObject[];
  camera: Camera;
  light: Light;
  ground: Ground;
  sky: Sky;
  /** Relations between every pair of objects whose order is clear from the camera's view. */
  relations: Relation[];
}
