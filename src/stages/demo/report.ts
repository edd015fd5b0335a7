// The demo's report: the claims with verdicts, the main table (every variant x metric, mean ±
// spread over seeds), data-efficiency curves, zero-shot and retrieval, the zoo's quality, sample
// predictions, and the setup; as report.html through the eval report renderer, and as JSON.
import {
  captionQualityTable, comparisonTable, denseRow, efficiencyChart, formatMeanStd, formatNumber, formatPercent, nestedMetricsTable, type Block, type NestedMetricColumn, type Cell, type ImageGridBlock, type MetricSpec, type Report, type Section, type VariantSeeds,
} from '../../eval/report/index.js';
import type { QualityReport } from '../../zoo/quality.js';
import { VARIANT_NAMES, type DemoConfig, type Variant } from './config.js';
import { DENSE_METRICS, probeValues, zeroShotValues, type Claim, type Protocol } from './claims.js';
import type { Premise } from './premises.js';
import type { ModelEval } from './evaluate.js';
import { DENSE_TASK_NAMES } from '../../tasks/names.js';

// Every number goes through the report's formatters: a missing value reads 'n/a', never NaN.
const pct = (x: number | null | undefined): string => formatPercent(x);
const fmt = (xs: number[], percent: boolean): string => formatMeanStd(xs, percent);

/** The table of claims: one row per compared metric, with the verdict. */
function claimBlocks(claims: readonly Claim[]): Block[] {
  return claims.flatMap((c): Block[] => {
    const percent = (metric: string): boolean => /mIoU|AP50|top-1/.test(metric);
    const table: Block = {
      kind: 'table', caption: `${c.treatment} vs ${c.baseline}`, columns: ['metric', `${c.treatment}`, `${c.baseline}`, 'gain', 'noise', 'z', 'verdict'],
      rows: c.rows.map((r): Cell[] => [r.metric, fmt(r.treatment, percent(r.metric)), fmt(r.baseline, percent(r.metric)),
        percent(r.metric) ? `${formatNumber(100 * r.comparison.gain, 1)} pt` : formatNumber(r.comparison.gain), formatNumber(r.comparison.noise), formatNumber(r.comparison.z, 1), r.verdict]),
      note: `${c.note} Gain is signed so that positive = better; noise = standard error of the difference over seeds (floored per metric).`,
    };
    const rowsText = c.rows.map((r) => `${r.metric}: ${r.verdict} (z ${formatNumber(r.comparison.z, 1)})`).join('; ') || 'no data';
    const paper = c.paper === 1 ? 'Paper 1 (quality captions), finetuned' : c.paper === 2 ? `Paper 2 (CLIPTeX), ${c.protocol === 'zero-shot' ? 'zero-shot' : 'frozen probes'}` : 'Reference';
    const text = `${paper} [${c.id}]. ${c.unmet.length ? `Premise not met: ${c.unmet.join(', ')} (see the premise checks above). Measured anyway: ` : ''}${rowsText}`;
    return [{ kind: 'verdict', claim: c.claim, verdict: c.verdict, text }, table];
  });
}

/** The premise checks, printed above the verdicts. */
function premiseBlock(premises: readonly Premise[]): Block {
  return { kind: 'table', caption: 'Premise checks (a claim whose premise fails reads "premise not met")', columns: ['premise', 'met', 'figures'],
    rows: premises.map((p): Cell[] => [p.text, p.met ? 'yes' : 'NO', p.detail]) };
}

const protocolTasks = (cfg: DemoConfig, p: Protocol): string[] => (p === 'probes' ? cfg.eval.tasks : cfg.eval.finetune.tasks);
const protocolFractions = (cfg: DemoConfig, p: Protocol): number[] => (p === 'probes' ? cfg.eval.fractions : cfg.eval.finetune.fractions);
const protocolName = (p: Protocol): string => (p === 'probes' ? 'frozen-encoder probes' : 'encoder + head finetuned');

