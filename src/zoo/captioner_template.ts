// The grounded template captioner: captions assembled from what experts see in the image. The
// detector gives the objects (class, box), the segmenter the object's own pixels, whose dominant
// colour is named with the synthetic world's colour words; counts and left / right / front come
// from the boxes. Several templates per image, picked by a generator seeded by (seed, key).
import { mixSeed } from '../data/loader/rng.js';
import { NUMBER_WORDS, SHAPE_WORDS, capitalise } from '../data/synth/caption_words.js';
import { hashString, makeRng, type Rng } from '../data/synth/rng.js';
import { COLOURS, type Colour } from '../data/synth/world.js';
import type { CaptionOptions, Captioner, Detections, Expert, RgbImage, SegLabels } from './types.js';

/** An object as the template captioner sees it. */
export interface SeenObject {
  name: string;
  /** Dominant colour name of its pixels (undefined when too few coloured pixels). */
  colour?: Colour;
  /** Horizontal place of the box centre: left / middle / right third. */
  place: 'left' | 'middle' | 'right';
  box: readonly [number, number, number, number];
  score: number;
}

/** Hue (degrees), saturation, value of an RGB triple in [0, 255]. */
function hsv(r: number, g: number, b: number): [number, number, number] {
  const max = Math.max(r, g, b), min = Math.min(r, g, b), d = max - min;
  let h = 0;
  if (d > 0) h = max === r ? 60 * (((g - b) / d) % 6) : max === g ? 60 * ((b - r) / d + 2) : 60 * ((r - g) / d + 4);
  return [(h + 360) % 360, max > 0 ? d / max : 0, max / 255];
}

/** Hue of each chromatic colour of the world (its albedo: the renderer writes linear shading * albedo). */
const HUES = (Object.entries(COLOURS) as [Colour, readonly number[]][]).filter(([c]) => c !== 'white').map(([c, v]) => [c, hsv(v[0]! * 255, v[1]! * 255, v[2]! * 255)[0]] as const);

const hueDistance = (a: number, b: number): number => Math.min(Math.abs(a - b), 360 - Math.abs(a - b));

/**
 * The dominant colour name of some pixels (indices into an RGB image): chromatic pixels vote for
 * the nearest hue, bright grey ones for white (at half weight, so a shiny object's highlight does
 * not outvote its colour); dark pixels abstain. Undefined when fewer than 3 pixels vote.
 * @example dominantColour(img, [0, 1, 2]) // 'red'
 */
export function dominantColour(img: RgbImage, pixels: Iterable<number>): Colour | undefined {
  const votes = new Map<Colour, number>();
  let voters = 0;
  for (const p of pixels) {
    const [h, s, v] = hsv(img.data[3 * p]!, img.data[3 * p + 1]!, img.data[3 * p + 2]!);
    if (v < 0.12) continue;
    let c: Colour, w = 1;
    if (s < 0.28) {
      if (v < 0.35) continue;
      c = 'white';
      w = 0.5;
    } else {
      let bd = Infinity;
      c = HUES[0]![0];
      for (const [name, hue] of HUES) if (hueDistance(h, hue) < bd) { bd = hueDistance(h, hue); c = name; }
    }
    votes.set(c, (votes.get(c) ?? 0) + w);
    voters++;
  }
  if (voters < 3) return undefined;
  return [...votes].sort((a, b) => b[1] - a[1])[0]![0];
}

/** Pixel indices of a box (clamped to the image), optionally only its central half. */
function boxPixels(w: number, h: number, box: readonly number[], inner: boolean): number[] {
  let [x0, y0, x1, y1] = box.map(Math.round) as [number, number, number, number];
  if (inner) {
    const dx = (x1 - x0) / 4, dy = (y1 - y0) / 4;
    [x0, y0, x1, y1] = [Math.round(x0 + dx), Math.round(y0 + dy), Math.round(x1 - dx), Math.round(y1 - dy)];
  }
  const out: number[] = [];
  for (let y = Math.max(0, y0); y < Math.min(h, y1); y++) for (let x = Math.max(0, x0); x < Math.min(w, x1); x++) out.push(y * w + x);
  return out;
}

/**
 * Objects from one image's detections (and segmentation, when given): name, colour, place. The
 * object's pixels are its box's pixels that the segmenter gives the detected class (matched by
 * name through `segClasses`), else the central half of its box.
 * @example seenObjects(img, det, seg, ['background', 'ground', 'sphere', ...])
 */
