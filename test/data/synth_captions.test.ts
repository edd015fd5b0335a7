// Captions of the synthetic world: quality captions name exactly the objects present (all their
// attributes and the count) and state only true relations; web captions are short and correct at
// noise 0, and their corruptions happen at the advertised rates.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { qualityCaptions } from '../../src/data/synth/caption_quality.js';
import { webCaption, WEB_RATES } from '../../src/data/synth/caption_web.js';
import { canonicalWord, NUMBER_WORDS } from '../../src/data/synth/caption_words.js';
import { leftToRight, viewPositions } from '../../src/data/synth/relations.js';
import { makeRng, sampleSeed } from '../../src/data/synth/rng.js';
import { sampleScene } from '../../src/data/synth/sample.js';
import { COLOUR_NAMES, type Scene, type SceneObject } from '../../src/data/synth/world.js';

const scenes: Scene[] = Array.from({ length: 150 }, (_, i) => sampleScene(makeRng(sampleSeed(7, 'captions', i, 'scene'))));

type Attr = Partial<Record<'size' | 'colour' | 'material' | 'shape', string>>;
const canon = (text: string): { kind: string; value: string }[] =>
  text.toLowerCase().split(/[^a-z]+/).filter(Boolean).map((w) => canonicalWord(w) ?? { kind: 'word', value: w });

/** Every "size colour material shape" (or "size material colour shape") run in a text. */
function fullPhrases(text: string): string[] {
  const t = canon(text), out: string[] = [];
  for (let i = 0; i + 3 < t.length; i++) {
    const [a, b, c, d] = [t[i]!, t[i + 1]!, t[i + 2]!, t[i + 3]!];
    if (a.kind !== 'size' || d.kind !== 'shape') continue;
    const cm = [b, c].sort((x, y) => x.kind.localeCompare(y.kind));
    if (cm[0]!.kind === 'colour' && cm[1]!.kind === 'material') out.push(`${a.value} ${cm[0]!.value} ${cm[1]!.value} ${d.value}`);
  }
  return out.sort();
}

const describe = (o: SceneObject): string => `${o.size} ${o.colour} ${o.material} ${o.shape}`;

/** The objects a referring phrase ("the big red ball") can mean. */
function resolve(scene: Scene, ref: string): number[] {
  const a: Attr = {};
  for (const w of canon(ref)) if (w.kind !== 'word') a[w.kind as keyof Attr] = w.value;
  return scene.objects.map((_, k) => k).filter((k) => Object.entries(a).every(([key, v]) => scene.objects[k]![key as keyof Attr] === v));
}

function checkRelations(scene: Scene, caption: string): void {
  const v = viewPositions(scene.objects, scene.camera);
  const order = /From (left to right|right to left): ([^.]*)\./.exec(caption);
  if (order) {
    const ks = order[2]!.split(/, and |, | and /).map((ref) => resolve(scene, ref));
    if (ks.every((k) => k.length === 1)) {
      const l2r = ks.map((k) => k[0]!);
      if (order[1] === 'right to left') l2r.reverse();
      assert.deepEqual(l2r, leftToRight(scene.objects, scene.camera), caption);
    }
  }
  const re = /(the [a-z ]+?) is (left of|to the left of|on the left of|right of|to the right of|on the right of|in front of|closer to the camera than|nearer than|behind|farther from the camera than|further back than) (the [a-z ]+?)(?=[,.;]|$)/gi;
  for (const m of caption.matchAll(re)) {
    const [a, b] = [resolve(scene, m[1]!), resolve(scene, m[3]!)];
    if (a.length !== 1 || b.length !== 1) continue;
    const [va, vb] = [v[a[0]!]!, v[b[0]!]!], rel = m[2]!;
    const ok = /left/.test(rel) ? va.x < vb.x : /right/.test(rel) ? va.x > vb.x : /front|closer|nearer/.test(rel) ? va.depth < vb.depth : va.depth > vb.depth;
    assert.ok(ok, `false relation '${m[0]}' in: ${caption}`);
  }
}

