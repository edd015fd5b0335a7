// `zooclip toy`: a one-minute sanity run of a tiny CLIP on generated pairs.
import type { Command } from '../command.js';

export const toy: Command = {
  help: 'a one-minute sanity run: a tiny CLIP on generated colour/position pairs, zero-shot before and after',
  spec: {
    steps: { type: 'number', default: 150, help: 'training steps' },
    batch: { type: 'number', default: 64, help: 'batch size' },
    out: { type: 'string', default: 'runs/toy', help: 'output folder' },
    seed: { type: 'number', default: 0, help: 'random seed' },
    device: { type: 'string', help: 'cpu or cuda:N (default: cuda:0 when present)' },
  },
  run: async (o) => {
    const { runDemo } = await import('../../stages/demo/run.js');
    runDemo({ steps: o.steps as number, batch: o.batch as number, out: o.out as string, seed: o.seed as number, device: o.device as string | undefined });
  },
};
