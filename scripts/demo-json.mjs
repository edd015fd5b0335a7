// Reads a demo's demo.json and builds its report document with the current report code (dist/),
// for the scripts that re-render a stored run (render-demo-report.mjs, demo-markdown.mjs).
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const DIST = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'src');

/** The report of `input` (a demo.json); exits 1 naming the file when it cannot be read or is not a demo.json. */
export async function demoReportOf(input, who) {
  const { demoReport } = await import(pathToFileURL(join(DIST, 'stages', 'demo', 'report.js')).href);
  let d;
  try {
    d = JSON.parse(readFileSync(input, 'utf8'));
  } catch (e) {
    console.error(`${who}: cannot read ${input}: ${e.message}`);
    process.exit(1);
  }
  for (const k of ['config', 'claims', 'evals']) if (!(k in d)) { console.error(`${who}: ${input} has no '${k}' (is it a demo.json?)`); process.exit(1); }
  // Older demo.json files lack the premise checks and each claim's unmet premises.
  const claims = d.claims.map((c) => ({ unmet: [], ...c }));
  return demoReport(d.config, d.evals, claims, { quality: d.quality ?? null, stages: d.stages ?? {}, premises: d.premises?.checks ?? [], captionerHeldOut: null });
}
