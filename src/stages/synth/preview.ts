// The contact sheet `zooclip synth --preview` writes: one row per sample with its RGB, depth
// (colour-mapped, near = bright), normals, semantic classes and instances, and its captions as text.
import sharp, { type OverlayOptions } from 'sharp';
import type { SynthSample } from '../../data/synth/make_sample.js';
import { SEG_CLASSES } from '../../data/synth/world.js';

const TILE = 128;
const TEXT_W = 600;
const HEAD = 24;
const PAD = 6;
const VIRIDIS = [[68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98], [253, 231, 37]] as const;
const SEG_PALETTE = [[40, 44, 64], [130, 100, 70], [230, 80, 80], [80, 190, 90], [80, 120, 235], [235, 205, 60], [200, 90, 220]] as const;
const INST_PALETTE = [[0, 0, 0], [255, 99, 71], [60, 179, 113], [65, 105, 225], [255, 215, 0], [238, 130, 238], [0, 206, 209], [244, 164, 96], [176, 196, 222]] as const;

/** Depth as RGB on an inverse-depth scale (so near objects stand out from the far ground): nearest bright yellow, farthest dark purple, no depth black. */
export function colourDepth(depth: Float32Array): Uint8Array {
  let lo = Infinity, hi = 0;
  for (const d of depth) if (d > 0) { lo = Math.min(lo, 1 / d); hi = Math.max(hi, 1 / d); }
  const out = new Uint8Array(depth.length * 3);
  for (let i = 0; i < depth.length; i++) {
    if (!(depth[i]! > 0)) continue;
    const x = ((1 / depth[i]! - lo) / Math.max(1e-9, hi - lo)) * (VIRIDIS.length - 1);
    const k = Math.min(VIRIDIS.length - 2, Math.floor(x)), f = x - k;
    for (let c = 0; c < 3; c++) out[3 * i + c] = Math.round(VIRIDIS[k]![c]! * (1 - f) + VIRIDIS[k + 1]![c]! * f);
  }
  return out;
}

function palette(ids: Uint8Array, pal: readonly (readonly number[])[]): Uint8Array {
  const out = new Uint8Array(ids.length * 3);
  for (let i = 0; i < ids.length; i++) {
    const c = pal[ids[i]! % pal.length]!;
    out[3 * i] = c[0]!; out[3 * i + 1] = c[1]!; out[3 * i + 2] = c[2]!;
  }
  return out;
}

function normalsRgb(n: Float32Array): Uint8Array {
  const out = new Uint8Array(n.length);
  for (let i = 0; i < n.length; i++) out[i] = Math.round((n[i]! + 1) * 127.5);
  return out;
}

function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Greedy word wrap to lines of at most `width` characters. */
export function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const w of text.split(/\s+/)) {
    if (line && line.length + 1 + w.length > width) { lines.push(line); line = w; } else line = line ? `${line} ${w}` : w;
  }
  if (line) lines.push(line);
  return lines;
}

const MAX_LINES = 9;

/** The text beside one row: the object list, then quality captions as room allows, then the web caption. */
function textLines(s: SynthSample): { text: string; bold?: boolean }[] {
  const objs = s.scene.objects.map((o) => `${o.size} ${o.colour} ${o.material} ${o.shape}`).join(', ');
  const web = s.web.text + (s.web.mentions.some((m) => m.wrongColour || m.wrongShape) ? '  [wrong attribute]' : '') + (s.web.filler ? '  [filler]' : '');
  const head = wrap(`${s.key}: ${s.scene.objects.length} object(s): ${objs}`, 92).map((text) => ({ text, bold: true }));
  const tail = wrap(`web: ${web}`, 92).map((text) => ({ text, bold: true }));
  const room = MAX_LINES - head.length - tail.length;
  const quality = s.quality.flatMap((q, i) => wrap(`quality ${i + 1}: ${q}`, 92)).slice(0, room).map((text) => ({ text }));
  return [...head, ...quality, ...tail];
}

/**
 * Writes the contact sheet of `samples` to `path` (PNG).
 * @example await writePreview('out/preview.png', [0, 1, 2].map((index) => makeSample({ ...spec, index })))
 */
export async function writePreview(path: string, samples: readonly SynthSample[]): Promise<void> {
  const cols = ['RGB', 'depth', 'normals', `classes (${SEG_CLASSES.length})`, 'instances'];
  const W = cols.length * (TILE + PAD) + TEXT_W, H = HEAD + samples.length * (TILE + PAD);
  const layers: OverlayOptions[] = [];
  const svg: string[] = cols.map((c, i) => `<text x="${i * (TILE + PAD) + 4}" y="16" font-weight="bold">${escapeXml(c)}</text>`);
  svg.push(`<text x="${cols.length * (TILE + PAD) + 4}" y="16" font-weight="bold">captions</text>`);
  for (const [row, s] of samples.entries()) {
    const { width, height } = s.render;
    const maps = [s.render.rgb, colourDepth(s.render.depth), normalsRgb(s.render.normals), palette(s.render.seg, SEG_PALETTE), palette(s.render.inst, INST_PALETTE)];
    const top = HEAD + row * (TILE + PAD);
    for (const [c, m] of maps.entries()) {
      const input = await sharp(m, { raw: { width, height, channels: 3 } }).resize(TILE, TILE, { kernel: 'nearest' }).png().toBuffer();
      layers.push({ input, left: c * (TILE + PAD), top });
    }
    textLines(s).forEach((l, i) => {
      svg.push(`<text x="${cols.length * (TILE + PAD) + 4}" y="${top + 13 + i * 14}"${l.bold ? ' font-weight="bold"' : ''}>${escapeXml(l.text)}</text>`);
    });
  }
  const doc = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="DejaVu Sans, sans-serif" font-size="11" fill="#eee">${svg.join('')}</svg>`;
  layers.push({ input: Buffer.from(doc), left: 0, top: 0 });
  await sharp({ create: { width: W, height: H, channels: 3, background: { r: 24, g: 24, b: 28 } } }).composite(layers).png().toFile(path);
}
