#!/usr/bin/env node
// Runs the compiled tests (dist/test/**) in two tiers, fast then e2e, and ends with one plain line
// per tier and one overall. test/tiers.json says which files are end-to-end (every other test
// file is fast) and how long one file of each tier may run.
//
//   node scripts/test.mjs                 both tiers (what `npm test` and CI run)
//   node scripts/test.mjs --tier fast     unit, parity and fuzz tests
//   node scripts/test.mjs --tier e2e      CLI runs, demo, resume after SIGKILL, 2-process c10d
//   node scripts/test.mjs --root DIR      the tests of another tree (the runner's own test uses it)
//
// Exit code 1 when any test fails, is cancelled or times out, when a file crashes outside its
// tests, or when a tier runs no test at all; 0 otherwise.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const TIERS = ['fast', 'e2e'];
const REPORTER = join(dirname(fileURLToPath(import.meta.url)), 'test-summary-reporter.mjs');

/** Source test files (test/**\/*.test.ts), as repo-relative paths with forward slashes. */
function sourceTests(root, dir = 'test') {
  const out = [];
  for (const name of readdirSync(join(root, dir)).sort()) {
    const rel = `${dir}/${name}`;
    if (statSync(join(root, rel)).isDirectory()) out.push(...sourceTests(root, rel));
    else if (name.endsWith('.test.ts')) out.push(rel);
  }
  return out;
}

/** test/tiers.json, checked: both tiers with a positive fileTimeoutS, e2e entries as a path -> why map. */
function readTiers(root) {
  const path = join(root, 'test', 'tiers.json');
  const cfg = JSON.parse(readFileSync(path, 'utf8'));
  for (const tier of TIERS) {
    const t = cfg[tier];
    if (!t || !(t.fileTimeoutS > 0)) throw new Error(`${path}: "${tier}.fileTimeoutS" must be a positive number of seconds`);
  }
  const unknown = Object.keys(cfg).filter((k) => !TIERS.includes(k) && !k.startsWith('//'));
  if (unknown.length) throw new Error(`${path}: unknown key(s) ${unknown.join(', ')} (expected ${TIERS.join(', ')})`);
  if (typeof cfg.e2e.files !== 'object' || cfg.e2e.files === null) throw new Error(`${path}: "e2e.files" must map paths to why they are end-to-end`);
  return { path, cfg };
}

/** Splits the test files into tiers; an e2e entry is a file or, ending in '/', a folder. */
function assignTiers(root) {
  const { path, cfg } = readTiers(root);
  const all = sourceTests(root);
  const entries = Object.keys(cfg.e2e.files);
  const isE2e = (f) => entries.some((e) => (e.endsWith('/') ? f.startsWith(e) : f === e));
  const stale = entries.filter((e) => !all.some((f) => (e.endsWith('/') ? f.startsWith(e) : f === e)));
  if (stale.length) throw new Error(`${path}: e2e entries that match no test file: ${stale.join(', ')}`);
  return {
    fast: { files: all.filter((f) => !isE2e(f)), timeoutS: cfg.fast.fileTimeoutS },
    e2e: { files: all.filter(isE2e), timeoutS: cfg.e2e.fileTimeoutS },
  };
}

/** test/a/b.test.ts -> dist/test/a/b.test.js, which must exist (tsc has run). */
function compiled(root, source) {
  const js = join('dist', source.replace(/\.ts$/, '.js'));
  if (!existsSync(join(root, js))) throw new Error(`${source} is not compiled (${js} missing): run npx tsc -p tsconfig.json first`);
  return js;
}

/** Runs one tier under node --test; returns the reporter's counts plus node's exit status. */
function runTier(root, tier, { files, timeoutS }) {
  const tmp = mkdtempSync(join(tmpdir(), `zooclip-test-${tier}-`));
  const json = join(tmp, 'summary.json');
  // dist/test/setup.js (when the tree has one) gives every test process the CLI's runtime settings.
  const setup = existsSync(join(root, 'dist', 'test', 'setup.js')) ? ['--import', './dist/test/setup.js'] : [];
  const args = [...setup, '--test', '--test-concurrency=1', `--test-timeout=${Math.round(timeoutS * 1000)}`,
    '--test-reporter=spec', '--test-reporter-destination=stdout',
    `--test-reporter=${REPORTER}`, `--test-reporter-destination=${json}`,
    ...files.map((f) => compiled(root, f))];
  const t0 = Date.now();
  console.log(`\n== tier ${tier}: ${files.length} files, each within ${timeoutS} s ==`);
  // A run started from inside a test file (the runner's own test) must still be a top-level run.
  // Tests make their folders under os.tmpdir(): point it into this tier's folder, so that whatever a
  // test leaves behind (a run killed by its timeout cannot clean up) goes with the folder below.
  const scratch = join(tmp, 'tmp');
  mkdirSync(scratch);
  const env = { ...process.env, TMPDIR: scratch };
  delete env.NODE_TEST_CONTEXT;
  const r = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit', env });
  const seconds = (Date.now() - t0) / 1000;
  let counts = null;
  try { counts = JSON.parse(readFileSync(json, 'utf8')); } catch { /* reported below as a failed run */ }
  rmSync(tmp, { recursive: true, force: true });
  return { tier, seconds, files: files.length, counts, status: r.status, signal: r.signal };
}

