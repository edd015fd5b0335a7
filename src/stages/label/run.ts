// The label stage: hard pseudo-labels from expert plugins (CLIPTeX), one field per task, added to
// every sample of the input shards next to its untouched fields (see src/zoo/shard_map.ts).
import type { FieldValue } from '../../data/shards/index.js';
import { mapShards, stageRunFields, type MapSample, type ShardMapResult, type StageRunOptions } from '../../zoo/shard_map.js';
import type { Expert, ExpertOutput, ExpertTask } from '../../zoo/types.js';
import { depthPng, detJson, mergeJson, normalPng, segPng } from './encode.js';

/** The field each task writes. */
export const TASK_FIELD: Record<ExpertTask, string> = { seg: 'seg.png', depth: 'depth.png', normals: 'normal.png', det: 'det.json' };

/** Settings of {@link runLabel}. */
export interface LabelRunOptions extends StageRunOptions {
  /** Confidence thresholds by task (seg: max softmax probability, det: box score); default the expert's. */
  thresholds?: Partial<Record<ExpertTask, number>>;
}

/** The label fields of one sample from the experts' outputs. */
function labelFields(s: MapSample, out: Partial<Record<ExpertTask, ExpertOutput>>, experts: Partial<Record<ExpertTask, Expert>>): Record<string, FieldValue> {
  const { width: w, height: h } = s.image;
  const f: Record<string, FieldValue> = {};
  const need = <T>(task: ExpertTask, v: T | undefined): T => {
    if (v === undefined) throw new Error(`expert ${experts[task]!.name} returned no ${task} output`);
    return v;
  };
  if (experts.seg) f['seg.png'] = segPng(need('seg', out.seg?.seg), w, h);
  if (experts.depth) {
    const d = depthPng(need('depth', out.depth?.depth), w, h);
    f['depth.png'] = d.png;
    f.json = mergeJson(s.fields.get('json'), { depth_scale: d.scale, depth_unit: d.scale === 0.001 ? 'mm' : 'm * depth_scale', depth_invalid: 0 });
  }
  if (experts.normals) f['normal.png'] = normalPng(need('normals', out.normals?.normals), w, h);
  if (experts.det) f['det.json'] = detJson(need('det', out.det?.det), experts.det.classes);
  return f;
}

/**
 * Labels this rank's shards with the given experts (which the caller owns and disposes).
 * @example
 * const seg = await loadExpert('seg', 'runs/expert-seg');
 * await runLabel({ seg }, { in: 'data/synth/web', out: 'data/web-labels', thresholds: { seg: 0.5 } });
 */
export async function runLabel(experts: Partial<Record<ExpertTask, Expert>>, o: LabelRunOptions): Promise<ShardMapResult> {
  const tasks = (Object.keys(TASK_FIELD) as ExpertTask[]).filter((t) => experts[t]);
  if (tasks.length === 0) throw new Error('label: no experts (--expert seg=<model> ...)');
  for (const t of tasks) if (experts[t]!.task !== t) throw new Error(`label: expert ${experts[t]!.name} serves '${experts[t]!.task}', given as ${t}`);
  const settings = { experts: Object.fromEntries(tasks.map((t) => [t, experts[t]!.name])), thresholds: o.thresholds ?? {} };
  return mapShards({
    stage: 'label', ...stageRunFields(o), batch: o.batch ?? 16, adds: tasks.map((t) => TASK_FIELD[t]), updates: experts.depth ? ['json'] : [], settings,
    map: async (batch) => {
      const images = batch.map((s) => s.image);
      const outs: Partial<Record<ExpertTask, ExpertOutput[]>> = {};
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
