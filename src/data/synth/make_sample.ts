// One synthetic sample from its coordinates (seed, split, index): scene, render, captions. The
// scene and the captions draw from separate streams, so caption settings never move the images.
import { qualityCaptions } from './caption_quality.js';
import { webCaption, type WebCaption } from './caption_web.js';
import { mainObject, visiblePixels } from './labels.js';
import { renderScene, type Rendered } from './render.js';
import { makeRng, sampleSeed } from './rng.js';
import { sampleScene, type SampleOptions } from './sample.js';
import type { Scene } from './world.js';

/** Where a sample sits and how to make it. */
export interface SampleSpec {
  /** The run's seed. */
  seed: number;
  /** Split name ('zoo', 'web', ...): part of the sample's random key. */
  split: string;
  index: number;
  /** Image side in pixels. */
  size: number;
  /** Web caption noise level in [0, 1]. */
  noise: number;
  /** Object-count options for the scene sampler. */
  objects?: SampleOptions;
  /** Number of quality caption variants (default 6). */
  variants?: number;
}

/** A made sample: the scene, its render, and its captions. */
export interface SynthSample {
  key: string;
  spec: SampleSpec;
  scene: Scene;
  render: Rendered;
  /** Distinct complete and correct captions. */
  quality: string[];
  web: WebCaption;
  /** Visible pixels per object. */
  visible: number[];
  /** Index of the object covering the most pixels. */
  main: number;
}

/** The WebDataset key of a sample: `<split>-<index, 7 digits>`. */
export function sampleKey(split: string, index: number): string {
  return `${split}-${String(index).padStart(7, '0')}`;
}

/**
 * Makes one sample; a pure function of the spec.
 * @example const s = makeSample({ seed: 0, split: 'zoo', index: 3, size: 64, noise: 0.5 }); s.quality[0]
 */
export function makeSample(spec: SampleSpec): SynthSample {
  const scene = sampleScene(makeRng(sampleSeed(spec.seed, spec.split, spec.index, 'scene')), spec.objects);
  const render = renderScene(scene, spec.size);
  const visible = visiblePixels(render.boxes, scene.objects.length);
  const quality = qualityCaptions(scene, makeRng(sampleSeed(spec.seed, spec.split, spec.index, 'quality')), spec.variants ?? 6);
  const web = webCaption(scene, makeRng(sampleSeed(spec.seed, spec.split, spec.index, 'web')), spec.noise, visible);
  return { key: sampleKey(spec.split, spec.index), spec, scene, render, quality, web, visible, main: mainObject(render.boxes) };
}
