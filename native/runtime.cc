// Process-wide engine settings: threads, allocator tuning, CUDA, autocast, version facts.
// Loading the addon changes none of them; src/engine/runtime.ts's configureRuntime applies
// zooclip's defaults when a program (the CLI) asks for them.
#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <ATen/autocast_mode.h>
#include <ATen/core/dispatch/Dispatcher.h>
#include <ATen/core/stack.h>
#include <torch/cuda.h>
#include <torch/version.h>
#include <malloc.h>
#include <chrono>
#include "env_state.h"
#include "napi_util.h"
#include "runtime.h"

namespace zc {

// tuneMalloc(): keeps large freed blocks in glibc's heap. Training allocates and frees the same
// large activations every step; glibc's default returns them to the OS (mmap above a dynamic
// threshold, trimming the heap top), so each step pays page faults again. Measured on the engine
// bench's training step: 60k minor page faults per step with glibc's defaults, about 100 with
// these. Setting the same thresholds again changes nothing, so repeated calls are harmless.
static napi_value tune_malloc(napi_env env, napi_callback_info info) {
  return guarded(env, "tuneMalloc", [&] {
    if (mallopt(M_MMAP_THRESHOLD, 32 << 20) != 1 || mallopt(M_TRIM_THRESHOLD, 256 << 20) != 1) {
      throw JsError("tuneMalloc: glibc refused the mmap/trim thresholds");
    }
    return undefined(env);
  });
}

static napi_value set_num_threads(napi_env env, napi_callback_info info) {
  Args a(env, info);
  return guarded(env, "setNumThreads", [&] {
    int64_t n = get_int(env, a[0], "threads");
    if (n < 1) throw JsError("setNumThreads: need at least 1 thread, got " + std::to_string(n));
    at::set_num_threads(static_cast<int>(n));
    return undefined(env);
  });
}

static napi_value get_num_threads(napi_env env, napi_callback_info info) {
  return guarded(env, "getNumThreads", [&] { return make_int(env, at::get_num_threads()); });
}

static napi_value cuda_device_count(napi_env env, napi_callback_info info) {
  return guarded(env, "cudaDeviceCount", [&] { return make_int(env, static_cast<int64_t>(torch::cuda::device_count())); });
}

static napi_value synchronize(napi_env env, napi_callback_info info) {
  return guarded(env, "synchronize", [&] {
    if (torch::cuda::is_available()) torch::cuda::synchronize();
    return undefined(env);
  });
}

static napi_value build_info(napi_env env, napi_callback_info info) {
  return guarded(env, "buildInfo", [&] {
    napi_value o;
    ZC_NAPI(env, napi_create_object(env, &o));
    set_property(env, o, "torchVersion", make_string(env, TORCH_VERSION));
    set_property(env, o, "cuda", make_bool(env, ZOOCLIP_CUDA != 0));
    set_property(env, o, "parallelInfo", make_string(env, at::get_parallel_info()));
    set_property(env, o, "config", make_string(env, at::show_config()));
    return o;
  });
}

// setAutocast(deviceType 'cuda'|'cpu', enabled, dtypeCode) -> previous enabled state
static napi_value set_autocast(napi_env env, napi_callback_info info) {
  Args a(env, info);
  return guarded(env, "setAutocast", [&] {
    std::string dev = get_string(env, a[0], "device");
    bool on = get_bool(env, a[1], "enabled");
    auto dtype = static_cast<at::ScalarType>(get_int(env, a[2], "dtype"));
    bool prev;
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
    at::DeviceType dt = dev == "cuda" ? at::kCUDA : at::kCPU;
    prev = at::autocast::is_autocast_enabled(dt);
    at::autocast::set_autocast_enabled(dt, on);
    at::autocast::set_autocast_dtype(dt, dtype);
#else
    if (dev == "cuda") {
      prev = at::autocast::is_enabled();
      at::autocast::set_enabled(on);
      at::autocast::set_autocast_gpu_dtype(dtype);
    } else {
      prev = at::autocast::is_cpu_enabled();
      at::autocast::set_cpu_enabled(on);
      at::autocast::set_autocast_cpu_dtype(dtype);
    }
#endif
    if (!on) at::autocast::clear_cache();
    return make_bool(env, prev);
  });
}

// benchAdd(a, b, n) -> microseconds per at::add through the dispatcher, from C++ (the floor
// under which no binding can go; the JS per-op overhead is measured against it).
static napi_value bench_add(napi_env env, napi_callback_info info) {
  Args a(env, info);
  return guarded(env, "benchAdd", [&] {
    at::Tensor x = handles(env).get(get_int(env, a[0], "a"));
    at::Tensor y = handles(env).get(get_int(env, a[1], "b"));
    int64_t n = get_int(env, a[2], "n");
    auto op = c10::Dispatcher::singleton().findSchemaOrThrow("aten::add", "Tensor");
    torch::jit::Stack stack;
    auto t0 = std::chrono::steady_clock::now();
    for (int64_t i = 0; i < n; ++i) {
      stack.clear();
      stack.emplace_back(x);
      stack.emplace_back(y);
      stack.emplace_back(c10::Scalar(1));
      op.callBoxed(stack);
    }
    auto t1 = std::chrono::steady_clock::now();
    return make_double(env, std::chrono::duration<double, std::micro>(t1 - t0).count() / static_cast<double>(n));
  });
}

// setAllowTF32(bool): TF32 for CUDA matmuls and cuDNN convolutions (parity tests turn it off).
static napi_value set_allow_tf32(napi_env env, napi_callback_info info) {
  Args a(env, info);
  return guarded(env, "setAllowTF32", [&] {
    bool on = get_bool(env, a[0], "allow");
    at::globalContext().setAllowTF32CuBLAS(on);
    at::globalContext().setAllowTF32CuDNN(on);
    return undefined(env);
  });
}

void register_runtime(napi_env env, napi_value exports) {
  export_fn(env, exports, "setAllowTF32", set_allow_tf32);
  export_fn(env, exports, "tuneMalloc", tune_malloc);
  export_fn(env, exports, "setNumThreads", set_num_threads);
  export_fn(env, exports, "getNumThreads", get_num_threads);
  export_fn(env, exports, "cudaDeviceCount", cuda_device_count);
  export_fn(env, exports, "synchronize", synchronize);
  export_fn(env, exports, "buildInfo", build_info);
  export_fn(env, exports, "setAutocast", set_autocast);
  export_fn(env, exports, "benchAdd", bench_add);
}

}  // namespace zc
