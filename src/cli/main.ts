#!/usr/bin/env node
// The `zooclip` command line: one small function per command.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { helpFor, parseArgs, type OptionSpec } from './args.js';

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
  out: { type: 'string', default: 'runs/demo', help: 'output folder (the world, the run, demo.json); a rerun resumes' },
  steps: { type: 'number', default: 300, help: 'training steps' },
  size: { type: 'number', default: 64, help: 'image side of the world and the model' },
  web: { type: 'number', default: 4000, help: 'web split images (image + alt-text caption)' },
  classify: { type: 'number', default: 400, help: 'zero-shot classify split images' },
  preset: { type: 'string', default: 'tiny-synth', help: 'train preset (model, optimiser)' },
  seed: { type: 'number', default: 0, help: 'random seed' },
  device: { type: 'string', help: 'cpu or cuda:N (default: cuda:0 when present)' },
};

const COMMANDS: Record<string, { help: string; spec: Record<string, OptionSpec>; run: (o: Record<string, unknown>) => Promise<void> }> = {
  demo: {
    help: 'synthesise a small 3-D world, train a tiny CLIP on its web captions, report zero-shot accuracy vs chance',
    spec: DEMO,
    run: async (o) => {
      const { runWorldDemo } = await import('../stages/demo/world_demo.js');
      await runWorldDemo({ out: o.out as string, steps: o.steps as number, size: o.size as number, web: o.web as number, classify: o.classify as number,
        preset: o.preset as string, seed: o.seed as number, device: o.device as string | undefined });
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
      resume: { type: 'string', help: "continue from a checkpoint folder, or 'latest' under run.out/checkpoints" },
      'print-config': { type: 'boolean', default: false, help: 'print the resolved config and exit' },
      nproc: { type: 'number', default: 1, help: 'data parallel: local processes (data.batch is split across them); torchrun variables also work' },
    },
    run: async (o) => {
      const { trainCommand } = await import('../stages/train/command.js');
      await trainCommand(o, process.argv.slice(3));
    },
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

main(process.argv.slice(2)).then((code) => { process.exitCode = code; }, (e: Error) => {
  console.error(`zooclip: ${e.message}`);
  process.exitCode = 1;
});
