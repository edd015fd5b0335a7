#!/usr/bin/env node
// Rebuilds a demo's report.html from its demo.json with the current report code (no training):
//   npm run build && node scripts/render-demo-report.mjs runs/demo/demo.json /tmp/report.html
// demo.json holds the config, claims, evals (without sample images), zoo quality and stage times,
// which is everything the report shows except the sample-prediction images.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const [input, output] = process.argv.slice(2);
if (!input || !output) {
  console.error('usage: node scripts/render-demo-report.mjs <demo.json> <out report.html>');
  process.exit(2);
}
const dist = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'src');
const { demoReport } = await import(pathToFileURL(join(dist, 'stages', 'demo', 'report.js')).href);
const { writeReport } = await import(pathToFileURL(join(dist, 'eval', 'report', 'index.js')).href);
let d;
try {
  d = JSON.parse(readFileSync(input, 'utf8'));
} catch (e) {
  console.error(`render-demo-report: cannot read ${input}: ${e.message}`);
  process.exit(1);
}
for (const k of ['config', 'claims', 'evals']) if (!(k in d)) { console.error(`render-demo-report: ${input} has no '${k}' (is it a demo.json?)`); process.exit(1); }
// Older demo.json files lack the premise checks and each claim's unmet premises.
const claims = d.claims.map((c) => ({ unmet: [], ...c }));
writeReport(output, demoReport(d.config, d.evals, claims, { quality: d.quality ?? null, stages: d.stages ?? {}, premises: d.premises?.checks ?? [], captionerHeldOut: null }));
console.log(`report: ${output}`);
