// The label stage: hard pseudo-labels from expert plugins (CLIPTeX), one field per task, added to
// every sample of the input shards next to its untouched fields (see src/zoo/shard_map.ts).
import type { FieldValue } from '../../data/shards/index.js';
import { mapShards, stageRunFields, type MapSample, type ShardMapResult, type StageRunOptions } from '../../zoo/shard_map.js';
import type { Expert, ExpertOutput } from '../../zoo/types.js';
import { DENSE_TASK_NAMES, DENSE_TASKS, mergeJson, type DenseTaskName } from '../../tasks/index.js';

/** Settings of {@link runLabel}. */
export interface LabelRunOptions extends StageRunOptions {
  /** Confidence thresholds by task (seg: max softmax probability, det: box score); default the expert's. */
  thresholds?: Partial<Record<DenseTaskName, number>>;
}

/** The label fields of one sample from the experts' outputs. */
function labelFields(s: MapSample, out: Partial<Record<DenseTaskName, ExpertOutput>>, experts: Partial<Record<DenseTaskName, Expert>>): Record<string, FieldValue> {
  const { width: w, height: h } = s.image;
  const f: Record<string, FieldValue> = {};
  for (const task of DENSE_TASK_NAMES) {
    const e = experts[task];
    if (!e) continue;
    if (out[task]?.[task] === undefined) throw new Error(`expert ${e.name} returned no ${task} output`);
    const spec = DENSE_TASKS[task], r = spec.write(out[task]!, w, h, e.classes);
    f[spec.field] = r.value;
    if (r.json) f.json = mergeJson(s.fields.get('json'), r.json);
  }
  return f;
}

/**
 * Labels this rank's shards with the given experts (which the caller owns and disposes).
 * @example
 * const seg = await loadExpert('seg', 'runs/expert-seg');
 * await runLabel({ seg }, { in: 'data/synth/web', out: 'data/web-labels', thresholds: { seg: 0.5 } });
 */
export async function runLabel(experts: Partial<Record<DenseTaskName, Expert>>, o: LabelRunOptions): Promise<ShardMapResult> {
  const tasks = DENSE_TASK_NAMES.filter((t) => experts[t]);
  if (tasks.length === 0) throw new Error('label: no experts (--expert seg=<model> ...)');
  for (const t of tasks) if (experts[t]!.task !== t) throw new Error(`label: expert ${experts[t]!.name} serves '${experts[t]!.task}', given as ${t}`);
  const settings = { experts: Object.fromEntries(tasks.map((t) => [t, experts[t]!.name])), thresholds: o.thresholds ?? {} };
  return mapShards({
    stage: 'label', ...stageRunFields(o), batch: o.batch ?? 16, adds: tasks.map((t) => DENSE_TASKS[t].field), updates: tasks.some((t) => DENSE_TASKS[t].updatesJson) ? ['json'] : [], settings,
    map: async (batch) => {
      const images = batch.map((s) => s.image);
      const outs: Partial<Record<DenseTaskName, ExpertOutput[]>> = {};
      for (const t of tasks) {
        const e = experts[t]!;
        const th = o.thresholds?.[t];
        const r = await e.predict(images, th !== undefined ? { threshold: th } : undefined);
        if (r.length !== images.length) throw new Error(`label: expert ${e.name} returned ${r.length} outputs for ${images.length} images`);
        outs[t] = r;
      }
      return batch.map((s, i) => {
        try {
          return labelFields(s, Object.fromEntries(tasks.map((t) => [t, outs[t]![i]])), experts);
        } catch (e) {
          throw new Error(`label: shard ${s.shard} key ${s.key}: ${(e as Error).message}`);
        }
      });
    },
  });
}
