// Reading captions back into checkable claims about the synthetic world: which shapes appear,
// which colours (bound to the shape they qualify when there is one), and how many objects (in all,
// of a shape, or of a coloured shape). Synonyms map back through the world's caption vocabulary.
import { NUMBER_WORDS, canonicalWord } from '../../data/synth/caption_words.js';

/** What a caption states. */
export interface CaptionClaims {
  shapes: string[];
  colours: { colour: string; shape?: string }[];
  counts: { n: number; shape?: string; colour?: string }[];
}

/** The objects a caption is checked against (a scene description's objects). */
export interface SceneObjects { objects: readonly { shape: string; colour: string }[] }

/** Per-aspect verdict: no claim of that kind, all claims true, or at least one false. */
export type Verdict = 'none' | 'correct' | 'wrong';

/** Verdicts of one caption. */
export interface CaptionVerdict { shapes: Verdict; colours: Verdict; counts: Verdict; claims: number; wrongClaims: number }

const GENERIC = new Set(['object', 'objects', 'shape', 'shapes', 'thing', 'things', 'item', 'items']);
const NUMBERS = new Map<string, number>([...NUMBER_WORDS.map((w, i) => [w, i] as const), ['single', 1], ['lone', 1]]);
/** Words that may stand between a number or colour and its noun. */
const KEEP = new Set(['a', 'an', 'the', 'exactly', 'only', 'just']);

/**
 * The claims of a caption.
 * @example captionClaims('Two red cubes and a blue ball.')
 * // { shapes: ['cube', 'sphere'], colours: [{ colour: 'red', shape: 'cube' }, { colour: 'blue', shape: 'sphere' }], counts: [{ n: 2, shape: 'cube', colour: 'red' }] }
 */
export function captionClaims(text: string): CaptionClaims {
  const tokens = text.toLowerCase().match(/[a-z]+|[^\sa-z]/g) ?? [];
  const out: CaptionClaims = { shapes: [], colours: [], counts: [] };
  let count: number | undefined, colour: string | undefined;
  const reset = (): void => { count = undefined; colour = undefined; };
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    const w = canonicalWord(t);
    if (NUMBERS.has(t) && count === undefined && colour === undefined) {
      count = NUMBERS.get(t);
      if (tokens[i + 1] === 'in' && tokens[i + 2] === 'total') { out.counts.push({ n: count! }); i += 2; reset(); }
      continue;
    }
    if (w?.kind === 'colour') {
      if (colour) out.colours.push({ colour });
      colour = w.value;
    } else if (w?.kind === 'shape') {
      out.shapes.push(w.value);
      if (colour) out.colours.push({ colour, shape: w.value });
      if (count !== undefined) out.counts.push({ n: count, shape: w.value, colour });
      reset();
    } else if (GENERIC.has(t)) {
      if (colour) out.colours.push({ colour });
      if (count !== undefined && !colour) out.counts.push({ n: count });
      reset();
    } else if (w || KEEP.has(t)) {
      // size / material words and articles sit inside a noun phrase
    } else {
      if (colour) out.colours.push({ colour });
      reset();
    }
  }
  if (colour) out.colours.push({ colour });
  return out;
}

function verdict(results: boolean[]): Verdict {
  return results.length === 0 ? 'none' : results.every(Boolean) ? 'correct' : 'wrong';
}

/**
 * Checks a caption's claims against the scene: a shape is right when some object has it, a
 * colour when some object (of the named shape) has it, a count when exactly that many objects
 * (of the named shape and colour; all objects for a bare count) are in the scene.
 * @example checkCaption('a red cube', { objects: [{ shape: 'cube', colour: 'red' }] }).colours // 'correct'
 */
export function checkCaption(text: string, scene: SceneObjects): CaptionVerdict {
  const c = captionClaims(text), objs = scene.objects;
  const shapes = c.shapes.map((s) => objs.some((o) => o.shape === s));
  const colours = c.colours.map((x) => objs.some((o) => o.colour === x.colour && (!x.shape || o.shape === x.shape)));
  const counts = c.counts.map((x) => objs.filter((o) => (!x.shape || o.shape === x.shape) && (!x.colour || o.colour === x.colour)).length === x.n);
  const all = [...shapes, ...colours, ...counts];
  return { shapes: verdict(shapes), colours: verdict(colours), counts: verdict(counts), claims: all.length, wrongClaims: all.filter((x) => !x).length };
}