/** The main table: each variant's headline numbers (all labels) under one protocol, mean ± spread over seeds. */
export function mainTable(cfg: DemoConfig, evals: readonly ModelEval[], protocol: Protocol = 'probes'): Block {
  const top = Math.max(...protocolFractions(cfg, protocol));
  const metrics: MetricSpec[] = [
    ...DENSE_METRICS.filter((m) => protocolTasks(cfg, protocol).includes(m.task)).map((m) => ({ key: m.label, label: m.label, percent: m.percent, higherIsBetter: m.higherIsBetter })),
    { key: 'zs', label: 'zero-shot top-1', percent: true }, { key: 'ret', label: 'retrieval mean recall', percent: true },
  ];
  const variants: VariantSeeds[] = (cfg.pretrain.variants as Variant[]).map((v) => {
    const seeds: Record<string, number[]> = {};
    for (const m of DENSE_METRICS) seeds[m.label] = probeValues(evals, v, m, top, protocol);
    seeds.zs = zeroShotValues(evals, v);
    seeds.ret = evals.filter((e) => e.variant === v && e.retrieval).map((e) => e.retrieval!.meanRecall);
    return { name: `${v}: ${VARIANT_NAMES[v]}`, seeds };
  });
  return comparisonTable(`All variants, ${protocolName(protocol)} with ${pct(top)} of probe-train labels`, metrics, variants);
}

