// Zero-shot classification on the synthetic world's classify split at the end of training: the
// tasks of classify.json through the evaluation code (src/eval/zero_shot.ts).
import { join } from 'node:path';
import type { Tensor } from '../../engine/index.js';
import type { CLIP } from '../../models/clip.js';
import { classifyTasks, zeroShotEval, type EvalBatching, type ZeroShotResult } from '../../eval/zero_shot.js';
import { shardsIn } from './data.js';

/** Accuracy of one task: top1, chance, classes and images, plus top-5, balanced accuracy and per-class recall. */
export type TaskResult = ZeroShotResult;

export { classEmbeddings } from '../../eval/zero_shot.js';

/**
 * Zero-shot accuracy per classify.json task under root (needs root/classify.json and root/classify/*.tar).
 * @example const r = await zeroShot(model, 'data/synth', (t) => tokenize(t, 77), 'cpu', { batch: 64, imageSize: 64, workers: 2 }); r.shape.top1
 */
export async function zeroShot(model: CLIP, root: string, tokenize: (t: string[]) => Tensor, device: string, o: EvalBatching): Promise<Record<string, TaskResult>> {
  const tasks = classifyTasks(root);
  return zeroShotEval(model, shardsIn(join(root, 'classify')), tasks, tokenize, device, o);
}
