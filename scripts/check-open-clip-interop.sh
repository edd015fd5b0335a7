#!/usr/bin/env bash
# Developer check (not in CI: needs open_clip_torch, timm, safetensors importable from Python,
# e.g. PYTHONPATH=/path/to/site): zooclip exports each model to an open_clip folder, open_clip
# loads it with `local-dir:` and must give the same normalised embeddings on the same inputs.
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp -d)
models=("${@:-zooclip-tiny-test MobileCLIP-S0}")
node --input-type=module -e "
const { createModel } = await import('./dist/src/models/clip.js');
const { saveOpenClip } = await import('./dist/src/io/checkpoint.js');
const { saveSafetensors } = await import('./dist/src/io/safetensors.js');
const E = await import('./dist/src/engine/index.js');
for (const n of '${models[*]}'.split(' ')) {
  E.manualSeed(5);
  const m = createModel(n).eval();
  saveOpenClip(m, '$out/' + n);
  const { images, ids } = m.dummyInput(2);
  const fi = E.noGrad(() => m.encodeImage(images)), ft = E.noGrad(() => m.encodeText(ids));
  saveSafetensors('$out/' + n + '.io.safetensors', { images, ids, fi, ft });
}"
"${PYTHON:-/usr/bin/python3}" - "$out" ${models[*]} <<'PY'
import sys, torch, open_clip
from safetensors.torch import load_file
out, names = sys.argv[1], sys.argv[2:]
worst = 0.0
for n in names:
    model, _, _ = open_clip.create_model_and_transforms(f'local-dir:{out}/{n}')
    model.eval()
    io = load_file(f'{out}/{n}.io.safetensors')
    with torch.no_grad():
        di = (model.encode_image(io['images'], normalize=True) - io['fi']).abs().max().item()
        dt = (model.encode_text(io['ids'], normalize=True) - io['ft']).abs().max().item()
    worst = max(worst, di, dt)
    print(f'{n}: open_clip {open_clip.__version__} loaded the zooclip export; max |diff| image {di:.2e}, text {dt:.2e}')
sys.exit(0 if worst < 1e-4 else 1)
PY
