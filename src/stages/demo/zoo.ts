// The demo's model-zoo stages: train the captioner, caption the web split with it (web-cap),
// pseudo-label the captioned split with the experts (web-zoo), and, for the reference variant,
// attach the hidden ground-truth labels to the captioned split instead (web-gtl).
import { join } from 'node:path';
import { readShards, type FieldValue } from '../../data/shards/index.js';
import { mapShards } from '../../zoo/shard_map.js';
import { loadCaptioner, loadExpert } from '../../zoo/load.js';
import { TemplateCaptioner } from '../../zoo/captioner_template.js';
import type { CaptionOptions, Expert, DenseTaskName } from '../../zoo/types.js';
import { resolveCaptionerConfig } from '../train_captioner/config.js';
import { runTrainCaptioner, type CaptionerTrainResult } from '../train_captioner/run.js';
import { runCaption } from '../caption/run.js';
import { runLabel } from '../label/run.js';
import type { DemoConfig } from './config.js';
import { SPLITS } from './pretrain.js';
import { shardsIn } from '../train/data.js';
import { listCheckpoints } from '../../training/checkpoint.js';
import { DENSE_TASK_NAMES, DENSE_TASKS } from '../../tasks/index.js';

const LABEL_FIELDS = DENSE_TASK_NAMES.map((t) => DENSE_TASKS[t].field);

/** The world folder and one of its splits. */
export const worldDir = (cfg: DemoConfig): string => join(cfg.out, 'world');
export const splitDir = (cfg: DemoConfig, split: string): string => join(worldDir(cfg), split);

/** Trains (or resumes) the captioner on the zoo split; returns its result (the captioner folder in `.captioner`). */
export async function trainCaptioner(cfg: DemoConfig, threads: number, log: (s: string) => void): Promise<CaptionerTrainResult> {
  const c = cfg.captioner, out = join(cfg.out, 'zoo', 'captioner');
  const config = resolveCaptionerConfig({
    data: worldDir(cfg), split: 'zoo', holdout: 'probe-test', out, model: c.model, steps: c.steps, batch: c.batch, lr: c.lr,
    warmup: Math.min(50, Math.floor(c.steps / 10)), seed: cfg.seed, device: cfg.device, threads, checkpointEvery: Math.max(1, Math.ceil(c.steps / 3)), keep: 1,
    evalImages: Math.min(100, cfg.world.probeTest), show: 3,
  });
  return runTrainCaptioner(config, { resume: listCheckpoints(join(out, 'checkpoints')).length ? 'latest' : undefined, log });
}

/**
 * The caption stage's decoding settings (beam search keeps at least 4 beams, and n of them).
 * @example captionOptions(resolveDemoConfig('quick')) // { n: 5, strategy: 'beam', beams: 5, ... }
 */
export function captionOptions(cfg: DemoConfig): Partial<CaptionOptions> {
  const c = cfg.caption;
  return { n: c.n, strategy: c.strategy, topP: c.topP, temperature: c.temperature, beams: Math.max(4, c.n), seed: cfg.seed };
}

/** Captions the web split with the trained captioner: web -> web-cap (syn.json, n per image, by the caption strategy). */
export async function captionWeb(cfg: DemoConfig, captioner: string, device: string, log: (s: string) => void): Promise<{ samples: number; imagesPerSecond: number }> {
  const cap = await loadCaptioner(captioner, { device });
  try {
    const r = await runCaption(cap, {
      in: splitDir(cfg, SPLITS.web), out: splitDir(cfg, SPLITS.captioned), batch: cfg.caption.batch, log,
      caption: captionOptions(cfg),
    });
    return { samples: r.samples, imagesPerSecond: r.imagesPerSecond };
  } finally {
    cap.dispose();
  }
}

/**
 * Grounded template captions from the experts (det + seg) for the first web shard (web-template):
 * the third caption source the zoo-quality report compares.
 */
export async function templateCaptions(cfg: DemoConfig, experts: Record<string, string>, device: string, log: (s: string) => void): Promise<{ samples: number; imagesPerSecond: number }> {
  const det = await loadExpert('det', experts.det!, { device }), seg = await loadExpert('seg', experts.seg!, { device });
  const cap = new TemplateCaptioner({ det, seg, own: true, detThreshold: cfg.label.detThreshold });
  try {
    const first = shardsIn(splitDir(cfg, SPLITS.web))[0]!;
    const r = await runCaption(cap, {
      in: [first], out: splitDir(cfg, 'web-template'), batch: cfg.caption.batch, log,
      caption: { n: cfg.caption.n, seed: cfg.seed },
    });
    return { samples: r.samples, imagesPerSecond: r.imagesPerSecond };
  } finally {
    cap.dispose();
  }
}

/** Pseudo-labels the captioned web split with the experts: web-cap -> web-zoo (hard labels, as CLIPTeX). */
export async function labelWeb(cfg: DemoConfig, experts: Record<string, string>, device: string, log: (s: string) => void): Promise<{ samples: number; imagesPerSecond: number }> {
  const loaded: Partial<Record<DenseTaskName, Expert>> = {};
  try {
    for (const [task, dir] of Object.entries(experts)) loaded[task as DenseTaskName] = await loadExpert(task as DenseTaskName, dir, { device });
    const r = await runLabel(loaded, { in: splitDir(cfg, SPLITS.captioned), out: splitDir(cfg, SPLITS.pseudo), batch: 64, log,
      thresholds: { seg: cfg.label.segThreshold, det: cfg.label.detThreshold } });
    return { samples: r.samples, imagesPerSecond: r.imagesPerSecond };
  } finally {
    for (const e of Object.values(loaded)) e.dispose();
  }
}

/**
 * The reference variant's data: the captioned web split with the world's hidden ground-truth
 * labels (from web-gt, same keys) in place of pseudo-labels: web-cap -> web-gtl.
 */
export async function truthLabels(cfg: DemoConfig, log: (s: string) => void): Promise<{ samples: number }> {
  const gtDir = splitDir(cfg, 'web-gt');
  const gt = new Map<string, Record<string, Buffer>>();
  for await (const s of readShards(shardsIn(gtDir))) {
    const fields: Record<string, Buffer> = {};
    for (const f of [...LABEL_FIELDS, 'json']) {
      const v = s.fields.get(f);
      if (v) fields[f] = Buffer.from(v);
    }
    gt.set(s.key, fields);
  }
  const r = await mapShards({
    stage: 'truth-labels', in: splitDir(cfg, SPLITS.captioned), out: splitDir(cfg, SPLITS.truth), batch: 64, adds: LABEL_FIELDS, updates: ['json'],
    settings: { source: 'web-gt' }, log,
    map: async (batch) => batch.map((s) => {
      const g = gt.get(s.key);
      if (!g) throw new Error(`demo: web-gt has no sample '${s.key}' (of ${s.shard})`);
      const out: Record<string, FieldValue> = {};
      for (const f of LABEL_FIELDS) if (g[f]) out[f] = g[f];
      // The ground truth's json carries depth_scale (and the scene); keep it whole.
      if (g.json) out.json = g.json;
      return out;
    }),
  });
  return { samples: r.samples };
}
