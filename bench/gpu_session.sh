#!/usr/bin/env bash
# One call on a lent GPU machine (see ../shared/DEVICE.md): build the addon against the CUDA
# torch there, run the test suite on cuda:0, then the engine bench against PyTorch on the same GPU.
# Expects .dev/node.xz, .dev/include (Node-API headers) and dist/ carried; writes logs to $OUT.
set -uo pipefail
cd "$(dirname "$0")/.."
mkdir -p /tmp/bin && xz -dc .dev/node.xz > /tmp/bin/node && chmod +x /tmp/bin/node
export PATH=/tmp/bin:$PATH OUT=${OUT:-/tmp/out} ZOOCLIP_PYTHON=$(command -v python3)
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv | tee "$OUT/gpu.txt"
ZOOCLIP_NO_IMAGE=${ZOOCLIP_NO_IMAGE:-1} NODE_INCLUDE=$PWD/.dev/include bash scripts/build-addon-direct.sh 2>&1 | tail -30 | tee "$OUT/build.log"
node dist/src/cli/main.js info | tee "$OUT/info.json"
ZOOCLIP_TEST_DEVICE=cuda:0 node --test --test-concurrency=1 ${TEST_DIRS:-dist/test/} > "$OUT/test-cuda.log" 2>&1; echo "tests on cuda exit $?"
grep -E "^not ok|^# (tests|pass|fail|skipped)" "$OUT/test-cuda.log"
node dist/bench/run.js engine --device cuda:0 2>&1 | tee "$OUT/bench-engine-cuda.log"
node dist/bench/profile_step.js cuda:0 | tee "$OUT/profile-cuda.log"
python3 bench/profile_step_torch.py cuda:0 | tee -a "$OUT/profile-cuda.log"
node dist/bench/run.js models --device cuda:0 2>&1 | tee "$OUT/bench-models-cuda.log"
