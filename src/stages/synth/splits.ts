// The splits `zooclip synth` writes, each with its own random stream (seed + split + index):
//   zoo          labelled: everything (trains the experts and the captioner)
//   web          image + web caption only; its ground truth goes to the parallel `web-gt` set
//   probe-train  labelled, for frozen-encoder dense probes
//   probe-test   labelled, held out
//   classify     labelled, plus classify.json with zero-shot tasks (shape, colour, count)
import type { EncodeOptions } from '../../data/synth/encode.js';

/** How many samples each split gets. */
export interface SplitCounts {
  zoo: number;
  web: number;
  probeTrain: number;
  probeTest: number;
  classify: number;
}

/** One split to write. */
export interface SplitPlan {
  /** Split name: the key prefix, the shard prefix and the folder under --out. */
  name: string;
  count: number;
  layout: EncodeOptions['layout'];
  /** Prefix of the ground-truth sidecar set (web only). */
  gtPrefix?: string;
}

/** The splits in writing order (empty ones dropped). */
export function planSplits(c: SplitCounts): SplitPlan[] {
  const all: SplitPlan[] = [
    { name: 'zoo', count: c.zoo, layout: 'labelled' },
    { name: 'web', count: c.web, layout: 'web', gtPrefix: 'web-gt' },
    { name: 'probe-train', count: c.probeTrain, layout: 'labelled' },
    { name: 'probe-test', count: c.probeTest, layout: 'labelled' },
    { name: 'classify', count: c.classify, layout: 'labelled' },
  ];
  for (const s of all) if (!(Number.isInteger(s.count) && s.count >= 0)) throw new Error(`zooclip synth: --${s.name} must be a whole number >= 0, got ${s.count}`);
  return all.filter((s) => s.count > 0);
}
