// A progress line for data stages: done / total, items per second and ETA, rewritten in place on
// a TTY and printed every few seconds otherwise.

/** Formats seconds as "1h02m", "3m05s" or "7s" ('?' when unknown). */
export function formatDuration(s: number): string {
  if (!Number.isFinite(s) || s < 0) return '?';
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = Math.floor(s % 60);
  return h ? `${h}h${String(m).padStart(2, '0')}m` : m ? `${m}m${String(sec).padStart(2, '0')}s` : `${sec}s`;
}

/** Options of {@link RateProgress}. */
export interface RateProgressOptions {
  /** What is counted, e.g. 'img'. */
  unit: string;
  /** Items expected (ETA from it); unknown when absent. */
  total?: number;
  /** Prefix of every line, e.g. 'caption'. */
  label: string;
  log: (line: string) => void;
  /** Rewrite one line in place (default: stdout is a TTY). */
  tty?: boolean;
  /** Seconds between printed lines when not on a TTY (default 5). */
  every?: number;
}

/**
 * Counts items and reports the rate and the time left.
 * @example
 * const p = new RateProgress({ unit: 'img', total: 1000, label: 'caption', log: console.log });
 * p.add(32, 'shard 3/10'); ... p.done();
 */
export class RateProgress {
  private readonly t0 = performance.now();
  private last = 0;
  private count = 0;
  private readonly tty: boolean;

  private readonly o: RateProgressOptions;

  constructor(o: RateProgressOptions) {
    this.o = { ...o };
    this.tty = o.tty ?? process.stdout.isTTY === true;
  }

  /** Items per second since the start. */
  rate(): number {
    const s = (performance.now() - this.t0) / 1000;
    return s > 0 ? this.count / s : 0;
  }

  /** Items counted so far. */
  get counted(): number {
    return this.count;
  }

  /** Takes `n` items off the total (work found already done, not counted in the rate). */
  drop(n: number): void {
    if (this.o.total !== undefined) this.o.total -= n;
  }

  /** Counts `n` more items; prints when due. */
  add(n: number, note = ''): void {
    this.count += n;
    const now = performance.now();
    const due = this.tty ? now - this.last > 200 : now - this.last > (this.o.every ?? 5) * 1000;
    if (!due) return;
    this.last = now;
    this.print(note);
  }

  /** The current line. */
  line(note = ''): string {
    const r = this.rate(), t = this.o.total;
    const of = t !== undefined ? `/${t}` : '';
    const eta = t !== undefined && r > 0 ? `  ETA ${formatDuration((t - this.count) / r)}` : '';
    return `${this.o.label}: ${this.count}${of} ${this.o.unit}  ${r.toFixed(1)} ${this.o.unit}/s${eta}${note ? `  ${note}` : ''}`;
  }

  private print(note: string): void {
    if (this.tty) process.stdout.write(`\r\x1b[K${this.line(note)}`);
    else this.o.log(this.line(note));
  }

  /** Prints the final line. */
  done(note = ''): void {
    if (this.tty) process.stdout.write(`\r\x1b[K${this.line(note)}\n`);
    else this.o.log(this.line(note));
  }
}
