#!/usr/bin/env bash
# Sets zooclip up on a fresh Debian machine: libtorch (found, or installed with apt), npm
# dependencies, the native addon and the TypeScript build. Safe to run again: finished steps
# are skipped.
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
apt_install() {
  echo "[setup] apt-get install --no-install-recommends $*"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# Build tools for the addon (present on most images; installed only when missing).
missing=()
command -v g++ >/dev/null || missing+=(g++)
command -v make >/dev/null || missing+=(make)
command -v python3 >/dev/null || missing+=(python3)
[ ${#missing[@]} -eq 0 ] || apt_install "${missing[@]}"

# Image codecs the data loader's native decoder links (installed only when their headers are missing).
missing=()
[ -f /usr/include/turbojpeg.h ] || missing+=(libturbojpeg0-dev)
[ -f /usr/include/spng.h ] || missing+=(libspng-dev)
[ -f /usr/include/webp/decode.h ] || missing+=(libwebp-dev)
[ ${#missing[@]} -eq 0 ] || apt_install "${missing[@]}"

# Debian's Chromium for the browser test of `zooclip serve` (playwright-core drives it; Playwright
# downloads no browser).
[ -x /usr/bin/chromium ] || apt_install chromium

# npm dependencies (from the lock file when there is one). onnxruntime-node's postinstall would
# fetch CUDA binaries from outside npm on linux x64; its CPU binary is in the npm package, so skip it.
export ONNXRUNTIME_NODE_INSTALL=skip
# The stamp is written only after a successful install, so an interrupted or failed one is redone.
stamp=node_modules/.zooclip-installed
if [ ! -f "$stamp" ] || [ package.json -nt "$stamp" ] || { [ -f package-lock.json ] && [ package-lock.json -nt "$stamp" ]; }; then
  # The addon is built below, after the system packages it links (libtorch, Gloo) are in place.
  if [ -f package-lock.json ]; then ZOOCLIP_SKIP_BUILD=1 npm ci --no-audit --no-fund; else ZOOCLIP_SKIP_BUILD=1 npm install --no-audit --no-fund; fi
  touch "$stamp"
fi

# libtorch: LIBTORCH, a Python torch, or Debian's libtorch-dev (installed here with apt if none is
# found: this script is the one place that installs system packages; npm's install step never does).
found=0; node scripts/find-libtorch.mjs || found=$?
if [ "$found" = 3 ]; then
  apt_install libtorch-dev libopenblas0-openmp
  node scripts/find-libtorch.mjs
elif [ "$found" != 0 ]; then
  exit "$found"
fi
# Debian's libtorch links BLAS by soname; the OpenMP OpenBLAS keeps its threads off libtorch's pool.
if grep -q '"source": "debian"' native/build-config.json && [ ! -f /usr/lib/x86_64-linux-gnu/openblas-openmp/libopenblas.so.0 ]; then
  apt_install libopenblas0-openmp
  node scripts/find-libtorch.mjs
fi

# Debian's libtorch c10d headers include Gloo's; without them the addon builds with data parallel disabled.
if [ -f /usr/include/torch/csrc/distributed/c10d/ProcessGroupGloo.hpp ] && [ ! -f /usr/include/gloo/algorithm.h ]; then
  apt_install libgloo-dev
fi

# The native addon, rebuilt when its sources or the libtorch choice changed.
addon=build/Release/zooclip_native.node
if [ ! -f "$addon" ] || [ -n "$(find native binding.gyp -newer "$addon" -print -quit)" ]; then
  echo "[setup] building the native addon"
  npx --no-install node-gyp rebuild -j "$(nproc)" >build.log 2>&1 || { tail -40 build.log; echo "[setup] addon build failed (full log: build.log)"; exit 1; }
fi

npx --no-install tsc -p tsconfig.json
echo "[setup] ready: $(node dist/src/cli/main.js --version)"
