#!/usr/bin/env node
// Renders an HTML report with a real headless Chromium and saves a full-page PNG, to look at the
// page as a browser shows it:  node scripts/screenshot-report.mjs runs/demo/report.html /tmp/report.png [width]
// SCREENSHOT_HEIGHT fixes the height (default: the page's full height); SCREENSHOT_ANCHOR=s3 scrolls to a section first.
// Needs chromium (Debian: apt-get install -y chromium) or $CHROMIUM naming the binary. Not part of npm test.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const [input, output, widthArg] = process.argv.slice(2);
if (!input || !output) {
  console.error('usage: node scripts/screenshot-report.mjs <report.html> <out.png> [width px, default 1100]');
  process.exit(2);
}
if (!existsSync(input)) { console.error(`screenshot-report: no such file: ${input}`); process.exit(1); }
const candidates = [process.env.CHROMIUM, 'chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'].filter(Boolean);
const browser = candidates.find((c) => spawnSync(c, ['--version'], { stdio: 'ignore' }).status === 0);
if (!browser) { console.error(`screenshot-report: no Chromium found (tried ${candidates.join(', ')}); install one (apt-get install -y chromium) or set CHROMIUM`); process.exit(1); }

const width = Number(widthArg ?? 1100);
/**
 * The page's full height in CSS pixels: Chromium opens a copy of the page with a script that
 * writes document.documentElement.scrollHeight into the DOM after load, and dumps the DOM.
 */
function pageHeight(html, dir, profile) {
  const copy = join(dir, 'measure.html');
  const script = `<script>addEventListener('load', () => document.documentElement.setAttribute('data-height', String(document.documentElement.scrollHeight)));</script>`;
  writeFileSync(copy, html.includes('</body>') ? html.replace('</body>', `${script}</body>`) : html + script);
  const r = spawnSync(browser, ['--headless', '--no-sandbox', '--disable-gpu', '--hide-scrollbars', `--user-data-dir=${profile}`, `--window-size=${width},1000`,
    '--virtual-time-budget=3000', '--dump-dom', pathToFileURL(copy).href], { encoding: 'utf8', maxBuffer: 512 << 20, timeout: 120_000 });
  const m = /data-height="(\d+)"/.exec(r.stdout ?? '');
  if (!m) { console.error('screenshot-report: could not measure the page; using 8000 px (set SCREENSHOT_HEIGHT)'); return 8000; }
  return Math.min(32000, Number(m[1]));
}

const dir = mkdtempSync(join(tmpdir(), 'zc-chromium-')), profile = join(dir, 'profile');
try {
  const url = pathToFileURL(resolve(input)).href + (process.env.SCREENSHOT_ANCHOR ? `#${process.env.SCREENSHOT_ANCHOR}` : '');
  const height = Number(process.env.SCREENSHOT_HEIGHT ?? pageHeight(readFileSync(input, 'utf8'), dir, profile));
  const args = ['--headless', '--no-sandbox', '--disable-gpu', '--hide-scrollbars', `--user-data-dir=${profile}`, `--window-size=${width},${height}`,
    '--virtual-time-budget=2000', `--screenshot=${resolve(output)}`, url];
  const r = spawnSync(browser, args, { encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0 || !existsSync(output)) {
    console.error(`screenshot-report: ${browser} failed (status ${r.status}):\n${(r.stderr ?? '').slice(-2000)}`);
    process.exit(1);
  }
  console.log(`screenshot: ${output} (${width}x${height} px, ${browser})`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
