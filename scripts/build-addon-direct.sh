#!/usr/bin/env bash
# Builds the native addon with g++ alone (no node-gyp), for machines that have Node's Node-API
# headers but not node-gyp's toolchain, such as a GPU box: NODE_INCLUDE names the header folder.
set -euo pipefail
cd "$(dirname "$0")/.."
NODE_INCLUDE=${NODE_INCLUDE:-/usr/include/node}
node scripts/find-libtorch.mjs
read -r -a incs <<<"$(node scripts/find-libtorch.mjs --get include)"
read -r -a defs <<<"$(node scripts/find-libtorch.mjs --get defines)"
read -r -a libs <<<"$(node scripts/find-libtorch.mjs --get libs)"
flags=(-std=c++17 -O3 -fno-math-errno -fPIC -fexceptions -frtti -Wno-deprecated-declarations "-I$NODE_INCLUDE"
  "${incs[@]/#/-I}" "${defs[@]/#/-D}" -DNAPI_VERSION=8 -DNODE_GYP_MODULE_NAME=zooclip_native)
mkdir -p build/direct build/Release
ls native/*.cc | xargs -P "$(nproc)" -I{} sh -c 'g++ "$@" -c {} -o build/direct/$(basename {} .cc).o' _ "${flags[@]}"
g++ -shared build/direct/*.o "${libs[@]}" -o build/Release/zooclip_native.node
echo "[build] build/Release/zooclip_native.node"