test('quality captions name every object with all attributes, the count, and only true relations', () => {
  let fiveOrMore = 0;
  for (const [i, scene] of scenes.entries()) {
    const caps = qualityCaptions(scene, makeRng(sampleSeed(7, 'captions', i, 'quality')));
    if (caps.length >= 5) fiveOrMore++;
    const expected = scene.objects.map(describe).sort();
    for (const c of caps) {
      const opening = c.slice(0, c.indexOf('.') + 1);
      assert.deepEqual(fullPhrases(opening), expected, c);
      const n = scene.objects.length;
      assert.ok(n === 1 ? /\b(single|one|alone)\b/i.test(opening) : new RegExp(`\\b${NUMBER_WORDS[n]}\\b`, 'i').test(opening), `count ${n} missing: ${c}`);
      checkRelations(scene, c);
    }
  }
  assert.ok(fiveOrMore >= 0.95 * scenes.length, `only ${fiveOrMore}/${scenes.length} images have 5+ distinct variants`);
});

test('web captions at noise 0 are short, partial and correct', () => {
  for (const [i, scene] of scenes.entries()) {
    const w = webCaption(scene, makeRng(sampleSeed(7, 'captions', i, 'web')), 0);
    assert.ok(!w.filler && !w.noObjects && w.mentions.length >= 1 && w.mentions.length <= 2, JSON.stringify(w));
    const colours = canon(w.text).filter((t) => t.kind === 'colour').map((t) => t.value);
    for (const m of w.mentions) {
      const o = scene.objects[m.object]!;
      assert.ok(!m.wrongColour && !m.wrongShape && m.shape === o.shape && (m.colour === undefined || m.colour === o.colour));
      assert.ok(canon(w.text).some((t) => t.kind === 'shape' && t.value === o.shape), w.text);
    }
    assert.ok(colours.every((c) => w.mentions.some((m) => scene.objects[m.object]!.colour === c)), `colour not in the scene: ${w.text}`);
    assert.ok(w.text.split(' ').length <= 12, w.text);
  }
});

test('web caption corruptions happen at noise x their base rate', () => {
  for (const noise of [0.5, 1]) {
    let caps = 0, filler = 0, none = 0, colourStated = 0, wrongColour = 0, mentions = 0, wrongShape = 0;
    for (let rep = 0; rep < 20; rep++) {
      for (const [i, scene] of scenes.entries()) {
        const w = webCaption(scene, makeRng(sampleSeed(rep, 'captions', i, `web-${noise}`)), noise);
        caps++; filler += +w.filler; none += +w.noObjects;
        for (const m of w.mentions) {
          const o = scene.objects[m.object]!;
          mentions++; wrongShape += +m.wrongShape;
          assert.equal(m.wrongShape, m.shape !== o.shape);
          if (m.colour === undefined) continue;
          colourStated++; wrongColour += +m.wrongColour;
          assert.equal(m.wrongColour, m.colour !== o.colour);
          assert.ok(COLOUR_NAMES.includes(m.colour) && w.text.includes(m.colour), w.text);
        }
      }
    }
    const near = (count: number, n: number, p: number, what: string): void => {
      const tol = 4 * Math.sqrt((p * (1 - p)) / n) + 0.005;
      assert.ok(Math.abs(count / n - p) <= tol, `${what} at noise ${noise}: ${(count / n).toFixed(3)} vs ${p.toFixed(3)}`);
    };
    near(filler, caps, WEB_RATES.filler * noise, 'filler');
    near(none, caps, WEB_RATES.noObjects * noise, 'no objects');
    near(wrongColour, colourStated, WEB_RATES.wrongColour * noise, 'wrong colour');
    near(wrongShape, mentions, WEB_RATES.wrongShape * noise, 'wrong shape');
  }
});
