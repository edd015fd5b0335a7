// state.json of a `zooclip train` checkpoint: the fields every stage's state.json has (training/state.ts)
// plus the train-only counters, every field checked.
import { join } from 'node:path';
import { checkStage, readJsonObject, requireCounts, shown, type StageState } from '../../training/state.js';
import type { TrainConfig } from './config.js';

/** state.json of a `zooclip train` checkpoint. */
export interface TrainState extends StageState<TrainConfig> {
  /** Non-finite steps in a row at save time. */
  badInARow: number;
  /** Samples trained on so far. */
  samples: number;
  /** Why this checkpoint was written: periodic, final, or a non-finite stop. */
  reason: 'periodic' | 'final' | 'non-finite';
}

const TRAIN_REASONS: readonly string[] = ['periodic', 'final', 'non-finite'];

/**
 * Reads a `zooclip train` checkpoint's state.json, every field checked (readStageState's, plus
 * badInARow, samples and the reason). Errors name the file and the field.
 * @example const state = readState('runs/train/checkpoints/step-000300'); // state.step === 300
 */
export function readState(dir: string): TrainState {
  const path = join(dir, 'state.json');
  const raw = readJsonObject(path);
  checkStage(path, raw);
  requireCounts(path, raw, ['badInARow', 'samples']);
  if (!TRAIN_REASONS.includes(raw.reason as string)) throw new Error(`${path}: field 'reason' must be one of ${TRAIN_REASONS.join(', ')}, ${shown(raw.reason)}`);
  return raw as unknown as TrainState;
}
