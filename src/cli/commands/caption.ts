// `zooclip caption`: loads the captioner named by --model and writes quality captions into shards.
import type { Command } from '../command.js';
import { SHARD_STAGE_OPTIONS } from '../options.js';
import type { CaptionOptions } from '../../zoo/types.js';

/**
 * Runs `zooclip caption` with parsed options.
 * @example await captionCommand({ model: 'runs/captioner', in: 'data/synth/web', out: 'data/web-cap', n: 5, ... });
 */
export async function captionCommand(o: Record<string, unknown>): Promise<void> {
  if (typeof o.model !== 'string' || typeof o.in !== 'string' || typeof o.out !== 'string') throw new Error('caption: --model, --in and --out are required');
  const caption: CaptionOptions = {
    n: o.n as number, strategy: o.strategy as CaptionOptions['strategy'], topP: o['top-p'] as number, temperature: o.temperature as number,
    beams: o.beams as number, maxLength: o['max-length'] as number, seed: o.seed as number,
  };
  const { loadCaptioner } = await import('../../zoo/load.js');
  const { runCaption } = await import('../../stages/caption/run.js');
  const captioner = await loadCaptioner(o.model, { device: o.device as string | undefined });
  try {
    const r = await runCaption(captioner, { in: o.in, out: o.out, caption, batch: o.batch as number, replace: o.replace as boolean,
      rank: o.rank as number | undefined, worldSize: o['world-size'] as number | undefined,
      maxSkipRate: o['max-skip-rate'] as number, maxPixels: o['max-pixels'] as number });
    console.log(`caption: ${r.samples} of ${r.read} images (${r.skipped} skipped) in ${r.seconds.toFixed(1)} s (${r.imagesPerSecond.toFixed(1)} img/s) with ${captioner.name}; ${o.out}`);
  } finally {
    captioner.dispose();
  }
}

export const caption: Command = {
  help: 'add syn.json quality captions to shards with a captioner (zooclip, ONNX, or template over experts); resumable, rank-split',
  spec: {
    model: { type: 'string', help: 'captioner: a folder with captioner.json, an ONNX spec (*.json), or template:seg=<expert>,det=<expert>' },
    in: { type: 'string', help: 'input shards: a folder, a .txt list, or a brace spec (web/web-{000000..000009}.tar)' },
    out: { type: 'string', help: 'output folder: shards of the same names with syn.json added' },
    n: { type: 'number', default: 5, help: 'captions per image' },
    strategy: { type: 'string', default: 'sample', help: 'greedy, beam or sample' },
    'top-p': { type: 'number', default: 0.9, help: 'nucleus mass when sampling' },
    temperature: { type: 'number', default: 1, help: 'sampling temperature' },
    beams: { type: 'number', default: 4, help: 'beam width (strategy beam)' },
    'max-length': { type: 'number', default: 30, help: 'most tokens per caption' },
    batch: { type: 'number', default: 32, help: 'images per captioner call' },
    seed: { type: 'number', default: 0, help: 'sampling seed (with each key: the same captions whatever the batching)' },
    replace: { type: 'boolean', default: false, help: 'overwrite an existing syn.json (default: an error naming the shard and key)' },
    ...SHARD_STAGE_OPTIONS,
  },
  run: (o) => captionCommand(o),
};