function efficiencyBlocks(cfg: DemoConfig, evals: readonly ModelEval[], protocol: Protocol): Block[] {
  const shares = [...protocolFractions(cfg, protocol)].sort((a, b) => a - b);
  return DENSE_METRICS.filter((m) => protocolTasks(cfg, protocol).includes(m.task)).map((m) => efficiencyChart(`${m.label} (${protocolName(protocol)})`, m.label, shares.map((f) => 100 * f),
    (cfg.pretrain.variants as Variant[]).map((v) => ({ name: v, byShare: shares.map((f) => probeValues(evals, v, m, f, protocol)) })), m.percent));
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

/** The pseudo-label metrics the zoo-quality table shows (zoo-quality.json: labels.<source>.<task>.<metric>). */
const LABEL_COLUMNS: NestedMetricColumn[] = [
  { group: 'seg', key: 'miou', label: 'seg mIoU', percent: true, higherIsBetter: true },
  { group: 'seg', key: 'pixelAccuracy', label: 'seg pixel acc', percent: true, higherIsBetter: true },
  { group: 'depth', key: 'rmse', label: 'depth RMSE (m)', higherIsBetter: false },
  { group: 'depth', key: 'absRel', label: 'depth absRel', higherIsBetter: false },
  { group: 'depth', key: 'delta1', label: 'depth δ<1.25', percent: true, higherIsBetter: true },
  { group: 'normals', key: 'mean', label: 'normals mean angle (°)', digits: 1, higherIsBetter: false },
  { group: 'normals', key: 'within11', label: 'normals within 11.25°', percent: true, higherIsBetter: true },
  { group: 'det', key: 'ap', label: 'det AP', percent: true, higherIsBetter: true },
  { group: 'det', key: 'ap50', label: 'det AP50', percent: true, higherIsBetter: true },
];

function qualityBlocks(q: QualityReport | null): Block[] {
  if (!q) return [];
  const caps = captionQualityTable('Caption quality on the web split (against the hidden scene)', q.captions);
  const labels: Block = {
    ...nestedMetricsTable('Pseudo-label quality on the web split (experts vs hidden ground truth)', 'labels', q.labels as unknown as Record<string, Record<string, unknown>>, LABEL_COLUMNS, 'samples'),
    note: 'each expert\'s labels scored against the web split\'s hidden ground truth with the probes\' metrics; n/a = the source has no labels of that task.',
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
export function demoReport(cfg: DemoConfig, evals: readonly ModelEval[], claims: readonly Claim[], extra: { quality: QualityReport | null; stages: Record<string, number>; premises?: readonly Premise[]; captionerHeldOut: unknown }): Report {
  const finetuned = evals.some((e) => e.finetune);
  const sections: Section[] = [
    { title: 'Verdicts', blocks: [...(extra.premises?.length ? [premiseBlock(extra.premises)] : []), ...claimBlocks(claims)] },
    { title: 'Main tables', blocks: [...(finetuned ? [mainTable(cfg, evals, 'finetune')] : []), mainTable(cfg, evals, 'probes')] },
    ...(finetuned ? [{ title: 'Data efficiency, finetuned (the first paper\'s protocol)', blocks: efficiencyBlocks(cfg, evals, 'finetune') }] : []),
    { title: 'Data efficiency, frozen probes (the second paper\'s protocol)', blocks: efficiencyBlocks(cfg, evals, 'probes') },
  ];
  const zs = zeroShotBlock(cfg, evals);
  if (zs) sections.push({ title: 'Zero-shot and retrieval', blocks: [zs] });
  const q = qualityBlocks(extra.quality);
  if (q.length) sections.push({ title: 'The zoo: caption and pseudo-label quality', blocks: q });
  const grids = (['B', 'C'] as Variant[]).map((v) => samplesBlock(evals, v)).filter((b): b is ImageGridBlock => b !== null);
  if (grids.length) sections.push({ title: 'Sample predictions', blocks: grids });
  const setup: [string, Cell][] = [
    ['world', `${cfg.world.size}x${cfg.world.size}: zoo ${cfg.world.zoo}, web ${cfg.world.web}, probe-train ${cfg.world.probeTrain}, probe-test ${cfg.world.probeTest}, classify ${cfg.world.classify}, web caption noise ${cfg.world.noise}`],
    ['pretraining', `${cfg.pretrain.model} (mobile pair: ${cfg.pretrain.mobileModel}), ${cfg.pretrain.steps} steps x batch ${cfg.pretrain.batch}, lr ${cfg.pretrain.lr}, seeds ${cfg.pretrain.seeds.join(', ')}, captions ${cfg.pretrain.captions}, head weight ${cfg.pretrain.headWeight}`],
    ['variants', (cfg.pretrain.variants as Variant[]).map((v) => `${v} = ${VARIANT_NAMES[v]}`).join('; ')],
    ['captioner', `${cfg.captioner.model}, ${cfg.captioner.steps} steps, lr ${cfg.captioner.lr}; ${cfg.caption.n} captions per image, ${describeDecoding(cfg.caption)}`],
    ['experts', `${cfg.experts.model}, ${cfg.experts.steps} steps each`],
    ['probes', `${cfg.eval.tasks.join(', ')}; ${cfg.eval.segHead} seg head; ${cfg.eval.probeSteps} steps x batch ${cfg.eval.probeBatch}; fractions ${cfg.eval.fractions.join(', ')}; probe seeds ${cfg.eval.probeSeeds.join(', ')}`],
    ['finetuning', `${cfg.eval.finetune.tasks.join(', ')}; ${cfg.eval.finetune.steps} steps x batch ${cfg.eval.finetune.batch}, head lr ${cfg.eval.finetune.lr}, tower lr x ${cfg.eval.finetune.towerLrScale}, layer decay ${cfg.eval.finetune.layerDecay}; fractions ${cfg.eval.finetune.fractions.join(', ')}; seeds ${cfg.eval.finetune.seeds.join(', ')}`],
    ['stage seconds', Object.entries(extra.stages).map(([k, v]) => `${k} ${v.toFixed(0)}`).join(', ')],
  ];
  return { title: 'zooclip demo: both papers in miniature', subtitle: 'quality captions (DataCompDR) and model-zoo pseudo-supervision (CLIPTeX) on a synthetic world with ground truth', setup, sections };
}
