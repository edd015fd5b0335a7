// `zooclip demo`: a preset (quick by default) with `--set key=value` overrides and a few shortcuts.
import type { Command } from '../command.js';
import { collectSets } from '../command.js';

export const demo: Command = {
  help: 'both papers in miniature: synthesise a world, train the zoo, caption + pseudo-label, pretrain the variants (CLIP on web / quality captions, + pseudo-label heads, MAE, supervised, MCi), probe and finetune, report.html with premise checks and verdicts',
  spec: {
    preset: { type: 'string', default: 'quick', help: 'quick (under 20 minutes on 2 cores), paper (every variant, 3 pretraining seeds; under 2 hours on 2 cores), full (long CPU run or a GPU), micro (seconds; CI smoke), or a JSON file' },
    set: { type: 'string', help: 'override a config key, repeatable: --set pretrain.seeds=[0,1] --set world.web=8000' },
    out: { type: 'string', help: 'output folder (default: the preset\'s, runs/demo for quick); a rerun resumes' },
    seed: { type: 'number', help: 'seed of the world and the zoo' },
    device: { type: 'string', help: 'cpu or cuda:N (default: cuda:0 when present)' },
    'print-config': { type: 'boolean', default: false, help: 'print the resolved config and exit' },
  },
  run: async (o, argv) => {
    const sets = collectSets(argv);
    if (o.out !== undefined) sets.push(`out=${o.out as string}`);
    if (o.device !== undefined) sets.push(`device=${o.device as string}`);
    if (o.seed !== undefined) sets.push(`seed=${o.seed as number}`);
    const { resolveDemoConfig } = await import('../../stages/demo/config.js');
    const cfg = resolveDemoConfig(o.preset as string, sets);
    if (o['print-config']) { console.log(JSON.stringify(cfg, null, 2)); return; }
    const { runZooDemo } = await import('../../stages/demo/pipeline.js');
    await runZooDemo(cfg);
  },
};
