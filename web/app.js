// The page: pick or drop an image, type labels, see zero-shot scores and, when the folder has the
// heads, the segmentation overlay, depth map and normals map. Everything runs in this browser
// (model.js); window.zooclip holds the last result for scripts (the browser test reads it).
import { classify, loadModels, pixelValues, runHead } from './model.js';

const $ = (id) => document.getElementById(id);
const SHOW = 256;
let models = null, bitmap = null;

function status(text, state) {
  $('status').textContent = text;
  $('status').dataset.state = state;
}

function labelsOf() {
  return $('labels').value.split(/[\n,]/).map((s) => s.trim()).filter(Boolean);
}

function drawRgba(canvas, rgba, s) {
  const tmp = new OffscreenCanvas(s, s);
  tmp.getContext('2d').putImageData(new ImageData(new Uint8ClampedArray(rgba), s, s), 0, 0);
  const g = canvas.getContext('2d');
  g.imageSmoothingEnabled = false;
  g.drawImage(tmp, 0, 0, canvas.width, canvas.height);
}

function showScores(scores) {
  const body = $('scores').tBodies[0];
  body.replaceChildren(...scores.map(({ label, score }) => {
    const tr = document.createElement('tr');
    tr.dataset.label = label;
    tr.dataset.score = String(score);
    tr.innerHTML = '<td></td><td></td><td><div class="bar"></div></td>';
    tr.cells[0].textContent = label;
    tr.cells[1].textContent = score.toFixed(4);
    tr.querySelector('.bar').style.width = `${Math.round(score * 150)}px`;
    return tr;
  }));
}

/** RGBA of a head output [1, C, h, w] as the page shows it (depth: lo..hi of the raw map too). */
function denseRgba(task, data, [, c, h, w]) {
  const n = h * w, out = new Uint8ClampedArray(4 * n);
  let lo = Infinity, hi = -Infinity;
  if (task === 'depth') for (let i = 0; i < n; i++) { lo = Math.min(lo, data[i]); hi = Math.max(hi, data[i]); }
  for (let i = 0; i < n; i++) {
    let rgb;
    if (task === 'seg') {
      let best = 0;
      for (let k = 1; k < c; k++) if (data[k * n + i] > data[best * n + i]) best = k;
      rgb = [(best * 97) % 256, (best * 57 + 80) % 256, (best * 151 + 160) % 256];
    } else if (task === 'depth') {
      const v = hi > lo ? Math.round(((data[i] - lo) / (hi - lo)) * 255) : 0;
      rgb = [v, v, v];
    } else {
      const x = data[i], y = data[n + i], z = data[2 * n + i], len = Math.hypot(x, y, z) || 1;
      rgb = [x, y, z].map((v) => Math.round(((v / len + 1) / 2) * 255));
    }
    out.set([...rgb, task === 'seg' ? 140 : 255], 4 * i);
  }
  return { rgba: out, w, h, lo, hi };
}

/** A panel's caption; depth gives its range in metres (the graph's output times the spec's scale). */
function caption(task, lo, hi) {
  if (task === 'seg') return 'segmentation overlay';
  const scale = models.info.specs?.depth?.decode?.scale;
  return task === 'depth' && scale ? `depth map, ${(lo * scale).toFixed(2)}–${(hi * scale).toFixed(2)} m` : `${task} map`;
}

async function showDense(pixels) {
  const panels = [];
  for (const task of ['seg', 'depth', 'normals']) {
    const fig = document.createElement('figure');
    if (!models.heads[task]) {
      fig.innerHTML = `<figcaption>no ${task} head in this folder</figcaption>`;
    } else {
      const { data, dims } = await runHead(models, task, pixels.data);
      const { rgba, w, h, lo, hi } = denseRgba(task, data, dims);
      const canvas = Object.assign(document.createElement('canvas'), { width: SHOW, height: SHOW, id: `${task}-map` });
      if (task === 'seg') drawRgba(canvas, pixels.rgba, models.info.image_size);
      const tmp = new OffscreenCanvas(w, h);
      tmp.getContext('2d').putImageData(new ImageData(rgba, w, h), 0, 0);
      const g = canvas.getContext('2d');
      g.imageSmoothingEnabled = false;
      g.drawImage(tmp, 0, 0, SHOW, SHOW);
      fig.append(canvas, Object.assign(document.createElement('figcaption'), { textContent: caption(task, lo, hi) }));
    }
    panels.push(fig);
  }
  $('dense').replaceChildren(...panels);
}

async function run() {
  if (!models || !bitmap) return;
  const labels = labelsOf();
  if (!labels.length) { status('type at least one label', 'error'); return; }
  const templates = [$('templates').value.includes('{}') ? $('templates').value : '{}'];
  status('running…', 'running');
  try {
    const t0 = performance.now();
    const pixels = pixelValues(bitmap, models.info.preprocess);
    drawRgba($('preview'), pixels.rgba, models.info.image_size);
    const result = await classify(models, pixels.data, labels, templates);
    showScores(result.scores);
    await showDense(pixels);
    window.zooclip = { ...result, labels, templates, ep: models.ep, pixels: Array.from(pixels.data) };
    status(`done in ${(performance.now() - t0).toFixed(0)} ms (${models.ep})`, 'done');
  } catch (e) {
    status(`error: ${e.message}`, 'error');
    console.error(e);
  }
}

async function takeFile(file) {
  if (!file) return;
  bitmap = await createImageBitmap(file, { colorSpaceConversion: 'none', premultiplyAlpha: 'none' });
  await run();
}

function wire() {
  $('file').addEventListener('change', () => takeFile($('file').files[0]));
  $('run').addEventListener('click', run);
  const drop = $('drop');
  drop.addEventListener('dragover', (e) => { e.preventDefault(); drop.classList.add('over'); });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => { e.preventDefault(); drop.classList.remove('over'); takeFile(e.dataTransfer.files[0]); });
}

wire();
loadModels().then((m) => {
  models = m;
  $('model').textContent = `${m.info.model} (${m.info.image_size} px, context ${m.info.context_length})`;
  $('ep').textContent = m.ep;
  $('run').disabled = false;
  status(bitmap ? 'ready' : 'pick an image', 'ready');
  if (bitmap) run();
}, (e) => status(`cannot load the model: ${e.message}`, 'error'));
