// "Web" captions: alt-text-like. Short, partial (0-2 objects, the most visible first, with a few
// of their attributes), and, with a probability that grows with `noise`, wrong (a colour or shape
// swapped), empty of content, or padded with unrelated filler. Every corruption is recorded, so
// the statistics can be checked and the noise level measured.
import { article, drawWording, otherColour, wordFor } from './caption_words.js';
import type { Rng } from './rng.js';
import { SHAPES, type Colour, type Scene, type Shape } from './world.js';

/** Probability of each corruption at noise = 1 (each scales linearly with noise). */
export const WEB_RATES = {
  /** The caption mentions no object at all (filler or a generic phrase only). */
  noObjects: 0.3,
  /** A mentioned colour is replaced by another colour. */
  wrongColour: 0.5,
  /** A mentioned shape is replaced by another shape. */
  wrongShape: 0.4,
  /** Unrelated filler text is added. */
  filler: 0.8,
} as const;

const FILLERS = ['stock photo', 'best price', 'free shipping', 'click here', 'royalty free', 'wallpaper hd', 'untitled', 'download now',
  'sale', 'new arrivals', 'high quality', 'buy online', 'thumbnail', 'view larger'] as const;
const GENERIC = ['3d render', 'abstract shapes', 'computer graphics', 'some objects', 'geometric shapes'] as const;

/** One mentioned object and what the caption says about it. */
export interface WebMention {
  /** Index into scene.objects. */
  object: number;
  /** The colour the caption states (undefined when it states none). */
  colour?: Colour;
  shape: Shape;
  wrongColour: boolean;
  wrongShape: boolean;
}

/** A web caption and the record of how it was made. */
export interface WebCaption {
  text: string;
  mentions: WebMention[];
  filler: boolean;
  noObjects: boolean;
}

/** A random filler: a marketing phrase or a file-name-like token. */
function filler(rng: Rng): string {
  const r = rng.next();
  if (r < 0.2) return `image ${rng.int(100, 9999)}`;
  if (r < 0.35) return `IMG_${rng.int(1000, 9999)}.jpg`;
  return rng.pick(FILLERS);
}

/**
 * Draws one web caption for a scene. `visible` orders which objects get mentioned (most pixels
 * first); without it, scene order is used.
 * @example webCaption(scene, rng, 0.5).text // e.g. "red ball and cube | stock photo"
 */
export function webCaption(scene: Scene, rng: Rng, noise: number, visible?: readonly number[]): WebCaption {
  if (!(noise >= 0 && noise <= 1)) throw new Error(`webCaption: noise must be in [0, 1], got ${noise}`);
  const w = drawWording(rng);
  const order = scene.objects.map((_, k) => k).sort((a, b) => (visible ? visible[b]! - visible[a]! : 0) || a - b);
  const noObjects = rng.chance(WEB_RATES.noObjects * noise);
  const k = noObjects ? 0 : Math.min(order.length, rng.chance(0.6) ? 1 : 2);
  const mentions: WebMention[] = [];
  const phrases: string[] = [];
  for (const idx of order.slice(0, k)) {
    const o = scene.objects[idx]!;
    const m: WebMention = { object: idx, shape: o.shape, wrongColour: false, wrongShape: false };
    if (rng.chance(0.7)) {
      m.wrongColour = rng.chance(WEB_RATES.wrongColour * noise);
      m.colour = m.wrongColour ? otherColour(o.colour, rng) : o.colour;
    }
    m.wrongShape = rng.chance(WEB_RATES.wrongShape * noise);
    if (m.wrongShape) m.shape = rng.pick(SHAPES.filter((s) => s !== o.shape));
    const size = rng.chance(0.25) ? `${w.size[o.size]} ` : '';
    const material = rng.chance(0.2) ? `${w.material[o.material]} ` : '';
    phrases.push(`${size}${material}${m.colour ? `${m.colour} ` : ''}${wordFor(w, m.shape)}`);
    mentions.push(m);
  }
  let text: string;
  if (phrases.length === 0) text = rng.pick(GENERIC);
  else if (phrases.length === 1) {
    const p = phrases[0]!;
    text = rng.pick([p, `${article(p)} ${p}`, `${p} on the ground`, `photo of ${article(p)} ${p}`, `${p} 3d`]);
  } else text = rng.pick([`${phrases[0]} and ${phrases[1]}`, `${phrases[0]}, ${phrases[1]}`, `${phrases[0]} with ${phrases[1]}`]);
  const hasFiller = rng.chance(WEB_RATES.filler * noise);
  if (hasFiller) {
    const f = filler(rng);
    text = rng.chance(0.5) ? `${text} | ${f}` : rng.chance(0.5) ? `${f} - ${text}` : `${text} ${f}`;
  }
  return { text, mentions, filler: hasFiller, noObjects };
}
