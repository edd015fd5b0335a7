#!/usr/bin/env node
// Rebuilds a demo's report.html from its demo.json with the current report code (no training):
//   npm run build && node scripts/render-demo-report.mjs runs/demo/demo.json /tmp/report.html
// demo.json holds the config, claims, evals (without sample images), zoo quality and stage times,
// which is everything the report shows except the sample-prediction images.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DIST, demoReportOf } from './demo-json.mjs';

const [input, output] = process.argv.slice(2);
if (!input || !output) {
  console.error('usage: node scripts/render-demo-report.mjs <demo.json> <out report.html>');
  process.exit(2);
}
const { writeReport } = await import(pathToFileURL(join(DIST, 'eval', 'report', 'index.js')).href);
writeReport(output, await demoReportOf(input, 'render-demo-report'));
console.log(`report: ${output}`);
