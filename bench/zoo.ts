// `npm run bench -- zoo [--images N] [--size S]`: images/s of the model-zoo stages on synthetic
// 64x64 images (a first shard's pass warms up) with 2 threads, end to end through the stages (shard read, decode, model, encode,
// shard write): `zooclip caption` with the zooclip captioner (captioner-tiny, 5 captions, top-p
// 0.9) and `zooclip label` with all four zooclip experts (zooclip-tiny tower + each task's default
// head). Untrained weights: throughput does not depend on them. No peer (no PyTorch counterpart
// of these stages). Prints one JSON line last.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { manualSeed, setNumThreads } from '../src/engine/index.js';
import { runSynth } from '../src/stages/synth/run.js';
import { runCaption } from '../src/stages/caption/run.js';
import { runLabel } from '../src/stages/label/run.js';
import type { Captioner, Expert, DenseTaskName } from '../src/zoo/types.js';

function opt(args: string[], name: string, dflt: number): number {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : dflt;
}

/** The web split of a small world (made once per size and count, kept in the temp folder). */
async function worldFor(size: number, images: number): Promise<string> {
  const root = join(tmpdir(), `zooclip-bench-zoo-${size}-${images}-v1`);
  if (!existsSync(join(root, 'synth.json'))) {
    await runSynth({ out: root, size, zoo: 0, web: images, probeTrain: 0, probeTest: 0, classify: 0, noise: 0.5, seed: 0, bench: 0, workers: 2, shardSize: 64, log: () => {} });
  }
  return join(root, 'web');
}

/**
 * An untrained zooclip captioner of the built-in tiny size, with the output vocabulary of the
 * world's captions as `train-captioner` makes it (an untrained model rarely emits the end token, so
 * every caption runs to the maximum length: a worst case for generation speed).
 */
async function makeCaptioner(web: string): Promise<Captioner> {
  const { CoCaCaptioner, getCaptionerConfig } = await import('../src/models/captioner/index.js');
  const { ZooclipCaptioner } = await import('../src/zoo/captioner_zooclip.js');
  const { collectOutputIds } = await import('../src/stages/train_captioner/vocab.js');
  const cfg = getCaptionerConfig('captioner-tiny');
  cfg.decoder_cfg.output_ids = await collectOutputIds([join(web, 'web-000000.tar')], null, cfg.decoder_cfg.context_length);
  return new ZooclipCaptioner(new CoCaCaptioner(cfg), 'zooclip:untrained captioner-tiny');
}

/** Untrained zooclip experts of every task on the zooclip-tiny tower. */
async function makeExperts(size: number): Promise<Record<DenseTaskName, Expert>> {
  const { DenseModel, defaultHeadSpec, towerFromConfig } = await import('../src/dense/index.js');
  const { SEG_CLASSES: WORLD_CLASSES } = await import('../src/data/synth/world.js');
  const { getModelConfig } = await import('../src/models/config.js');
  const { ZooclipExpert } = await import('../src/zoo/expert_zooclip.js');
  const { OPENAI_MEAN, OPENAI_STD } = await import('../src/data/loader/augment.js');
  const cfg = getModelConfig('zooclip-tiny');
  const one = (task: DenseTaskName): Expert => {
    const model = new DenseModel(towerFromConfig(cfg), defaultHeadSpec(task, WORLD_CLASSES.length));
    const manifest = { format: 'zooclip-expert' as const, version: 1 as const, task, model: cfg, modelName: 'zooclip-tiny', head: model.spec, classes: [...WORLD_CLASSES],
      inputSize: size, mean: [...OPENAI_MEAN], std: [...OPENAI_STD], depthScale: 1, threshold: task === 'det' ? 0.3 : 0 };
    return new ZooclipExpert(model, manifest, `zooclip:untrained ${task}`);
  };
  return { seg: one('seg'), depth: one('depth'), normals: one('normals'), det: one('det') };
}

/** Runs the caption and label stages over `images` synthetic images; returns images/s of each. */
export async function benchZoo(args: string[]): Promise<void> {
  const images = opt(args, 'images', 128), size = opt(args, 'size', 64);
  setNumThreads(2);
  manualSeed(0);
  const web = await worldFor(size, images);
  const out = mkdtempSync(join(tmpdir(), 'zooclip-bench-zoo-out-'));
  const quiet = { log: () => {}, tty: false };
  try {
    const captioner = await makeCaptioner(web);
    let caption: number;
    try {
      await runCaption(captioner, { in: join(web, 'web-000000.tar'), out: join(out, 'warm-cap'), caption: { n: 5 }, batch: 32, ...quiet });
      const r = await runCaption(captioner, { in: web, out: join(out, 'cap'), caption: { n: 5, topP: 0.9, strategy: 'sample' }, batch: 32, ...quiet });
      caption = r.imagesPerSecond;
    } finally {
      captioner.dispose();
    }
    console.log(`caption: ${caption.toFixed(1)} img/s (${images} images ${size}x${size}, captioner-tiny untrained, 5 captions top-p 0.9, 2 threads)`);
    const experts = await makeExperts(size);
    let label: number;
    try {
      await runLabel(experts, { in: join(web, 'web-000000.tar'), out: join(out, 'warm-lab'), batch: 16, ...quiet });
      const r = await runLabel(experts, { in: web, out: join(out, 'lab'), batch: 16, ...quiet });
      label = r.imagesPerSecond;
    } finally {
      for (const e of Object.values(experts)) e.dispose();
    }
    console.log(`label: ${label.toFixed(1)} img/s (seg + depth + normals + det, zooclip-tiny experts untrained, 2 threads)`);
    console.log(JSON.stringify({ bench: 'zoo', caption_img_s: Math.round(caption * 10) / 10, label_img_s: Math.round(label * 10) / 10, images, size, threads: 2 }));
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}
