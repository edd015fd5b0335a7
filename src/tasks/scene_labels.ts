// Image-level labels from a sample's scene description (the `json` field the synthetic world writes
// on its labelled splits and on web-gt): which shapes and colours the scene holds, and how many
// objects, as one multi-hot vector. The class names come from the world's classify.json, the same
// lists zero-shot classification scores against, so they are written down once, by `zooclip synth`.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tensor, type Tensor } from '../engine/index.js';
import { readShards, tarsIn } from '../data/shards/index.js';

/** The label groups a scene gives, in column order. */
export const SCENE_GROUPS = ['shape', 'colour', 'count'] as const;
/** One label group: shapes present, colours present, or the object count (one class). */
export type SceneGroup = (typeof SCENE_GROUPS)[number];

/** The file (in a world's root) whose zero-shot tasks name each group's classes. */
export const VOCABULARY_FILE = 'classify.json';

/** The classes of the enabled groups, in column order: group g owns columns [offset, offset + classes.length). */
export interface SceneVocabulary { groups: { name: SceneGroup; classes: string[]; offset: number }[]; size: number }

/** What sceneMultiHot reads of a scene description. */
interface SceneObjects { objects: { shape?: unknown; colour?: unknown }[] }

/**
 * The classes of `groups` as `<root>/classify.json` lists them (tasks.shape, tasks.colour,
 * tasks.count); errors name the file and the missing task.
 * @example sceneVocabulary('data/synth').groups.map((g) => g.classes.length)  // [5, 8, 6]
 */
export function sceneVocabulary(root: string, groups: readonly SceneGroup[] = SCENE_GROUPS): SceneVocabulary {
  const path = join(root, VOCABULARY_FILE);
  if (!existsSync(path)) throw new Error(`${path}: not found (the scene label classes of ${root} are read from it; zooclip synth writes it with a classify split)`);
  let doc: { tasks?: Record<string, { classes?: unknown }> };
  try { doc = JSON.parse(readFileSync(path, 'utf8')) as typeof doc; } catch (e) { throw new Error(`${path}: not JSON (${(e as Error).message})`); }
  let offset = 0;
  const out: SceneVocabulary['groups'] = [];
  for (const name of SCENE_GROUPS.filter((g) => groups.includes(g))) {
    const c = doc.tasks?.[name]?.classes;
    if (!Array.isArray(c) || c.length === 0 || !c.every((x) => typeof x === 'string')) throw new Error(`${path}: tasks.${name}.classes must be a non-empty array of names, got ${JSON.stringify(c)}`);
    out.push({ name, classes: c as string[], offset });
    offset += c.length;
  }
  if (!out.length) throw new Error(`sceneVocabulary: no label groups asked for (known: ${SCENE_GROUPS.join(', ')})`);
  return { groups: out, size: offset };
}

/**
 * The scene description inside a sample's `json` field (its `scene` key); `where` (shard and key)
 * names the sample in errors.
 * @example sceneOfJson(sample.fields.get('json'), `${sample.shard} key ${sample.key}`).objects.length
 */
export function sceneOfJson(json: Uint8Array | undefined, where: string): SceneObjects {
  if (!json) throw new Error(`${where}: no json field (the scene description that labels it; the synthetic world's labelled splits and web-gt carry one)`);
  let doc: { scene?: SceneObjects };
  try { doc = JSON.parse(Buffer.from(json).toString('utf8')) as typeof doc; } catch (e) { throw new Error(`${where}: json is not valid JSON (${(e as Error).message})`); }
  if (!doc?.scene || !Array.isArray(doc.scene.objects)) throw new Error(`${where}: json has no scene description (scene.objects; the synthetic world's web split keeps its labels in web-gt, under the same keys)`);
  return doc.scene;
}

/**
 * A scene's multi-hot vector: 1 for each shape and colour some object has, and 1 at the object
 * count's class (classify.json's 'one object' ... : count k at index min(k, classes) - 1).
 * @example
 * const v = sceneVocabulary('data/synth');  // shape: sphere, cube, ...; colour: red, green, ...
 * sceneMultiHot({ objects: [{ shape: 'cube', colour: 'red' }, { shape: 'cube', colour: 'blue' }] }, v, 'k')
 * // shape [0, 1, 0, 0, 0], colour [1, 0, 1, 0, 0, 0, 0, 0], count [0, 1, 0, 0, 0, 0], concatenated
 */
export function sceneMultiHot(scene: SceneObjects, v: SceneVocabulary, where: string): Float32Array {
  const out = new Float32Array(v.size);
  for (const g of v.groups) {
    if (g.name === 'count') {
      if (scene.objects.length < 1) throw new Error(`${where}: the scene has no objects, so no count class`);
      out[g.offset + Math.min(scene.objects.length, g.classes.length) - 1] = 1;
      continue;
    }
    for (const o of scene.objects) {
      const name = o[g.name], k = g.classes.indexOf(String(name));
      if (k < 0) throw new Error(`${where}: object ${g.name} '${String(name)}' is not among the world's ${g.name} classes (${g.classes.join(', ')})`);
      out[g.offset + k] = 1;
    }
  }
  return out;
}

/**
 * Every sample's multi-hot vector by key, read once from the shards of `dir`; a sample without a
 * scene description is an error naming its shard and key.
 * @example const index = await sceneLabelIndex('data/synth/web-gt', sceneVocabulary('data/synth'));
 */
export async function sceneLabelIndex(dir: string, v: SceneVocabulary): Promise<Map<string, Float32Array>> {
  if (!existsSync(dir)) throw new Error(`scene labels: no folder ${dir}`);
  const tars = tarsIn(dir);
  if (!tars.length) throw new Error(`scene labels: no .tar shards in ${dir}`);
  const index = new Map<string, Float32Array>();
  for await (const s of readShards(tars)) {
    const where = `${s.shard} key ${s.key}`;
    index.set(s.key, sceneMultiHot(sceneOfJson(s.fields.get('json'), where), v, where));
  }
  return index;
}

/**
 * The float32 [B, size] targets of a batch's keys; a key with no labels is an error naming it and `dir`.
 * @example const y = sceneTargets(index, batch.keys, v.size, 'data/synth/web-gt');
 */
export function sceneTargets(index: ReadonlyMap<string, Float32Array>, keys: readonly string[], size: number, dir: string): Tensor {
  const flat = new Float32Array(keys.length * size);
  keys.forEach((k, i) => {
    const row = index.get(k);
    if (!row) throw new Error(`scene labels: sample '${k}' has no scene description in ${dir}`);
    flat.set(row, i * size);
  });
  return tensor(flat, { shape: [keys.length, size] });
}
