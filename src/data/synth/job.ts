// One unit of synth work, the same in a worker thread and in-process: make a sample, encode it, and
// keep the few labels the classify split needs.
import { encodeSample, type EncodedSample, type EncodeOptions } from './encode.js';
import { makeSample, type SampleSpec } from './make_sample.js';

/** What a worker is asked to do. */
export interface SynthJob {
  spec: SampleSpec;
  encode: EncodeOptions;
}

/** Per-image labels of the zero-shot tasks. */
export interface TaskLabels {
  key: string;
  /** Object count. */
  count: number;
  /** Shape and colour of the object covering the most pixels. */
  shape: string;
  colour: string;
  /** That object's share of all object pixels, in [0, 1]. */
  mainShare: number;
}

/** A finished job: the encoded fields and the task labels. */
export interface SynthResult {
  encoded: EncodedSample;
  labels: TaskLabels;
}

/**
 * Makes and encodes one sample.
 * @example const r = await runJob({ spec: { seed: 0, split: 'zoo', index: 0, size: 64, noise: 0.5 }, encode: { image: 'png', layout: 'labelled' } });
 */
export async function runJob(job: SynthJob): Promise<SynthResult> {
  const s = makeSample(job.spec);
  const encoded = await encodeSample(s, job.encode);
  const main = s.scene.objects[Math.max(0, s.main)]!;
  const total = s.visible.reduce((a, b) => a + b, 0);
  return {
    encoded,
    labels: { key: s.key, count: s.scene.objects.length, shape: main.shape, colour: main.colour, mainShare: total > 0 ? Math.round((s.visible[s.main] ?? 0) / total * 1e4) / 1e4 : 0 },
  };
}
