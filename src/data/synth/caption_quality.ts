// "Quality" captions: complete and correct. Each names the object count, every object with all of
// its attributes (size, colour, material, shape), the ground, and where the objects stand relative
// to each other as the camera sees them. Variants differ in template, order, synonyms and which
// form the relations take, like the several synthetic captions per image of DataCompDR.
import { NUMBER_WORDS, capitalise, drawWording, fullPhrase, joinList, referTo, withArticle, type Wording } from './caption_words.js';
import { inverse, leftToRight, viewPositions } from './relations.js';
import type { Rng } from './rng.js';
import type { Relation, Scene } from './world.js';

const NOUNS = ['objects', 'shapes', 'things', 'items'] as const;
const REL_WORDS: Record<Relation['relation'], readonly string[]> = {
  'left of': ['left of', 'to the left of', 'on the left of'],
  'right of': ['right of', 'to the right of', 'on the right of'],
  'in front of': ['in front of', 'closer to the camera than', 'nearer than'],
  behind: ['behind', 'farther from the camera than', 'further back than'],
};

function groundPhrase(scene: Scene, rng: Rng): string {
  return scene.ground.texture === 'checker'
    ? rng.pick(['on a checkered floor', 'on a checkerboard ground', 'on a tiled floor'])
    : rng.pick(['on a mottled ground', 'on a patchy floor', 'on a textured ground']);
}

/** The opening sentence: count, every object in full, and the ground. */
function opening(scene: Scene, order: readonly number[], w: Wording, rng: Rng): string {
  const n = scene.objects.length, nw = NUMBER_WORDS[n]!, ground = groundPhrase(scene, rng);
  const list = joinList(order.map((k) => withArticle(fullPhrase(scene.objects[k]!, w))), rng);
  if (n === 1) {
    return rng.pick([`A single ${fullPhrase(scene.objects[0]!, w)} ${ground}.`, `One object ${ground}: ${list}.`,
      `${capitalise(list)} standing alone ${ground}.`, `A rendered scene with exactly one object, ${list}, ${ground}.`]);
  }
  const noun = rng.pick(NOUNS);
  return rng.pick([
    `${capitalise(nw)} ${noun} ${ground}: ${list}.`,
    `A rendered scene with ${nw} ${noun} ${ground}: ${list}.`,
    `There are ${nw} ${noun} ${ground}: ${list}.`,
    `${capitalise(list)} rest ${ground}, ${nw} ${noun} in total.`,
    `An image of ${nw} ${noun} ${ground}, namely ${list}.`,
  ]);
}

function relationWord(r: Relation['relation'], rng: Rng): string {
  return rng.pick(REL_WORDS[r]);
}

/** Left-right layout: an ordered list (compact), or sentences between neighbours. */
function horizontal(scene: Scene, w: Wording, rng: Rng, compact: boolean): string {
  const l2r = leftToRight(scene.objects, scene.camera);
  const refs = l2r.map((k) => referTo(scene.objects, k, w));
  if (compact) return rng.chance(0.6) ? `From left to right: ${joinList(refs)}.` : `From right to left: ${joinList(refs.slice().reverse())}.`;
  const parts: string[] = [];
  for (let i = 0; i + 1 < l2r.length; i++) {
    const rel = findRelation(scene, l2r[i]!, l2r[i + 1]!, ['left of', 'right of']);
    parts.push(rel ? `${refs[i]} is ${relationWord(rel, rng)} ${refs[i + 1]}` : `${refs[i]} is beside ${refs[i + 1]}`);
  }
  return `${capitalise(parts.join(', '))}.`;
}

/** Front-back layout: the nearest and farthest object (compact, when clear), or sentences between depth neighbours. */
function depthwise(scene: Scene, w: Wording, rng: Rng, compact: boolean): string {
  const v = viewPositions(scene.objects, scene.camera);
  const order = scene.objects.map((_, k) => k).sort((a, b) => v[a]!.depth - v[b]!.depth || a - b);
  const ref = (k: number): string => referTo(scene.objects, order[k]!, w);
  const clear = (i: number): boolean => findRelation(scene, order[i]!, order[i + 1]!, ['in front of', 'behind']) !== undefined;
  const last = order.length - 1;
  if (compact && order.length > 2 && (clear(0) || clear(last - 1))) {
    const near = clear(0) ? `${ref(0)} is nearest to the camera` : '', far = clear(last - 1) ? `${ref(last)} is farthest away` : '';
    return `${capitalise([near, far].filter(Boolean).join(' and '))}.`;
  }
  const parts: string[] = [];
  for (let i = 0; i < last; i++) {
    const rel = findRelation(scene, order[i]!, order[i + 1]!, ['in front of', 'behind']);
    if (rel) parts.push(`${ref(i)} is ${relationWord(rel, rng)} ${ref(i + 1)}`);
  }
  if (parts.length === 0) return 'They stand at about the same distance from the camera.';
  return `${capitalise(parts.join(rng.chance(0.5) ? '; ' : ', and '))}.`;
}

/** The relation of a to b along one axis from the scene's derived relations, if it is clear. */
export function findRelation(scene: Scene, a: number, b: number, kinds: readonly Relation['relation'][]): Relation['relation'] | undefined {
  for (const r of scene.relations) {
    if (!kinds.includes(r.relation)) continue;
    if (r.subject === a && r.object === b) return r.relation;
    if (r.subject === b && r.object === a) return inverse(r.relation);
  }
  return undefined;
}

/**
 * One complete, correct caption.
 * @example qualityCaption(scene, rng) // "Three shapes on a tiled floor: a small red shiny cube, ... From left to right: ..."
 */
export function qualityCaption(scene: Scene, rng: Rng): string {
  const w = drawWording(rng);
  const n = scene.objects.length;
  const order = rng.chance(0.5) ? leftToRight(scene.objects, scene.camera) : rng.shuffle(scene.objects.map((_, k) => k));
  const parts = [opening(scene, order, w, rng)];
  if (n > 1) {
    // Crowded scenes get the compact forms so captions stay near CLIP's 77-token context.
    const compact = n >= 4 || rng.chance(0.5);
    const h = horizontal(scene, w, rng, compact), d = depthwise(scene, w, rng, compact);
    parts.push(...(rng.chance(0.5) ? [h, d] : [d, h]));
  }
  return parts.join(' ');
}

/**
 * Up to `count` distinct quality captions (fewer only when the templates run out, e.g. for a
 * single object, which still gets at least 5).
 */
export function qualityCaptions(scene: Scene, rng: Rng, count = 6): string[] {
  const out = new Set<string>();
  for (let tries = 0; out.size < count && tries < count * 10; tries++) out.add(qualityCaption(scene, rng));
  return [...out];
}
