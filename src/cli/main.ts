#!/usr/bin/env node
// The `zooclip` command line: one small function per command.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { helpFor, parseArgs, type OptionSpec } from './args.js';
import { DENSE_TASK_NAMES } from '../tasks/names.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;

const TOY: Record<string, OptionSpec> = {
  steps: { type: 'number', default: 150, help: 'training steps' },
  batch: { type: 'number', default: 64, help: 'batch size' },
  out: { type: 'string', default: 'runs/toy', help: 'output folder' },
  seed: { type: 'number', default: 0, help: 'random seed' },
  device: { type: 'string', help: 'cpu or cuda:N (default: cuda:0 when present)' },
};

const DEMO: Record<string, OptionSpec> = {
  preset: { type: 'string', default: 'quick', help: 'quick (under 15 minutes on 2 cores), full (long CPU run or a GPU), micro (seconds; CI smoke), or a JSON file' },
  set: { type: 'string', help: 'override a config key, repeatable: --set pretrain.seeds=[0,1] --set world.web=8000' },
  out: { type: 'string', help: 'output folder (default: the preset\'s, runs/demo for quick); a rerun resumes' },
  seed: { type: 'number', help: 'seed of the world and the zoo' },
  device: { type: 'string', help: 'cpu or cuda:N (default: cuda:0 when present)' },
  'print-config': { type: 'boolean', default: false, help: 'print the resolved config and exit' },
};

const COMMANDS: Record<string, { help: string; spec: Record<string, OptionSpec>; run: (o: Record<string, unknown>) => Promise<void> }> = {
  demo: {
    help: 'both papers in miniature: synthesise a world, train the zoo, caption + pseudo-label, pretrain 5 variants, probe, report.html with verdicts',
    spec: DEMO,
    run: async (o) => {
      const { demoCommand } = await import('../stages/demo/command.js');
      await demoCommand(o, process.argv.slice(3));
    },
  },
  toy: {
    help: 'a one-minute sanity run: a tiny CLIP on generated colour/position pairs, zero-shot before and after',
    spec: TOY,
    run: async (o) => {
      const { runDemo } = await import('../stages/demo/run.js');
      runDemo({ steps: o.steps as number, batch: o.batch as number, out: o.out as string, seed: o.seed as number, device: o.device as string | undefined });
    },
  },
  import: {
    help: 'pack a folder of captioned images (sidecar .txt or a CSV/TSV/JSONL table) into WebDataset shards; resumable',
    spec: {
      in: { type: 'string', help: 'folder of images (table paths are relative to it)' },
      out: { type: 'string', help: 'output folder for the shards and their manifest' },
      captions: { type: 'string', help: 'caption table (.csv, .tsv, .jsonl) with path and caption columns; default: sidecar .txt files' },
      prefix: { type: 'string', default: 'data', help: 'shard name prefix' },
      'shard-size': { type: 'number', default: 1000, help: 'samples per shard' },
      'max-skip-rate': { type: 'number', default: 0.05, help: 'fail when more than this share of the images are skipped (bad, undecodable, uncaptioned)' },
      'max-pixels': { type: 'number', default: 89478485, help: 'pixel budget: images declaring more pixels are skipped as image-too-large' },
    },
    run: async (o) => {
      const { importCommand } = await import('../stages/import/command.js');
      await importCommand(o);
    },
  },
  synth: {
    help: 'render the synthetic world (exact depth, normals, masks, boxes; quality and web captions) into shards',
    spec: {
      out: { type: 'string', default: 'data/synth', help: 'output folder' },
      size: { type: 'number', default: 64, help: 'image side in pixels (224 works)' },
      zoo: { type: 'number', default: 200, help: 'labelled samples for experts and the captioner (demo: 2000)' },
      web: { type: 'number', default: 2000, help: 'image + web caption samples; their labels go to web-gt/ (demo: 20000)' },
      'probe-train': { type: 'number', default: 200, help: 'labelled samples to train dense probes (demo: 2000)' },
      'probe-test': { type: 'number', default: 100, help: 'labelled held-out samples for probes (demo: 1000)' },
      classify: { type: 'number', default: 200, help: 'zero-shot samples, tasks in classify.json (demo: 1000)' },
      noise: { type: 'number', default: 0.5, help: 'web caption noise in [0, 1]: how often each corruption happens' },
      seed: { type: 'number', default: 0, help: 'random seed (same seed, same bytes)' },
      image: { type: 'string', default: 'jpg', help: 'image field: jpg or png' },
      workers: { type: 'number', help: 'worker threads (default: core count, at most 8)' },
      'shard-size': { type: 'number', default: 1000, help: 'samples per shard' },
      variants: { type: 'number', default: 6, help: 'quality caption variants per image (syn.json)' },
      preview: { type: 'boolean', default: false, help: 'also write preview.png, a contact sheet of a few samples' },
      bench: { type: 'number', default: 200, help: 'images to time at 64x64 (a quarter as many at 224x224); 0 skips' },
    },
    run: async (o) => {
      const { synthCommand } = await import('../stages/synth/command.js');
      await synthCommand(o);
    },
  },
  train: {
    help: 'train CLIP on shards (preset + --set key=value overrides), checkpoints, resume, zero-shot eval at the end',
    spec: {
      preset: { type: 'string', default: 'tiny-synth', help: 'preset name (src/stages/train/presets) or a JSON file' },
      set: { type: 'string', help: 'override a config key, repeatable: --set optim.lr=1e-3 --set data.captions=synthetic' },
      resume: { type: 'string', help: (await import('../stages/train/command.js')).RESUME_HELP },
      'print-config': { type: 'boolean', default: false, help: 'print the resolved config and exit' },
      nproc: { type: 'number', default: 1, help: 'data parallel: local processes (data.batch is split across them); torchrun variables also work' },
    },
    run: async (o) => {
      const { trainCommand } = await import('../stages/train/command.js');
      await trainCommand(o, process.argv.slice(3));
    },
  },
  'train-expert': {
    help: `train a dense expert (tower + ${DENSE_TASK_NAMES.join('/')} head) on a labelled split; writes <out>/expert, scores it on probe-test`,
    spec: (await import('../stages/expert/command.js')).EXPERT_OPTIONS,
    run: async (o) => (await import('../stages/expert/command.js')).trainExpertCommand(o),
  },
  'train-captioner': {
    help: 'train the CoCa-style captioner on a split\'s quality captions; writes <out>/captioner, captions held-out images',
    spec: (await import('../stages/captioner/command.js')).CAPTIONER_OPTIONS,
    run: async (o) => {
      const { trainCaptionerCommand } = await import('../stages/captioner/command.js');
      await trainCaptionerCommand(o);
    },
  },
  eval: {
    help: 'evaluate a checkpoint, run, open_clip folder or random init: zero-shot, retrieval (and dense probes); writes eval.json and report.html',
    spec: (await import('../eval/command.js')).EVAL_SPEC,
    run: async (o) => {
      const { evalCommand } = await import('../eval/command.js');
      await evalCommand(o);
    },
  },
  caption: {
    help: 'add syn.json quality captions to shards with a captioner (zooclip, ONNX, or template over experts); resumable, rank-split',
    spec: (await import('../stages/caption/command.js')).CAPTION_OPTIONS,
    run: async (o) => (await import('../stages/caption/command.js')).captionCommand(o),
  },
  label: {
    help: 'add hard pseudo-labels (seg.png, depth.png, normal.png, det.json) to shards with experts; resumable, rank-split',
    spec: (await import('../stages/label/command.js')).LABEL_OPTIONS,
    run: async (o) => (await import('../stages/label/command.js')).labelCommand(o, process.argv.slice(3)),
  },
  'zoo-quality': {
    help: 'score captions (shapes/colours/counts) and pseudo-labels (mIoU, depth RMSE, normals, AP50) against the world\'s web-gt',
    spec: {
      gt: { type: 'string', help: 'ground-truth shards (the synthetic world\'s web-gt folder)' },
      captions: { type: 'string', help: 'name=<shards> with syn.json, repeatable (web and ground-truth quality captions are always scored)' },
      labels: { type: 'string', help: 'name=<shards> with pseudo-labels, repeatable' },
      out: { type: 'string', default: 'zoo-quality.json', help: 'report file (JSON)' },
      limit: { type: 'number', help: 'score at most this many samples per set' },
    },
    run: async (o) => (await import('../zoo/quality.js')).qualityCommand(o, process.argv.slice(3)),
  },
  info: {
    help: 'print the engine build: libtorch version, threads, BLAS, CUDA devices',
    spec: {},
    run: async () => {
      const e = await import('../engine/index.js');
      const b = e.buildInfo();
      console.log(JSON.stringify({ zooclip: version, torch: b.torchVersion, cudaBuild: b.cuda, cudaDevices: e.cudaDeviceCount(), threads: e.getNumThreads(), blas: e.loadedBlas() }, null, 2));
    },
  },
};

