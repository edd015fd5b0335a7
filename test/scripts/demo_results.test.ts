// The stored paper run is the README's source: docs/results/paper/results.md is exactly what
// scripts/demo-markdown.mjs makes of demo.json, and every cell of the README's paper table is a
// cell of results.md, so neither can drift from the stored numbers. A bad demo.json is an error naming it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const results = join(repo, 'docs', 'results', 'paper');

function markdownOf(file: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [join(repo, 'scripts', 'demo-markdown.mjs'), file], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, FORCE_COLOR: '0' } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The cells of a Markdown table row. */
const cells = (row: string): string[] => row.trim().replace(/^\||\|$/g, '').split('|').map((c) => c.trim().replace(/\*\*/g, ''));

test('results.md is the Markdown of the stored demo.json', { timeout: 90_000 }, () => {
  const r = markdownOf(join(results, 'demo.json'));
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, readFileSync(join(results, 'results.md'), 'utf8'));
});

test("every cell of the README's paper table is a stored cell of results.md", { timeout: 30_000 }, () => {
  const readme = readFileSync(join(repo, 'README.md'), 'utf8');
  const start = readme.indexOf('### The `paper` preset, run once');
  assert.ok(start > 0, 'README has the paper section');
  const rows = readme.slice(start).split('\n').filter((l) => /^\| [A-Z] /.test(l));
  assert.equal(rows.length, 9, 'one row per variant');
  const stored = new Set(readFileSync(join(results, 'results.md'), 'utf8').split('\n').filter((l) => l.startsWith('|')).flatMap(cells));
  for (const row of rows) for (const c of cells(row).slice(1)) assert.ok(stored.has(c), `README cell '${c}' (${cells(row)[0]}) is not in results.md`);
});

test('a missing or foreign demo.json is an error naming the file', { timeout: 90_000 }, () => {
  const missing = markdownOf(join(results, 'no-such.json'));
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /cannot read .*no-such\.json/);
  const foreign = markdownOf(join(repo, 'package.json'));
  assert.equal(foreign.status, 1);
  assert.match(foreign.stderr, /package\.json has no 'config' \(is it a demo\.json\?\)/);
});
