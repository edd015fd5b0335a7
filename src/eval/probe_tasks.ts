// Dense probes as `zooclip eval` tasks (seg, depth, normals, det): each trains probes on a world's
// probe-train split (all fractions and seeds asked for) and scores them on probe-test.
import { denseRow, efficiencyChart, type Block, type ImageGridBlock, type Section } from './report/index.js';
import { runDenseProbes, type TaskProbeResult } from './probe/index.js';
import { DENSE_TASKS, type DenseTaskName } from '../tasks/index.js';
import type { EvalContext, EvalTask, SummaryRow, TaskOutput } from './run.js';

/** Probe settings `zooclip eval` passes on. */
export interface ProbeSettings {
  mode: 'probe' | 'finetune';
  segHead: 'linear' | 'psp';
  fractions: number[];
  seeds: number[];
  steps: number;
}

export const DEFAULT_PROBE_SETTINGS: ProbeSettings = { mode: 'probe', segHead: 'linear', fractions: [1], seeds: [0], steps: 300 };

/** Which metrics are shown as percentages (the task table says). */
const PERCENT = new Set(Object.values(DENSE_TASKS).flatMap((t) => t.metrics.filter((m) => m.percent).map((m) => m.name)));

function sections(task: DenseTaskName, r: TaskProbeResult, s: ProbeSettings): Section[] {
  const blocks: Block[] = [{
    kind: 'table', caption: `${task} probes (${s.mode}, ${s.mode === 'probe' ? 'frozen encoder' : 'encoder finetuned'})`,
    columns: ['labels', 'images', ...r.metrics],
    rows: r.fractions.map((f) => [`${(100 * f.fraction).toFixed(f.fraction < 0.1 ? 1 : 0)}%`, f.trainImages,
      ...r.metrics.map((m) => ({ value: f.mean[m]!, spread: f.std[m], percent: PERCENT.has(m) }))]),
    note: `mean ± standard deviation over ${s.seeds.length} probe seed(s).`,
  }];
  if (r.fractions.length > 1) {
    const m = r.metrics[0]!;
    blocks.push(efficiencyChart(`${task}: ${m} vs labels`, m, r.fractions.map((f) => 100 * f.fraction), [{ name: 'this model', byShare: r.fractions.map((f) => f.runs.map((x) => x.metrics[m]!)) }], PERCENT.has(m)));
  }
  const rows = r.samples.filter((x) => x.seg || x.depth || x.normals).slice(0, 4).map((x) => ({ label: x.key, ...denseRow({ ...x, rgb: Uint8Array.from(x.rgb) }) }));
  if (rows.length) blocks.push({ kind: 'images', title: `${task} predictions on probe-test`, columns: rows[0]!.columns, rows: rows.map((x) => ({ label: x.label, cells: x.cells })) } as ImageGridBlock);
  return [{ title: `Dense probe: ${task}`, blocks }];
}

/** The eval task of one dense probe. */
export function probeTask(task: DenseTaskName): EvalTask {
  return {
    description: `${task} probe on probe-train -> probe-test (frozen features, or finetuned with --probe-mode finetune)`,
    run: async (ctx: EvalContext): Promise<TaskOutput> => {
      if (ctx.data.kind !== 'world') throw new Error(`eval: the ${task} probe needs a synthetic world with probe-train and probe-test splits, not a shard set`);
      const s = { ...DEFAULT_PROBE_SETTINGS, ...ctx.options.probe };
      const r = await runDenseProbes({
        encoder: ctx.model, data: ctx.data.root, tasks: [task], segHead: s.segHead, mode: s.mode, fractions: s.fractions, seeds: s.seeds, steps: s.steps,
        device: ctx.device, workers: ctx.options.workers, log: ctx.log,
      });
      const t = r.tasks[task]!;
      const top = t.fractions[t.fractions.length - 1]!;
      const summary: SummaryRow[] = t.metrics.map((m) => ({ task: `${task} (${(100 * top.fraction).toFixed(0)}% labels)`, metric: m, value: top.mean[m]!, percent: PERCENT.has(m) }));
      return { result: r, summary, sections: sections(task, t, s) };
    },
  };
}
