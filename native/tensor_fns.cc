// Tensor plumbing that is not an aten operator: moving data between JS buffers and tensors,
// metadata, autograd state, random state.
#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <torch/csrc/autograd/autograd.h>
#include <torch/csrc/autograd/grad_mode.h>
#include <torch/utils.h>
#include "checkpoint.h"
#include "env_state.h"
#include "napi_util.h"
#include "tensor_fns.h"

namespace zc {

static at::Tensor arg_tensor(napi_env env, napi_value v, const char* what) {
  return handles(env).get(get_int(env, v, what));
}

static at::ScalarType to_dtype(int64_t code) {
  if (code < 0 || code > static_cast<int64_t>(at::ScalarType::BFloat16)) throw JsError("unknown dtype code " + std::to_string(code));
  return static_cast<at::ScalarType>(code);
}

// fromBuffer(typedArrayOrBuffer, shape, dtypeCode, device?) -> handle (copies the bytes)
static napi_value from_buffer(napi_env env, napi_callback_info info) {
  Args a(env, info);
  return guarded(env, "fromBuffer", [&] {
    void* data = nullptr;
    size_t len = 0;
    bool is_ta = false, is_buf = false, is_ab = false;
    ZC_NAPI(env, napi_is_typedarray(env, a[0], &is_ta));
    ZC_NAPI(env, napi_is_buffer(env, a[0], &is_buf));
    ZC_NAPI(env, napi_is_arraybuffer(env, a[0], &is_ab));
    if (is_ta) {
      napi_typedarray_type tt; size_t n; napi_value ab; size_t off;
      ZC_NAPI(env, napi_get_typedarray_info(env, a[0], &tt, &n, &data, &ab, &off));
      size_t el = 1;
      switch (tt) {
        case napi_int16_array: case napi_uint16_array: el = 2; break;
        case napi_int32_array: case napi_uint32_array: case napi_float32_array: el = 4; break;
        case napi_float64_array: case napi_bigint64_array: case napi_biguint64_array: el = 8; break;
        default: el = 1;
      }
      len = n * el;
    } else if (is_buf) {
      ZC_NAPI(env, napi_get_buffer_info(env, a[0], &data, &len));
    } else if (is_ab) {
      ZC_NAPI(env, napi_get_arraybuffer_info(env, a[0], &data, &len));
    } else {
      throw JsError("fromBuffer: expected a typed array, Buffer or ArrayBuffer");
    }
    auto shape = get_int_list(env, a[1], "shape");
    auto dtype = to_dtype(get_int(env, a[2], "dtype"));
    int64_t numel = 1;
    for (auto s : shape) {
      if (s < 0) throw JsError("fromBuffer: negative dimension in shape");
      numel *= s;
    }
    size_t need = static_cast<size_t>(numel) * c10::elementSize(dtype);
    if (need != len) {
      throw JsError("fromBuffer: shape needs " + std::to_string(need) + " bytes of " + std::string(c10::toString(dtype)) +
                    " but the buffer holds " + std::to_string(len));
    }
    at::Tensor t = at::empty(shape, at::TensorOptions().dtype(dtype));
    if (len) std::memcpy(t.data_ptr(), data, len);
    if (type_of(env, a[3]) == napi_string) {
      auto dev = c10::Device(get_string(env, a[3], "device"));
      if (!dev.is_cpu()) t = t.to(dev);
    }
    return make_int(env, handles(env).put(std::move(t)));
  });
}

// toBuffer(handle) -> ArrayBuffer with the tensor's contiguous CPU bytes (a copy).
static napi_value to_buffer(napi_env env, napi_callback_info info) {
  Args a(env, info);
  return guarded(env, "toBuffer", [&] {
    at::Tensor t = arg_tensor(env, a[0], "tensor");
    {
      torch::autograd::AutoGradMode no_grad(false);
      t = t.detach().to(at::kCPU).contiguous();
    }
    size_t len = t.numel() * t.element_size();
    void* out = nullptr;
    napi_value ab;
    ZC_NAPI(env, napi_create_arraybuffer(env, len, &out, &ab));
    if (len) std::memcpy(out, t.data_ptr(), len);
    return ab;
  });
}

// meta(handle) -> [dtypeCode, device, requiresGrad, ...shape]
static napi_value meta(napi_env env, napi_callback_info info) {
  Args a(env, info);
  return guarded(env, "meta", [&] {
    at::Tensor t = arg_tensor(env, a[0], "tensor");
    auto sizes = t.sizes();
    napi_value arr = make_array(env, 3 + sizes.size());
    set_element(env, arr, 0, make_int(env, static_cast<int64_t>(t.scalar_type())));
    set_element(env, arr, 1, make_string(env, t.device().str()));
    set_element(env, arr, 2, make_bool(env, t.requires_grad()));
    for (size_t i = 0; i < sizes.size(); ++i) set_element(env, arr, 3 + i, make_int(env, sizes[i]));
    return arr;
  });
}

static napi_value item(napi_env env, napi_callback_info info) {
  Args a(env, info);
  return guarded(env, "item", [&] {
    at::Tensor t = arg_tensor(env, a[0], "tensor");
    if (t.numel() != 1) throw JsError("item: tensor " + describe(t) + " has " + std::to_string(t.numel()) + " elements, not 1");
    auto s = t.item();
    if (s.isBoolean()) return make_bool(env, s.toBool());
    if (s.isIntegral(false)) return make_double(env, static_cast<double>(s.toLong()));
    return make_double(env, s.toDouble());
  });
}

static napi_value dispose(napi_env env, napi_callback_info info) {
  Args a(env, info);
  return guarded(env, "dispose", [&] {
    Handles& table = handles(env);
    table.release(get_int(env, a[0], "tensor"));
    table.sync_external_memory(env);
    return undefined(env);
  });
}

static napi_value live_count(napi_env env, napi_callback_info info) {
  return guarded(env, "liveCount", [&] { return make_int(env, handles(env).live()); });
}

static napi_value live_bytes(napi_env env, napi_callback_info info) {
  return guarded(env, "liveBytes", [&] { return make_double(env, static_cast<double>(handles(env).bytes())); });
}

static napi_value set_requires_grad(napi_env env, napi_callback_info info) {
  Args a(env, info);
  return guarded(env, "setRequiresGrad", [&] {
    at::Tensor t = arg_tensor(env, a[0], "tensor");
    t.set_requires_grad(get_bool(env, a[1], "requiresGrad"));
    return undefined(env);
  });
}

// grad(handle) -> a new handle to .grad, or -1 when there is none.
static napi_value grad(napi_env env, napi_callback_info info) {
  Args a(env, info);
  return guarded(env, "grad", [&] { return make_int(env, handles(env).put(arg_tensor(env, a[0], "tensor").grad())); });
}

// setGrad(handle, gradHandle | -1): -1 clears the gradient (zeroGrad with set_to_none).
static napi_value set_grad(napi_env env, napi_callback_info info) {
  Args a(env, info);
  return guarded(env, "setGrad", [&] {
    at::Tensor t = arg_tensor(env, a[0], "tensor");
    int64_t g = get_int(env, a[1], "grad");
    t.mutable_grad() = g < 0 ? at::Tensor() : handles(env).get(g);
    return undefined(env);
  });
}

// backward(handles[], gradHandles[] (-1 = ones), retainGraph)
static napi_value backward(napi_env env, napi_callback_info info) {
  Args a(env, info);
  return guarded(env, "backward", [&] {
    auto ids = get_int_list(env, a[0], "tensors");
    auto gids = get_int_list(env, a[1], "grads");
    torch::autograd::variable_list outs, grads;
    for (size_t i = 0; i < ids.size(); ++i) {
      at::Tensor t = handles(env).get(ids[i]);
      if (!t.requires_grad()) throw JsError("backward: tensor " + describe(t) + " does not require grad and has no grad_fn");
      outs.push_back(t);
      grads.push_back(i < gids.size() && gids[i] >= 0 ? handles(env).get(gids[i]) : at::Tensor());
    }
    bool retain = type_of(env, a[2]) == napi_boolean && get_bool(env, a[2], "retainGraph");
    run_backward(env, outs, grads, retain);
    handles(env).sync_external_memory(env);
    return undefined(env);
  });
}

// setGradEnabled(bool) -> previous
static napi_value set_grad_enabled(napi_env env, napi_callback_info info) {
  Args a(env, info);
  return guarded(env, "setGradEnabled", [&] {
    bool prev = at::GradMode::is_enabled();
    at::GradMode::set_enabled(get_bool(env, a[0], "enabled"));
    return make_bool(env, prev);
  });
}

static napi_value is_grad_enabled(napi_env env, napi_callback_info info) {
  return guarded(env, "isGradEnabled", [&] { return make_bool(env, at::GradMode::is_enabled()); });
}

static napi_value manual_seed(napi_env env, napi_callback_info info) {
  Args a(env, info);
  return guarded(env, "manualSeed", [&] {
    torch::manual_seed(static_cast<uint64_t>(get_int(env, a[0], "seed")));
    return undefined(env);
  });
}

// getRngState() -> uint8 tensor of the CPU generator state (for exact resume and checkpointing)
static napi_value get_rng_state(napi_env env, napi_callback_info info) {
  return guarded(env, "getRngState", [&] {
    auto gen = at::detail::getDefaultCPUGenerator();
    std::lock_guard<std::mutex> lock(gen.mutex());
    return make_int(env, handles(env).put(gen.get_state()));
  });
}

static napi_value set_rng_state(napi_env env, napi_callback_info info) {
  Args a(env, info);
  return guarded(env, "setRngState", [&] {
    auto gen = at::detail::getDefaultCPUGenerator();
    std::lock_guard<std::mutex> lock(gen.mutex());
    gen.set_state(arg_tensor(env, a[0], "state"));
    return undefined(env);
  });
}

// sameData(a, b) -> whether two handles share storage and offset (views of each other)
static napi_value same_data(napi_env env, napi_callback_info info) {
  Args a(env, info);
  return guarded(env, "sameData", [&] {
    at::Tensor x = arg_tensor(env, a[0], "a");
    at::Tensor y = arg_tensor(env, a[1], "b");
    return make_bool(env, x.is_same(y) || (x.has_storage() && y.has_storage() && x.data_ptr() == y.data_ptr()));
  });
}

// setData(handle, src): replaces the data behind a tensor but keeps its identity (param.data = src),
// so modules can move or cast parameters that optimizers and fields already hold.
static napi_value set_data(napi_env env, napi_callback_info info) {
  Args a(env, info);
  return guarded(env, "setData", [&] {
    at::Tensor t = arg_tensor(env, a[0], "tensor");
    t.set_data(arg_tensor(env, a[1], "src"));
    return undefined(env);
  });
}

void register_tensor_fns(napi_env env, napi_value exports) {
  export_fn(env, exports, "setData", set_data);
  export_fn(env, exports, "fromBuffer", from_buffer);
  export_fn(env, exports, "toBuffer", to_buffer);
  export_fn(env, exports, "meta", meta);
  export_fn(env, exports, "item", item);
  export_fn(env, exports, "dispose", dispose);
  export_fn(env, exports, "liveCount", live_count);
  export_fn(env, exports, "liveBytes", live_bytes);
  export_fn(env, exports, "setRequiresGrad", set_requires_grad);
  export_fn(env, exports, "grad", grad);
  export_fn(env, exports, "setGrad", set_grad);
  export_fn(env, exports, "backward", backward);
  export_fn(env, exports, "setGradEnabled", set_grad_enabled);
  export_fn(env, exports, "isGradEnabled", is_grad_enabled);
  export_fn(env, exports, "manualSeed", manual_seed);
  export_fn(env, exports, "getRngState", get_rng_state);
  export_fn(env, exports, "setRngState", set_rng_state);
  export_fn(env, exports, "sameData", same_data);
}

}  // namespace zc