/** dist/test/a.test.js (absolute or relative) -> test/a.test.ts, the file a person edits. */
function sourceName(root, file) {
  if (!file) return 'unknown file';
  const rel = relative(root, file).split(sep).join('/');
  return rel.replace(/^dist\//, '').replace(/\.js$/, '.ts');
}

const plural = (n, one, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** The lines that name each failed, cancelled or timed-out test. */
function problemLines(root, counts) {
  const line = (what, p) => {
    const where = sourceName(root, p.file);
    const test = p.whole === 'file' ? (p.running?.length ? `while running "${p.running.join(' > ')}"` : 'the whole file') : `"${p.name}"`;
    return `  ${what}: ${where} ${test}: ${p.message}`;
  };
  return [...counts.timedOut.map((p) => line('timed out', p)), ...counts.cancelled.map((p) => line('cancelled', p)),
    ...counts.failed.map((p) => line('failed', p))];
}

/** One plain summary line, and whether the run is good. */
function summarize(label, runs, root) {
  const sum = { passed: 0, failed: [], cancelled: [], timedOut: [], skipped: {}, todo: 0 };
  const broken = [];
  for (const r of runs) {
    if (!r.counts) { broken.push(`tier ${r.tier}: no results (node --test ${r.signal ? `killed by ${r.signal}` : `exited ${r.status}`})`); continue; }
    sum.passed += r.counts.passed; sum.todo += r.counts.todo;
    for (const k of ['failed', 'cancelled', 'timedOut']) sum[k].push(...r.counts[k]);
    for (const [why, n] of Object.entries(r.counts.skipped)) sum.skipped[why] = (sum.skipped[why] ?? 0) + n;
    const bad = r.counts.failed.length + r.counts.cancelled.length + r.counts.timedOut.length;
    if (r.counts.passed === 0 && bad === 0) broken.push(`tier ${r.tier} ran no tests`);
    else if (r.status !== 0 && bad === 0) broken.push(`tier ${r.tier}: node --test exited ${r.status ?? r.signal} with no failed test reported`);
  }
  const skips = Object.entries(sum.skipped);
  const nSkipped = skips.reduce((a, [, n]) => a + n, 0);
  const skipText = nSkipped ? ` (${skips.map(([why, n]) => `${why} x${n}`).join('; ')})` : '';
  const ok = !broken.length && !sum.failed.length && !sum.cancelled.length && !sum.timedOut.length;
  const seconds = runs.reduce((a, r) => a + r.seconds, 0);
  const head = `tests (${label}): ${sum.passed} passed, ${sum.failed.length} failed, ${sum.cancelled.length} cancelled (never finished), ` +
    `${sum.timedOut.length} timed out, ${nSkipped} skipped${skipText}${sum.todo ? `, ${sum.todo} todo` : ''}, ` +
    `${plural(runs.reduce((a, r) => a + r.files, 0), 'file')} in ${seconds.toFixed(0)} s — ${ok ? 'ok' : 'FAILED'}`;
  return { ok, lines: [head, ...problemLines(root, sum), ...broken.map((b) => `  ${b}`)] };
}

/** The slowest files of a tier, to keep test/tiers.json honest. */
function slowest(root, run, n = 5) {
  const ms = Object.entries(run.counts?.fileMs ?? {}).sort((a, b) => b[1] - a[1]).slice(0, n);
  return ms.length ? `  slowest (${run.tier}): ${ms.map(([f, t]) => `${sourceName(root, f)} ${(t / 1000).toFixed(0)} s`).join(', ')}` : null;
}

function main() {
  const { values } = parseArgs({ options: { tier: { type: 'string' }, root: { type: 'string' } } });
  const root = values.root ?? join(dirname(fileURLToPath(import.meta.url)), '..');
  const want = values.tier ? [values.tier] : TIERS;
  if (!want.every((t) => TIERS.includes(t))) throw new Error(`--tier ${values.tier}: expected one of ${TIERS.join(', ')}`);
  const tiers = assignTiers(root);
  const runs = want.map((t) => runTier(root, t, tiers[t]));
  console.log('');
  let ok = true;
  for (const r of runs) {
    const s = summarize(r.tier, [r], root);
    ok &&= s.ok;
    console.log([...s.lines, slowest(root, r)].filter(Boolean).join('\n'));
  }
  if (runs.length > 1) console.log(summarize('all tiers', runs, root).lines[0]);
  process.exitCode = ok ? 0 : 1;
}

try {
  main();
} catch (e) {
  console.error(`scripts/test.mjs: ${e.message}`);
  process.exitCode = 1;
}
