// A node:test reporter that writes one JSON object (the run's counts) for scripts/test.mjs to turn
// into its summary line. It runs beside the spec reporter, which prints the tests as they go.
//
// Why it tracks tests that started but never finished: on Node 20, `--test-timeout` bounds each
// test *file* (its subprocess is killed), and node then reports only the file; naming the test
// that was running when the clock ran out is what makes a hang debuggable.

const TIMEOUT = 'testTimeoutFailure';
const CANCELLED = 'cancelledByParent';
const SUBTESTS_FAILED = 'subtestsFailed';

/** One failed, cancelled or timed-out test: where it is, its name, and why. */
function problem(data, extra = {}) {
  const err = data.details?.error;
  const why = err?.cause?.message ?? err?.cause ?? err?.message ?? 'no error message';
  return { file: data.file ?? null, name: data.name, message: String(why).split('\n')[0], ...extra };
}

/** Counts of one run, filled in from the test events. */
function emptyCounts() {
  return { passed: 0, failed: [], cancelled: [], timedOut: [], skipped: {}, todo: 0, fileMs: {} };
}

/** The names of the tests of `file` that started and have not finished, outermost first. */
function runningIn(started, file) {
  return [...(started.get(file) ?? new Map()).entries()].sort((a, b) => a[1] - b[1]).map(([name]) => name);
}

function onStart(started, data) {
  if (data.name === data.file) return;
  const inFile = started.get(data.file) ?? new Map();
  inFile.set(data.name, data.nesting);
  started.set(data.file, inFile);
}

/** A whole file failed: it timed out or its process died (naming the test it was in, if any). */
function onFileFailure(c, started, data) {
  const err = data.details?.error ?? {};
  if (err.failureType === TIMEOUT) {
    c.timedOut.push(problem(data, { whole: 'file', running: runningIn(started, data.file) }));
  } else if (err.failureType === CANCELLED) {
    c.cancelled.push(problem(data, { whole: 'file' }));
  } else {
    const how = err.signal ? `was killed by ${err.signal}` : err.exitCode != null ? `exited with code ${err.exitCode}` : 'failed';
    const running = runningIn(started, data.file);
    c.failed.push(problem(data, { whole: 'file', running, message: `its process ${how}${running.length ? '' : ' outside any test'}` }));
  }
}

function onFinish(c, started, type, data) {
  started.get(data.file)?.delete(data.name);
  if (data.name === data.file && data.nesting === 0) {
    if (type === 'test:fail') onFileFailure(c, started, data);
    return;
  }
  if (data.nesting === 0 && data.file) c.fileMs[data.file] = (c.fileMs[data.file] ?? 0) + (data.details?.duration_ms ?? 0);
  if (data.details?.type === 'suite' && type === 'test:pass') return;
  if (data.todo !== undefined && data.todo !== false) { c.todo++; return; }
  if (data.skip !== undefined && data.skip !== false) {
    const reason = typeof data.skip === 'string' && data.skip ? data.skip : 'no reason given';
    c.skipped[reason] = (c.skipped[reason] ?? 0) + 1;
    return;
  }
  if (type === 'test:pass') { c.passed++; return; }
  const kind = data.details?.error?.failureType;
  if (kind === SUBTESTS_FAILED) return;  // its failing subtests are counted themselves
  if (kind === TIMEOUT) c.timedOut.push(problem(data));
  else if (kind === CANCELLED) c.cancelled.push(problem(data));
  else c.failed.push(problem(data));
}

/**
 * The reporter: consumes node:test's events, yields the counts as JSON once the run ends.
 * @example node --test --test-reporter=spec --test-reporter-destination=stdout \
 *   --test-reporter=./scripts/test-summary-reporter.mjs --test-reporter-destination=counts.json dist/test/a.test.js
 */
export default async function* summaryReporter(source) {
  const counts = emptyCounts();
  const started = new Map();
  for await (const { type, data } of source) {
    if (type === 'test:dequeue' || type === 'test:start') onStart(started, data);
    else if (type === 'test:pass' || type === 'test:fail') onFinish(counts, started, type, data);
  }
  yield `${JSON.stringify(counts)}\n`;
}
