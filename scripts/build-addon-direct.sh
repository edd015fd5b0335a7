#!/usr/bin/env bash
# Builds the native addon with g++ alone (no node-gyp), for machines that have Node's Node-API
# headers but not node-gyp's toolchain, such as a GPU box: NODE_INCLUDE names the header folder.
# ZOOCLIP_NO_IMAGE=1 leaves out the image codecs (for machines without libturbojpeg/libspng/libwebp).
set -euo pipefail
cd "$(dirname "$0")/.."
NODE_INCLUDE=${NODE_INCLUDE:-/usr/include/node}
node scripts/find-libtorch.mjs
read -r -a incs <<<"$(node scripts/find-libtorch.mjs --get include)"
read -r -a defs <<<"$(node scripts/find-libtorch.mjs --get defines)"
read -r -a libs <<<"$(node scripts/find-libtorch.mjs --get libs)"
flags=(-std=c++17 -O3 -fno-math-errno -fPIC -fexceptions -frtti -Wno-deprecated-declarations "-I$NODE_INCLUDE"
  "${incs[@]/#/-I}" "${defs[@]/#/-D}" -DNAPI_VERSION=8 -DNODE_GYP_MODULE_NAME=zooclip_native)
sources=(native/*.cc)
if [ "${ZOOCLIP_NO_IMAGE:-0}" = 1 ]; then
  sources=($(ls native/*.cc | grep -v '/image_'))
  flags+=(-DZOOCLIP_NO_IMAGE)
else
  libs+=(-lturbojpeg -lspng -lwebp)
fi
rm -rf build/direct && mkdir -p build/direct build/Release
printf '%s\n' "${sources[@]}" | xargs -P "$(nproc)" -I{} sh -c 'g++ "$@" -c {} -o build/direct/$(basename {} .cc).o' _ "${flags[@]}"
g++ -shared build/direct/*.o "${libs[@]}" -o build/Release/zooclip_native.node
echo "[build] build/Release/zooclip_native.node"
