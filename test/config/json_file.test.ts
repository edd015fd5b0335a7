// JSON files people edit fail naming the file, JSON's message and the line and column: presets
// (train, demo), bundled or given by path, the import state, and metrics.jsonl lines.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { parseJsonText, readJsonFile } from '../../src/config/json_file.js';
import { resolveConfig } from '../../src/stages/train/config.js';
import { resolveDemoConfig } from '../../src/stages/demo/config.js';
import { readMetrics } from '../../src/training/metrics.js';
import { planResume } from '../../src/stages/import/resume.js';

const dir = mkdtempSync(join(tmpdir(), 'zc-json-'));
const file = (name: string, text: string): string => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};
/** A preset with a trailing comma on line 2 (JSON sees it at line 3, column 1). Node 22 words the position itself. */
const BAD = '{\n  "run": { "steps": 2 },\n}\n';

test('syntax errors name the file, JSON\'s message and the line and column; empty files and BOMs', { timeout: 10_000 }, () => {
  assert.throws(() => parseJsonText(BAD, 'preset p.json'), /^Error: preset p\.json: not valid JSON: .* \(line 3,? column 1\)$/);
  assert.throws(() => readJsonFile(file('empty.json', ' \n'), 'train preset'), new RegExp(`^Error: train preset ${dir}/empty\\.json: not valid JSON: the file is empty$`));
  assert.deepEqual(readJsonFile(file('bom.json', '\ufeff{"a":1}')), { a: 1 });
  assert.throws(() => readJsonFile(join(dir, 'missing.json'), 'demo preset'), new RegExp(`^Error: demo preset ${dir}/missing\\.json: cannot read: ENOENT`));
});

test('train and demo presets given by path name the file and position', { timeout: 10_000 }, () => {
  const p = file('bad-preset.json', BAD);
  assert.throws(() => resolveConfig({ preset: p }), (e: Error) => e.message.startsWith(`train preset ${p}: not valid JSON: `) && /\(line 3,? column 1\)$/.test(e.message));
  assert.throws(() => resolveDemoConfig(p), (e: Error) => e.message.startsWith(`demo preset ${p}: not valid JSON: `) && /\(line 3,? column 1\)$/.test(e.message));
});

test('a damaged import state names itself', { timeout: 10_000 }, () => {
  const out = mkdtempSync(join(dir, 'import-'));
  writeFileSync(join(out, 'data-import.json'), '{"version": 1, "items": ');
  assert.throws(() => planResume(out, 'data', { version: 1, items: 1, fingerprint: 'x', shardSize: 1 }), new RegExp(`^Error: import state ${out}/data-import\\.json: not valid JSON: `));
});

test('metrics.jsonl: a bad line names file and line; a torn last line (a crash mid-append) is dropped', { timeout: 10_000 }, () => {
  const line = (step: number): string => JSON.stringify({ step, loss: { total: 1 } });
  const torn = file('torn.jsonl', `${line(1)}\n${line(2)}\n{"step": 3, "lo`);
  assert.deepEqual(readMetrics(torn).map((m) => m.step), [1, 2]);
  const bad = file('bad.jsonl', `${line(1)}\n{"step": 2,,}\n${line(3)}\n`);
  assert.throws(() => readMetrics(bad), new RegExp(`^Error: metrics ${bad} line 2: not valid JSON: .*\\((line 1,? )?column 12\\)$`));
});
