// Grades a caption against a synthetic scene's ground truth (its `json` description): which
// shapes and colours it names (any synonym, via canonicalWord) and the object count it states.
import { NUMBER_WORDS, canonicalWord } from '../../data/synth/caption_words.js';

/** The ground truth a caption is graded on: the scene's objects. */
export interface SceneTruth { objects: { shape: string; colour: string }[] }

/** One caption's agreement with its scene. */
export interface CaptionGrade {
  /** The named shapes are exactly the scene's shapes (as sets). */
  shapesExact: boolean;
  /** Named shapes that are in the scene, named shapes, scene shapes named, scene shapes (distinct values). */
  shapeHits: number; shapesNamed: number; shapesFound: number; shapesTrue: number;
  /** The same for colours. */
  coloursExact: boolean;
  /** The first number word (one..twelve) is the object count; null when the caption states none. */
  countRight: boolean | null;
}

function named(caption: string, kind: 'shape' | 'colour'): Set<string> {
  const out = new Set<string>();
  for (const w of caption.toLowerCase().match(/[a-z]+/g) ?? []) {
    const c = canonicalWord(w);
    if (c?.kind === kind) out.add(c.value);
  }
  return out;
}

const same = (a: Set<string>, b: Set<string>): boolean => a.size === b.size && [...a].every((x) => b.has(x));

/**
 * Grades one caption.
 * @example gradeCaption('two objects: a red cube and a blue ball', { objects: [{ shape: 'cube', colour: 'red' }, { shape: 'sphere', colour: 'blue' }] }).shapesExact // true
 */
export function gradeCaption(caption: string, truth: SceneTruth): CaptionGrade {
  const shapes = named(caption, 'shape'), colours = named(caption, 'colour');
  const trueShapes = new Set(truth.objects.map((o) => o.shape)), trueColours = new Set(truth.objects.map((o) => o.colour));
  const words = caption.toLowerCase().match(/[a-z]+/g) ?? [];
  const count = words.map((w) => (NUMBER_WORDS as readonly string[]).indexOf(w)).find((i) => i >= 1);
  return {
    shapesExact: same(shapes, trueShapes), shapeHits: [...shapes].filter((s) => trueShapes.has(s)).length, shapesNamed: shapes.size,
    shapesFound: [...trueShapes].filter((s) => shapes.has(s)).length, shapesTrue: trueShapes.size,
    coloursExact: same(colours, trueColours), countRight: count === undefined ? null : count === truth.objects.length,
  };
}

/** Grades of many captions, summed up as shares. */
export interface QualitySummary {
  captions: number;
  /** Captions naming exactly the scene's shapes. */
  shapesExact: number;
  /** Named shapes that are right (precision) and scene shapes named (recall). */
  shapePrecision: number;
  shapeRecall: number;
  coloursExact: number;
  /** Captions stating the right count, among those stating one. */
  countRight: number;
}

/** Sums grades into shares (0 when there is nothing to divide by). */
export function summarise(grades: readonly CaptionGrade[]): QualitySummary {
  const sum = (f: (g: CaptionGrade) => number): number => grades.reduce((s, g) => s + f(g), 0);
  const share = (a: number, b: number): number => (b > 0 ? a / b : 0);
  const counted = grades.filter((g) => g.countRight !== null);
  return {
    captions: grades.length,
    shapesExact: share(sum((g) => Number(g.shapesExact)), grades.length),
    shapePrecision: share(sum((g) => g.shapeHits), sum((g) => g.shapesNamed)),
    shapeRecall: share(sum((g) => g.shapesFound), sum((g) => g.shapesTrue)),
    coloursExact: share(sum((g) => Number(g.coloursExact)), grades.length),
    countRight: share(counted.filter((g) => g.countRight).length, counted.length),
  };
}
