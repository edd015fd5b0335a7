// The demo's report: the claims with verdicts, the main table (every variant x metric, mean ±
// spread over seeds), data-efficiency curves, zero-shot and retrieval, the zoo's quality, sample
// predictions, and the setup; as report.html through the eval report renderer, and as JSON.
import { comparisonTable, denseRow, efficiencyChart, type Block, type Cell, type ImageGridBlock, type MetricSpec, type Report, type Section, type VariantSeeds } from '../../eval/report/index.js';
import type { QualityReport } from '../../zoo/quality.js';
import { VARIANT_NAMES, type DemoConfig, type Variant } from './config.js';
import { DENSE_METRICS, probeValues, zeroShotValues, type Claim } from './claims.js';
import type { ModelEval } from './evaluate.js';
import { meanStd } from './verdict.js';
import { DENSE_TASK_NAMES } from '../../tasks/names.js';

const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;
const fmt = (xs: number[], percent: boolean): string => {
  const s = meanStd(xs);
  return percent ? `${pct(s.mean)} ± ${(100 * s.std).toFixed(1)}` : `${s.mean.toFixed(3)} ± ${s.std.toFixed(3)}`;
};

/** The table of claims: one row per compared metric, with the verdict. */
function claimBlocks(claims: readonly Claim[]): Block[] {
  return claims.flatMap((c): Block[] => {
    const percent = (metric: string): boolean => /mIoU|AP50|top-1/.test(metric);
    const table: Block = {
      kind: 'table', caption: `${c.treatment} vs ${c.baseline}`, columns: ['metric', `${c.treatment}`, `${c.baseline}`, 'gain', 'noise', 'z', 'verdict'],
      rows: c.rows.map((r): Cell[] => [r.metric, fmt(r.treatment, percent(r.metric)), fmt(r.baseline, percent(r.metric)),
        percent(r.metric) ? `${(100 * r.comparison.gain).toFixed(1)} pt` : r.comparison.gain.toFixed(3), r.comparison.noise.toFixed(3), r.comparison.z.toFixed(1), r.verdict]),
      note: `${c.note} Gain is signed so that positive = better; noise = standard error of the difference over seeds (floored per metric).`,
    };
    return [{ kind: 'verdict', claim: c.claim, verdict: c.verdict, text: c.rows.map((r) => `${r.metric}: ${r.verdict} (z ${r.comparison.z.toFixed(1)})`).join('; ') || 'no data' }, table];
  });
}

/** The main table: each variant's headline numbers (all labels), mean ± spread over seeds. */
export function mainTable(cfg: DemoConfig, evals: readonly ModelEval[]): Block {
  const top = Math.max(...cfg.eval.fractions);
  const metrics: MetricSpec[] = [
    ...DENSE_METRICS.filter((m) => cfg.eval.tasks.includes(m.task)).map((m) => ({ key: m.label, label: m.label, percent: m.percent, higherIsBetter: m.higherIsBetter })),
    { key: 'zs', label: 'zero-shot top-1', percent: true }, { key: 'ret', label: 'retrieval mean recall', percent: true },
  ];
  const variants: VariantSeeds[] = (cfg.pretrain.variants as Variant[]).map((v) => {
    const seeds: Record<string, number[]> = {};
    for (const m of DENSE_METRICS) seeds[m.label] = probeValues(evals, v, m, top);
    seeds.zs = zeroShotValues(evals, v);
    seeds.ret = evals.filter((e) => e.variant === v && e.retrieval).map((e) => e.retrieval!.meanRecall);
    return { name: `${v}: ${VARIANT_NAMES[v]}`, seeds };
  });
  return comparisonTable(`All variants, probes with ${pct(top)} of probe-train labels`, metrics, variants);
}

function efficiencyBlocks(cfg: DemoConfig, evals: readonly ModelEval[]): Block[] {
  const shares = [...cfg.eval.fractions].sort((a, b) => a - b);
  return DENSE_METRICS.filter((m) => cfg.eval.tasks.includes(m.task)).map((m) => efficiencyChart(m.label, m.label, shares.map((f) => 100 * f),
    (cfg.pretrain.variants as Variant[]).map((v) => ({ name: v, byShare: shares.map((f) => probeValues(evals, v, m, f)) })), m.percent));
}

function zeroShotBlock(cfg: DemoConfig, evals: readonly ModelEval[]): Block | null {
  const first = evals.find((e) => e.zeroShot);
  if (!first) return null;
  const tasks = Object.keys(first.zeroShot!);
  return {
    kind: 'table', caption: 'Zero-shot top-1 per task (classify split) and retrieval on probe-test', columns: ['variant', ...tasks.map((t) => `${t} (chance ${pct(first.zeroShot![t]!.chance)})`), 'i2t R@1', 't2i R@1'],
    rows: (cfg.pretrain.variants as Variant[]).map((v) => {
      const es = evals.filter((e) => e.variant === v);
      return [v, ...tasks.map((t) => fmt(es.map((e) => e.zeroShot?.[t]?.top1 ?? NaN), true)),
        fmt(es.map((e) => e.retrieval?.imageToText.r1 ?? NaN), true), fmt(es.map((e) => e.retrieval?.textToImage.r1 ?? NaN), true)];
    }),
    note: 'mean ± standard deviation over pretraining seeds.',
  };
}

