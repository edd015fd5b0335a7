// Held-out images of a captioner run: a separate labelled split of the world (probe-test) when it
// exists, else 1 in 20 samples of the training split chosen by key (and kept out of training).
// At the end they are captioned and graded against their scene descriptions.
import { join } from 'node:path';
import { decodeImage } from '../../data/loader/decode.js';
import { readShards } from '../../data/shards/index.js';
import { mixSeed } from '../../data/loader/rng.js';
import type { Captioner, CaptionOptions, RgbImage } from '../../zoo/types.js';
import { DEFAULT_CAPTION_OPTIONS } from '../../zoo/types.js';
import { gradeCaption, summarise, type QualitySummary, type SceneTruth } from './quality.js';
import type { CaptionerTrainConfig } from './config.js';
import { tarsIn } from '../../data/shards/folder.js';
import { noGrad, roll, tidy } from '../../engine/index.js';
import { tokenize } from '../../tokenizer/index.js';
import { preprocessImages } from '../../zoo/captioner_zooclip.js';
import type { CoCaCaptioner } from '../../models/captioner/index.js';

/** Which samples train and which are held out. */
export interface HoldoutPlan {
  /** Shards the held-out samples come from. */
  shards: string[];
  /** Keeps a key for training (null: every sample trains). */
  trains: ((key: string) => boolean) | null;
  /** Keeps a key of `shards` for evaluation. */
  held: (key: string) => boolean;
  describe: string;
}

function keyHash(key: string): number {
  let h = 0;
  for (let i = 0; i < key.length; i++) h = mixSeed(h, key.charCodeAt(i));
  return h;
}

/** Plans the split between training and held-out samples (see the file comment). */
export function planHoldout(c: CaptionerTrainConfig): HoldoutPlan {
  const separate = tarsIn(join(c.data, c.holdout));
  if (separate.length) return { shards: separate, trains: null, held: () => true, describe: `split ${c.holdout}` };
  const held = (key: string): boolean => keyHash(key) % 20 === 0;
  return { shards: tarsIn(join(c.data, c.split)), trains: (k) => !held(k), held, describe: `1 in 20 samples of ${c.split} (no ${c.holdout} split)` };
}

/** A held-out sample: its image, ground-truth caption and scene. */
export interface HeldSample { key: string; image: RgbImage; caption: string; truth: SceneTruth }

/** Reads up to `limit` held-out samples. */
export async function readHeldOut(plan: HoldoutPlan, limit: number): Promise<HeldSample[]> {
  const out: HeldSample[] = [];
  const text = new TextDecoder();
  for await (const s of readShards(plan.shards, { onSkip: () => {} })) {
    if (out.length >= limit) break;
    const img = s.fields.get('jpg') ?? s.fields.get('png') ?? s.fields.get('webp'), json = s.fields.get('json');
    if (!plan.held(s.key) || !img || !json) continue;
    // The world's `json` holds the scene description under `scene`.
    const meta = JSON.parse(text.decode(json)) as { scene?: SceneTruth };
    const truth = meta.scene;
    if (!truth || !Array.isArray(truth.objects)) continue;
    const d = decodeImage(img, { mode: 'rgb' });
    out.push({ key: s.key, image: { data: d.data as Uint8Array, width: d.width, height: d.height }, caption: text.decode(s.fields.get('txt') ?? new Uint8Array()).trim(), truth });
  }
  return out;
}

/** Grades of one decoding strategy on the held-out samples, and its captions. */
export interface HeldOutResult { strategy: string; summary: QualitySummary; captions: string[]; captionsPerSec: number }

/**
 * Captions the held-out samples (one per image) with `captioner` and grades them.
 * @example await evaluateHeldOut(cap, samples, { strategy: 'greedy' })
 */
export async function evaluateHeldOut(captioner: Captioner, samples: readonly HeldSample[], o: Partial<CaptionOptions>): Promise<HeldOutResult> {
  const opts: CaptionOptions = { ...DEFAULT_CAPTION_OPTIONS, n: 1, ...o };
  const t0 = performance.now();
  const caps = (await captioner.caption(samples.map((s) => s.image), samples.map((s) => s.key), opts)).map((c) => c[0]!);
  const seconds = (performance.now() - t0) / 1000;
  const summary = summarise(caps.map((c, i) => gradeCaption(c, samples[i]!.truth)));
  return { strategy: opts.strategy === 'sample' ? `sample top-p ${opts.topP}` : opts.strategy, summary, captions: caps, captionsPerSec: caps.length / seconds };
}

/** How much a captioner's held-out captions depend on their images (see {@link imageReliance}). */
export interface ImageReliance {
  /** Mean caption cross-entropy (nats per token) of the truth captions given their own images. */
  ownImages: number;
  /** The same with every caption paired with another sample's image. */
  otherImages: number;
  /** otherImages - ownImages: near 0 when the decoder ignores the image (a language model only). */
  gain: number;
}

/**
 * Teacher-forced caption loss of the held-out truth captions with their own images and with the
 * images rolled by one sample: a captioner that learnt to read its images loses clearly more with
 * the wrong ones. A gain near 0 means its captions are the same whatever the image.
 * @example const r = imageReliance(model, samples, 'cpu'); if (r.gain < 0.05) log('the captioner ignores its images');
 */
export function imageReliance(model: CoCaCaptioner, samples: readonly HeldSample[], device = 'cpu'): ImageReliance {
  if (samples.length < 2) throw new Error(`imageReliance: needs at least 2 held-out samples, got ${samples.length}`);
  const training = model.training;
  model.eval();
  try {
    return noGrad(() => tidy(() => {
      const images = preprocessImages(samples.map((s) => s.image), model.imageSize, device);
      const tokens = tokenize(samples.map((s) => s.caption), model.cfg.decoder_cfg.context_length).to(device);
      const ownImages = model.loss(images, tokens).values.caption;
      const otherImages = model.loss(roll(images, 1, 0), tokens).values.caption;
      return { ownImages, otherImages, gain: otherImages - ownImages };
    }));
  } finally {
    if (training) model.train();
  }
}