export function seenObjects(img: RgbImage, det: Detections, seg?: SegLabels, segClasses?: readonly string[], detClasses?: readonly string[]): SeenObject[] {
  const { width: w, height: h } = img;
  return det.boxes.map((box, i) => {
    const name = det.names?.[i] ?? detClasses?.[det.labels[i]!] ?? `object ${det.labels[i]}`;
    const cls = segClasses?.indexOf(name) ?? -1;
    let pixels: number[] = [];
    if (seg && cls >= 0 && seg.width === w && seg.height === h) pixels = boxPixels(w, h, box, false).filter((p) => seg.labels[p] === cls);
    if (pixels.length < 4) pixels = boxPixels(w, h, box, true);
    const cx = (box[0] + box[2]) / 2 / w;
    return { name, colour: dominantColour(img, pixels), place: cx < 0.4 ? 'left' : cx > 0.6 ? 'right' : 'middle', box, score: det.scores[i] ?? 1 };
  });
}

/** Singular / plural of a class name, with a synonym for the world's shapes when rng says so. */
function noun(name: string, plural: boolean, rng: Rng): string {
  const forms = SHAPE_WORDS[name as keyof typeof SHAPE_WORDS];
  if (forms) {
    const f = rng.chance(0.3) ? rng.pick(forms) : forms[0]!;
    return plural ? f[1] : f[0];
  }
  if (!plural) return name;
  return /(s|x|z|ch|sh)$/.test(name) ? `${name}es` : /[^aeiou]y$/.test(name) ? `${name.slice(0, -1)}ies` : `${name}s`;
}

const numberWord = (n: number): string => NUMBER_WORDS[n] ?? String(n);
const article = (w: string): string => (/^[aeiou]/i.test(w) ? 'an' : 'a');

/** "a red cube" / "two red cubes": one phrase per (colour, name) group, most frequent first. */
function groupedList(objs: readonly SeenObject[], rng: Rng, withColour: boolean): string[] {
  const groups = new Map<string, { colour?: string; name: string; n: number }>();
  for (const o of objs) {
    const colour = withColour ? o.colour : undefined;
    const k = `${colour ?? ''}|${o.name}`;
    const g = groups.get(k) ?? { colour, name: o.name, n: 0 };
    g.n++;
    groups.set(k, g);
  }
  return [...groups.values()].sort((a, b) => b.n - a.n).map((g) => {
    const words = `${g.colour ? `${g.colour} ` : ''}${noun(g.name, g.n > 1, rng)}`;
    return g.n > 1 ? `${numberWord(g.n)} ${words}` : `${article(words)} ${words}`;
  });
}

const join = (xs: readonly string[]): string => (xs.length <= 1 ? xs[0] ?? '' : `${xs.slice(0, -1).join(', ')} and ${xs[xs.length - 1]}`);

/** "the red cube" (or "a red cube" when another object shares colour and name). */
function refer(o: SeenObject, objs: readonly SeenObject[], rng: Rng): string {
  const words = `${o.colour ? `${o.colour} ` : ''}${noun(o.name, false, rng)}`;
  const unique = objs.filter((x) => x.name === o.name && x.colour === o.colour).length === 1;
  return unique ? `the ${words}` : `${article(words)} ${words}`;
}

/** The object clearly nearest the camera: the lowest box bottom, ahead of the next by 5% of the height. */
function frontObject(objs: readonly SeenObject[], height: number): SeenObject | undefined {
  if (objs.length < 2) return undefined;
  const s = [...objs].sort((a, b) => b.box[3] - a.box[3]);
  return s[0]!.box[3] - s[1]!.box[3] >= 0.05 * height ? s[0] : undefined;
}

type Template = (objs: readonly SeenObject[], rng: Rng, height: number) => string;