function qualityBlocks(q: QualityReport | null): Block[] {
  if (!q) return [];
  const caps: Block = {
    kind: 'table', caption: 'Caption quality on the web split (against the hidden scene)', columns: ['captions', 'n', 'shape correct', 'colour correct', 'count correct', 'all claims true'],
    rows: Object.entries(q.captions).map(([name, s]) => [name, s.captions, pct(s.shapes.correct), pct(s.colours.correct), pct(s.counts.correct), pct(s.allCorrect)]),
    note: '"correct" = share of the captions stating that aspect that state it rightly.',
  };
  const labels: Block = {
    kind: 'table', caption: 'Pseudo-label quality on the web split (experts vs hidden ground truth)', columns: ['labels', 'metrics'],
    rows: Object.entries(q.labels).map(([name, s]) => [name, Object.entries(s).filter(([, v]) => typeof v === 'number').map(([k, v]) => `${k} ${(v as number).toFixed(3)}`).join(', ')]),
  };
  return [caps, labels];
}

function samplesBlock(evals: readonly ModelEval[], v: Variant): ImageGridBlock | null {
  const e = evals.find((x) => x.variant === v);
  if (!e) return null;
  const rows: ImageGridBlock['rows'] = [];
  let columns: string[] = [];
  for (const t of DENSE_TASK_NAMES.filter((x) => x !== 'det')) {  // det predictions are boxes, not maps to show
    for (const s of (e.probes.tasks[t]?.samples ?? []).slice(0, 2)) {
      const r = denseRow({ ...s, rgb: Uint8Array.from(s.rgb) });
      columns = r.columns.length > columns.length ? r.columns : columns;
      rows.push({ label: `${t} ${s.key}`, cells: r.cells });
    }
  }
  return rows.length ? { kind: 'images', title: `Probe predictions on probe-test, variant ${v}`, columns, rows } : null;
}

/** How the web split was captioned, in words: "top-p 0.9 at temperature 1", "beam search", "greedy". */
function describeDecoding(c: DemoConfig['caption']): string {
  if (c.strategy === 'sample') return `top-p ${c.topP} at temperature ${c.temperature}`;
  return c.strategy === 'beam' ? `the ${c.n} best of ${Math.max(4, c.n)} beams` : 'greedy';
}

/** The demo's report document. */
export function demoReport(cfg: DemoConfig, evals: readonly ModelEval[], claims: readonly Claim[], extra: { quality: QualityReport | null; stages: Record<string, number>; captionerHeldOut: unknown }): Report {
  const sections: Section[] = [
    { title: 'Verdicts', blocks: claimBlocks(claims) },
    { title: 'Main table', blocks: [mainTable(cfg, evals)] },
    { title: 'Data efficiency (probes on 1%, 10%, 100% of labels)', blocks: efficiencyBlocks(cfg, evals) },
  ];
  const zs = zeroShotBlock(cfg, evals);
  if (zs) sections.push({ title: 'Zero-shot and retrieval', blocks: [zs] });
  const q = qualityBlocks(extra.quality);
  if (q.length) sections.push({ title: 'The zoo: caption and pseudo-label quality', blocks: q });
  const grids = (['B', 'C'] as Variant[]).map((v) => samplesBlock(evals, v)).filter((b): b is ImageGridBlock => b !== null);
  if (grids.length) sections.push({ title: 'Sample predictions', blocks: grids });
  const setup: [string, Cell][] = [
    ['world', `${cfg.world.size}x${cfg.world.size}: zoo ${cfg.world.zoo}, web ${cfg.world.web}, probe-train ${cfg.world.probeTrain}, probe-test ${cfg.world.probeTest}, classify ${cfg.world.classify}, web caption noise ${cfg.world.noise}`],
    ['pretraining', `${cfg.pretrain.model}, ${cfg.pretrain.steps} steps x batch ${cfg.pretrain.batch}, lr ${cfg.pretrain.lr}, seeds ${cfg.pretrain.seeds.join(', ')}, captions ${cfg.pretrain.captions}, head weight ${cfg.pretrain.headWeight}`],
    ['variants', (cfg.pretrain.variants as Variant[]).map((v) => `${v} = ${VARIANT_NAMES[v]}`).join('; ')],
    ['captioner', `${cfg.captioner.model}, ${cfg.captioner.steps} steps, lr ${cfg.captioner.lr}; ${cfg.caption.n} captions per image, ${describeDecoding(cfg.caption)}`],
    ['experts', `${cfg.experts.model}, ${cfg.experts.steps} steps each`],
    ['probes', `${cfg.eval.tasks.join(', ')}; ${cfg.eval.segHead} seg head; ${cfg.eval.probeSteps} steps x batch ${cfg.eval.probeBatch}; fractions ${cfg.eval.fractions.join(', ')}; probe seeds ${cfg.eval.probeSeeds.join(', ')}`],
    ['stage seconds', Object.entries(extra.stages).map(([k, v]) => `${k} ${v.toFixed(0)}`).join(', ')],
  ];
  return { title: 'zooclip demo: both papers in miniature', subtitle: 'quality captions (DataCompDR) and model-zoo pseudo-supervision (CLIPTeX) on a synthetic world with ground truth', setup, sections };
}
