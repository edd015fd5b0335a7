// The report document: a typed JSON structure that every report (zooclip eval, the demo) fills
// and one renderer turns into a self-contained HTML page. Dense evaluations plug in as sections
// of tables, charts and image grids; nothing here knows which task produced them.

/** A number shown with its seeds' spread, e.g. 41.2 ± 0.8. */
export interface MetricCell {
  value: number;
  /** Shown as ± spread (e.g. the seeds' standard deviation). */
  spread?: number;
  /** Decimals (default 3, or 1 with percent). */
  digits?: number;
  /** Show value x 100 with a % sign. */
  percent?: boolean;
  /** Emphasise (the best of a column). */
  best?: boolean;
}

/** A table cell: text, a plain number, a metric, or empty. */
export type Cell = string | number | null | MetricCell;

/** A table with a header row. */
export interface TableBlock {
  kind: 'table';
  caption?: string;
  columns: string[];
  rows: Cell[][];
  /** A line under the table (how to read it, what the spread is). */
  note?: string;
}

/** A value with an optional error bar from lo to hi. */
export interface Interval { y: number; lo?: number; hi?: number }

/** A point of a line chart. */
export interface Point extends Interval { x: number }

/** A line chart: one line per series (e.g. metric vs % of labels, one line per model variant). */
export interface LineChartBlock {
  kind: 'line';
  title: string;
  xLabel: string;
  yLabel: string;
  /** 'log' for data-efficiency axes such as 1%, 10%, 100% (default linear). */
  xScale?: 'linear' | 'log';
  /** Show y as percent (y x 100). */
  yPercent?: boolean;
  series: { name: string; points: Point[] }[];
  note?: string;
}

/** A bar chart: a group of bars per category, one bar per series, each with an optional error bar. */
export interface BarChartBlock {
  kind: 'bar';
  title: string;
  yLabel: string;
  yPercent?: boolean;
  categories: string[];
  series: { name: string; values: (Interval | null)[] }[];
  note?: string;
}

/** One image of a grid: a data URI (PNG or JPEG, base64) and an optional caption. */
export interface ImageCell { uri: string; caption?: string }

/** Rows of images under column headings (input, prediction, ground truth, ...). */
export interface ImageGridBlock {
  kind: 'images';
  title?: string;
  columns: string[];
  rows: { label: string; cells: (ImageCell | null)[] }[];
  /** Displayed side of each image in CSS pixels (default 128; small images are scaled up crisply). */
  size?: number;
  note?: string;
}

/** The outcome of a claim. */
export type VerdictKind = 'reproduced' | 'not reproduced' | 'inconclusive' | 'premise not met';

/** A claim and its plain verdict, with the reasoning. */
export interface VerdictBlock { kind: 'verdict'; claim: string; verdict: VerdictKind; text: string }

/** Paragraphs of text (separated by blank lines). */
export interface TextBlock { kind: 'text'; text: string }

/** Anything a section can hold. */
export type Block = TableBlock | LineChartBlock | BarChartBlock | ImageGridBlock | VerdictBlock | TextBlock;

/** A titled part of the report. */
export interface Section { title: string; blocks: Block[] }

/** The whole report. */
export interface Report {
  title: string;
  /** A line under the title. */
  subtitle?: string;
  /** Setup table at the top: [name, value] pairs (model, data, device, seeds, ...). */
  setup?: [string, Cell][];
  sections: Section[];
  /** When it was made (ISO time; default now). */
  created?: string;
}
