// `zooclip synth`: renders the synthetic world into shards.
import type { Command } from '../command.js';

export const synth: Command = {
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
    const image = o.image ?? 'jpg';
    if (image !== 'jpg' && image !== 'png') throw new Error(`zooclip synth: --image must be jpg or png, got '${String(image)}'`);
    const { runSynth } = await import('../../stages/synth/run.js');
    await runSynth({
      out: o.out as string, size: o.size as number, zoo: o.zoo as number, web: o.web as number,
      probeTrain: o['probe-train'] as number, probeTest: o['probe-test'] as number, classify: o.classify as number,
      noise: o.noise as number, seed: o.seed as number, image, workers: o.workers as number | undefined,
      shardSize: o['shard-size'] as number | undefined, variants: o.variants as number | undefined,
      preview: o.preview === true, bench: (o.bench as number | undefined) ?? 0,
    });
  },
};
