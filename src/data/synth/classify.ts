// classify.json: the zero-shot tasks over the classify split. Each task lists its class names,
// prompt templates ('{}' stands for the class name) and one label per image, in key order.
import type { TaskLabels } from './job.js';
import { COLOUR_NAMES, SHAPES } from './world.js';

const COUNT_CLASSES = ['one object', 'two objects', 'three objects', 'four objects', 'five objects', 'six objects'];

/** One zero-shot task. */
export interface ZeroShotTask {
  description: string;
  classes: string[];
  templates: string[];
  /** Class index per image (same order as `keys`). */
  labels: number[];
}

/** The classify.json document. */
export interface ClassifyFile {
  split: string;
  keys: string[];
  /** Share of object pixels covered by the main object, per image (how clear the shape/colour label is). */
  main_share: number[];
  tasks: Record<'shape' | 'colour' | 'count', ZeroShotTask>;
}

/**
 * Builds classify.json from the per-image labels of the classify split.
 * @example buildClassify('classify', labels).tasks.shape.classes // ['sphere', 'cube', ...]
 */
export function buildClassify(split: string, labels: readonly TaskLabels[]): ClassifyFile {
  const shapes = [...SHAPES] as string[], colours = [...COLOUR_NAMES] as string[];
  return {
    split,
    keys: labels.map((l) => l.key),
    main_share: labels.map((l) => l.mainShare),
    tasks: {
      shape: {
        description: 'shape of the main object (the one covering the most pixels)',
        classes: shapes,
        templates: ['a photo of a {}.', 'a 3d render of a {}.', 'a {} on the ground.', 'a rendered scene with a {}.', 'a picture of a {}.'],
        labels: labels.map((l) => shapes.indexOf(l.shape)),
      },
      colour: {
        description: 'colour of the main object (the one covering the most pixels)',
        classes: colours,
        templates: ['a photo of a {} object.', 'a {} shape.', 'a 3d render of a {} object.', 'something {} on the ground.', 'a {} thing.'],
        labels: labels.map((l) => colours.indexOf(l.colour)),
      },
      count: {
        description: 'number of objects in the scene',
        classes: COUNT_CLASSES.slice(),
        templates: ['a photo of {}.', 'a 3d render of {}.', '{} on the ground.', 'a rendered scene with {}.', 'there are {}.'],
        labels: labels.map((l) => Math.min(l.count, COUNT_CLASSES.length) - 1),
      },
    },
  };
}