const TEMPLATES: Template[] = [
  (o, r) => `${capitalise(numberWord(o.length))} ${o.length === 1 ? r.pick(['object', 'shape', 'thing']) : r.pick(['objects', 'shapes', 'things'])}: ${join(groupedList(o, r, true))}.`,
  (o, r) => `${r.pick(['A photo of', 'An image of', 'A picture of', 'A rendering of'])} ${join(groupedList(o, r, true))}.`,
  (o, r) => `${capitalise(join(groupedList(o, r, false)))}${o.length > 1 ? `, ${numberWord(o.length)} in total` : ''}.`,
  (o, r) => {
    const byPlace = (['left', 'middle', 'right'] as const).map((p) => [p, o.filter((x) => x.place === p)] as const).filter(([, xs]) => xs.length);
    const where = { left: 'on the left', middle: 'in the middle', right: 'on the right' };
    return `${capitalise(byPlace.map(([p, xs]) => `${join(groupedList(xs, r, true))} ${where[p]}`).join(', '))}.`;
  },
  (o, r, h) => {
    const f = frontObject(o, h);
    const list = `${capitalise(join(groupedList(o, r, true)))}.`;
    return f ? `${list} ${capitalise(refer(f, o, r))} is ${r.pick(['in front', 'nearest to the camera', 'closest to the viewer'])}.` : list;
  },
  (o, r) => {
    const l2r = [...o].sort((a, b) => a.box[0] + a.box[2] - b.box[0] - b.box[2]);
    return o.length > 1 ? `From left to right: ${join(l2r.map((x) => refer(x, o, r)))}.` : `${capitalise(join(groupedList(o, r, true)))} ${r.pick(['alone', 'on its own', 'by itself'])}.`;
  },
];

const EMPTY = ['An empty scene.', 'A scene with no objects.', 'Nothing but the background.', 'No objects in view.'];

/**
 * `n` captions for one image's objects, from templates in a seeded order (distinct while the
 * templates and their wordings allow).
 * @example templateCaptions(objects, 64, makeRng(1), 5)
 */
export function templateCaptions(objs: readonly SeenObject[], height: number, rng: Rng, n: number): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  const order = rng.shuffle(TEMPLATES.map((_, i) => i));
  for (let k = 0; out.length < n; k++) {
    const text = objs.length === 0 ? rng.pick(EMPTY) : TEMPLATES[order[k % order.length]!]!(objs, rng, height);
    if (!seen.has(text) || k >= 4 * n + TEMPLATES.length) { out.push(text); seen.add(text); }
  }
  return out;
}

/** What the template captioner is built from. */
export interface TemplateCaptionerOptions {
  det: Expert;
  seg?: Expert;
  /** Dispose the experts with the captioner. */
  own?: boolean;
  /** Lowest box score kept (default: the detector's own default). */
  detThreshold?: number;
}

/**
 * A Captioner over a detector (and optionally a segmenter). Sampling options other than `n` and
 * `seed` do not apply; each image's captions depend only on (seed, key) and the experts' outputs.
 * @example
 * const c = new TemplateCaptioner({ det: await loadExpert('det', 'runs/det'), seg: await loadExpert('seg', 'runs/seg'), own: true });
 * const [caps] = await c.caption([image], ['000001'], { ...DEFAULT_CAPTION_OPTIONS, n: 5 });
 */
export class TemplateCaptioner implements Captioner {
  readonly name: string;

  constructor(private readonly o: TemplateCaptionerOptions) {
    if (o.det.task !== 'det') throw new Error(`template captioner: det expert ${o.det.name} serves '${o.det.task}'`);
    if (o.seg && o.seg.task !== 'seg') throw new Error(`template captioner: seg expert ${o.seg.name} serves '${o.seg.task}'`);
    this.name = `template:det=${o.det.name}${o.seg ? `,seg=${o.seg.name}` : ''}`;
  }

  async caption(images: RgbImage[], keys: string[], o: CaptionOptions): Promise<string[][]> {
    if (keys.length !== images.length) throw new Error(`template captioner: ${images.length} images but ${keys.length} keys`);
    const dets = await this.o.det.predict(images, this.o.detThreshold !== undefined ? { threshold: this.o.detThreshold } : undefined);
    const segs = this.o.seg ? await this.o.seg.predict(images) : undefined;
    return images.map((img, i) => {
      const det = dets[i]?.det;
      if (!det) throw new Error(`template captioner: det expert ${this.o.det.name} gave no detections for ${keys[i]}`);
      const objs = seenObjects(img, det, segs?.[i]?.seg, this.o.seg?.classes, this.o.det.classes);
      return templateCaptions(objs, img.height, makeRng(mixSeed(o.seed, hashString(keys[i]!))), o.n);
    });
  }

  dispose(): void {
    if (!this.o.own) return;
    this.o.det.dispose();
    this.o.seg?.dispose();
  }
}
