{
  "targets": [{
    "target_name": "zooclip_native",
    "sources": [
      "native/addon.cc", "native/napi_util.cc", "native/env_state.cc", "native/handles.cc", "native/dispatch.cc", "native/tensor_fns.cc",
      "native/runtime.cc", "native/optim.cc", "native/checkpoint.cc",
      "native/image_codec.cc", "native/image_jpeg.cc", "native/image_png.cc", "native/image_webp.cc",
      "native/image_resample.cc", "native/image_color.cc", "native/image_augment.cc", "native/image_napi.cc", "native/image_batch.cc",
      "native/dist_c10d.cc"
    ],
    "include_dirs": ["<!@(node scripts/find-libtorch.mjs --get include)"],
    "defines": ["<!@(node scripts/find-libtorch.mjs --get defines)", "NAPI_VERSION=8"],
    "cflags_cc!": ["-fno-exceptions", "-fno-rtti", "-std=gnu++17", "-std=gnu++20"],
    "cflags_cc": ["-std=c++17", "-fexceptions", "-frtti", "-O3", "-fno-math-errno", "-Wno-unused-parameter", "-Wno-deprecated-declarations", "-Wno-missing-field-initializers"],
    "libraries": ["<!@(node scripts/find-libtorch.mjs --get libs)", "-lturbojpeg", "-lspng", "-lwebp"]
  }]
}