function usage(): string {
  const cmds = Object.entries(COMMANDS).map(([n, c]) => `  ${n.padEnd(10)} ${c.help}`).join('\n');
  return `zooclip ${version}: CLIP pretraining for dense vision tasks, on libtorch\n\nUsage: zooclip <command> [options]\n\nCommands:\n${cmds}\n\nOptions: --help, --version; zooclip <command> --help for a command's options.`;
}

async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  if (!cmd || cmd === '--help' || cmd === '-h' || cmd === 'help') { console.log(usage()); return 0; }
  if (cmd === '--version' || cmd === '-v') { console.log(version); return 0; }
  const c = COMMANDS[cmd];
  if (!c) { console.error(`zooclip: unknown command '${cmd}'\n\n${usage()}`); return 2; }
  if (rest.includes('--help')) { console.log(`zooclip ${cmd}: ${c.help}\n\n${helpFor(c.spec)}`); return 0; }
  await c.run(parseArgs(rest, c.spec, `zooclip ${cmd}`));
  return 0;
}

// A command whose promise never settles (a lost worker, a callback never called) would let the
// event loop empty and the process exit 0 with nothing written: report it and exit 1 instead.
let settled = false;
process.on('beforeExit', () => {
  if (settled) return;
  settled = true;
  console.error(`zooclip ${process.argv[2] ?? ''}: stopped before the command finished (its work ended without a result: a lost worker or an unanswered job); treat its output as incomplete`);
  process.exitCode = 1;
});

main(process.argv.slice(2)).then((code) => { settled = true; process.exitCode = code; }, (e: Error) => {
  settled = true;
  console.error(`zooclip: ${e.message}`);
  process.exitCode = 1;
});
