// Words for captions: synonyms per attribute value, number words, articles, and the phrases that
// describe or refer to an object. Every synonym maps back to one canonical value (canonicalWord),
// so tests and graders can read captions back into attributes.
import type { Rng } from './rng.js';
import { COLOUR_NAMES, type Colour, type Material, type SceneObject, type Shape, type Size } from './world.js';

/** Synonyms of each shape (singular, plural). The first is the canonical name. */
export const SHAPE_WORDS: Record<Shape, readonly (readonly [string, string])[]> = {
  sphere: [['sphere', 'spheres'], ['ball', 'balls']],
  cube: [['cube', 'cubes'], ['block', 'blocks']],
  cylinder: [['cylinder', 'cylinders']],
  cone: [['cone', 'cones']],
  torus: [['torus', 'tori'], ['ring', 'rings'], ['donut', 'donuts']],
};
/** Synonyms of each material. */
export const MATERIAL_WORDS: Record<Material, readonly string[]> = { matte: ['matte', 'rubber', 'dull'], shiny: ['shiny', 'metallic', 'glossy'] };
/** Synonyms of each size. */
export const SIZE_WORDS: Record<Size, readonly string[]> = { small: ['small', 'little', 'tiny'], large: ['large', 'big'] };
/** Number words for counts 0..12. */
export const NUMBER_WORDS = ['no', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten', 'eleven', 'twelve'] as const;

/** Maps any attribute word (synonym, plural, any case) to its canonical value; undefined for other words. */
export function canonicalWord(word: string): { kind: 'shape' | 'material' | 'size' | 'colour'; value: string } | undefined {
  const w = word.toLowerCase();
  for (const [shape, forms] of Object.entries(SHAPE_WORDS)) if (forms.some(([s, p]) => s === w || p === w)) return { kind: 'shape', value: shape };
  for (const [m, words] of Object.entries(MATERIAL_WORDS)) if (words.includes(w)) return { kind: 'material', value: m };
  for (const [s, words] of Object.entries(SIZE_WORDS)) if (words.includes(w)) return { kind: 'size', value: s };
  if ((COLOUR_NAMES as string[]).includes(w)) return { kind: 'colour', value: w };
  return undefined;
}

/** 'a' or 'an' for the word that follows. */
export function article(next: string): string {
  return /^[aeiou]/i.test(next) ? 'an' : 'a';
}

/** Capitalises the first letter. */
export function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** Joins phrases as "a, b and c". */
export function joinList(items: readonly string[], rng?: Rng): string {
  if (items.length <= 1) return items[0] ?? '';
  const last = items[items.length - 1]!;
  const comma = rng && items.length > 2 && rng.chance(0.5) ? ',' : '';
  return `${items.slice(0, -1).join(', ')}${comma} and ${last}`;
}

/** A shape word, singular or plural, drawn from the synonyms (the canonical name when rng is absent). */
export function shapeWord(shape: Shape, rng?: Rng, plural = false): string {
  const forms = rng ? rng.pick(SHAPE_WORDS[shape]) : SHAPE_WORDS[shape][0]!;
  return plural ? forms[1] : forms[0];
}

/** Words chosen once per caption so one caption uses one synonym per value throughout. */
export interface Wording {
  shape: Record<Shape, number>;
  material: Record<Material, string>;
  size: Record<Size, string>;
  /** Material before colour ("shiny red") instead of after ("red shiny")? */
  materialFirst: boolean;
}

/** Draws a caption's wording (or the canonical one without rng). */
export function drawWording(rng?: Rng): Wording {
  const p = <T>(xs: readonly T[]): T => (rng ? rng.pick(xs) : xs[0]!);
  const idx = (s: Shape): number => (rng ? rng.int(0, SHAPE_WORDS[s].length - 1) : 0);
  return {
    shape: { sphere: idx('sphere'), cube: idx('cube'), cylinder: idx('cylinder'), cone: idx('cone'), torus: idx('torus') },
    material: { matte: p(MATERIAL_WORDS.matte), shiny: p(MATERIAL_WORDS.shiny) },
    size: { small: p(SIZE_WORDS.small), large: p(SIZE_WORDS.large) },
    materialFirst: rng ? rng.chance(0.3) : false,
  };
}

/** The word for a shape under a wording. */
export function wordFor(w: Wording, shape: Shape, plural = false): string {
  const forms = SHAPE_WORDS[shape][w.shape[shape]]!;
  return plural ? forms[1] : forms[0];
}

/** "large red shiny sphere": every attribute, no article. */
export function fullPhrase(o: SceneObject, w: Wording): string {
  const cm = w.materialFirst ? `${w.material[o.material]} ${o.colour}` : `${o.colour} ${w.material[o.material]}`;
  return `${w.size[o.size]} ${cm} ${wordFor(w, o.shape)}`;
}

/** A phrase with an article: "a large red shiny sphere", "an orange ...". */
export function withArticle(phrase: string): string {
  return `${article(phrase)} ${phrase}`;
}

/**
 * The shortest "the ..." phrase that picks out object k among `objects`: colour + shape, then
 * size, then material are added until no other object matches.
 */
export function referTo(objects: readonly SceneObject[], k: number, w: Wording): string {
  const o = objects[k]!;
  const same = (keys: readonly ('colour' | 'size' | 'material')[]): boolean =>
    objects.some((p, j) => j !== k && p.shape === o.shape && keys.every((key) => p[key] === o[key]));
  if (!same(['colour'])) return `the ${o.colour} ${wordFor(w, o.shape)}`;
  if (!same(['colour', 'size'])) return `the ${w.size[o.size]} ${o.colour} ${wordFor(w, o.shape)}`;
  return `the ${fullPhrase(o, w)}`;
}

/** A different colour from `c`, drawn uniformly. */
export function otherColour(c: Colour, rng: Rng): Colour {
  return rng.pick(COLOUR_NAMES.filter((x) => x !== c));
}
