// Run metrics: one JSON line per logged step in metrics.jsonl, and a progress line for people
// (rewritten in place on a TTY, plain lines otherwise).
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { parseJsonText } from '../config/json_file.js';
import { writeFileAtomic } from '../io/atomic.js';

/** One metrics.jsonl line. */
export interface MetricsLine {
  step: number;
  /** Losses by part (total, contrastive or real/synthetic, distill, task heads), unweighted. */
  loss: Record<string, number>;
  /** Per task head: labelled samples per micro-batch in this step (mean over micro-batches). */
  labelled?: Record<string, number>;
  lr: number;
  /** exp(logit_scale) and its inverse, the temperature. */
  logitScale: number;
  temperature: number;
  imagesPerSec: number;
  stepMs: number;
  rssMB: number;
  /** Non-finite steps skipped so far. */
  skipped: number;
}

/**
 * Reads metrics.jsonl (missing file = no lines); a bad line is an error naming the file and line.
 * A last line without its newline that does not parse is an append a crash cut short, and dropped.
 * @example readMetrics('runs/tiny/metrics.jsonl').at(-1)?.step
 */
export function readMetrics(path: string): MetricsLine[] {
  if (!existsSync(path)) return [];
  const lines = readFileSync(path, 'utf8').split('\n');
  const out: MetricsLine[] = [];
  lines.forEach((l, i) => {
    if (!l.trim()) return;
    try {
      out.push(parseJsonText(l, `metrics ${path} line ${i + 1}`) as MetricsLine);
    } catch (e) {
      if (i < lines.length - 1) throw e;
    }
  });
  return out;
}

/** Appends metrics lines; on resume, first drops the lines after the checkpoint's step (written after it, before a crash). */
export class MetricsLog {
  constructor(readonly path: string, resumedAt?: number) {
    if (resumedAt !== undefined) {
      const kept = readMetrics(path).filter((m) => m.step <= resumedAt);
      writeFileAtomic(path, kept.map((m) => JSON.stringify(m) + '\n').join(''));
    } else {
      writeFileAtomic(path, '');
    }
  }

  /** Appends one line. */
  write(m: MetricsLine): void {
    appendFileSync(this.path, JSON.stringify(m) + '\n');
  }
}

function duration(s: number): string {
  if (!Number.isFinite(s)) return '?';
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = Math.floor(s % 60);
  return h ? `${h}h${String(m).padStart(2, '0')}m` : m ? `${m}m${String(sec).padStart(2, '0')}s` : `${sec}s`;
}

/** Progress reporting: rate and ETA, in place on a TTY. */
export class Progress {
  private readonly tty: boolean;
  constructor(private readonly total: number, private readonly log: (s: string) => void, tty = process.stdout.isTTY === true) {
    this.tty = tty;
  }

  /** Reports a logged step; `rate` in images/s and `stepsPerSec` for the ETA. */
  update(m: MetricsLine, stepsPerSec: number): void {
    const eta = (this.total - m.step) / stepsPerSec;
    const parts = Object.entries(m.loss).map(([k, v]) => `${k} ${v.toFixed(4)}`).join('  ');
    const line = `step ${m.step}/${this.total}  ${parts}  lr ${m.lr.toExponential(2)}  ${Number.isFinite(m.logitScale) ? `scale ${m.logitScale.toFixed(2)}  ` : ''}${m.imagesPerSec.toFixed(0)} img/s  ${m.stepMs.toFixed(0)} ms/step  ETA ${duration(eta)}${m.skipped ? `  skipped ${m.skipped}` : ''}`;
    if (this.tty) process.stdout.write(`\r\x1b[K${line}`);
    else this.log(line);
  }

  /** Ends the in-place line (TTY). */
  done(): void {
    if (this.tty) process.stdout.write('\n');
  }
}
