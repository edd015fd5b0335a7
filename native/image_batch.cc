// Batch builders: turn the per-sample byte buffers that workers produced into one tensor. These
// create tensor handles in the calling thread's table (the loader calls them on the main thread).
#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include "env_state.h"
#include "image_napi.h"
#include "napi_util.h"

namespace zc {

namespace {

// Recycles the memory of image batch tensors. A batch of 64 images of 224^2 is 38.5 MB of floats,
// above the 32 MB mmap threshold configureRuntime sets, so every fresh batch was mmapped and faulted in
// page by page (about 10 ms a batch, measured); handing the same pages out again avoids that.
// Tensors return their buffer from whichever thread frees them, hence the mutex.
class BatchBuffers {
 public:
  void* get(size_t bytes) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      for (size_t i = 0; i < free_.size(); ++i) {
        if (free_[i].first == bytes) {
          void* p = free_[i].second;
          free_.erase(free_.begin() + static_cast<std::ptrdiff_t>(i));
          return p;
        }
      }
    }
    void* p = std::aligned_alloc(64, (bytes + 63) / 64 * 64);
    if (!p) throw JsError("imagesToTensor: out of memory for a " + std::to_string(bytes) + "-byte batch");
    return p;
  }
  void put(void* p, size_t bytes) {
    std::lock_guard<std::mutex> lock(mu_);
    if (free_.size() < kKeep) free_.emplace_back(bytes, p);
    else std::free(p);
  }

 private:
  static constexpr size_t kKeep = 4;  // batches in flight: one in use, prefetched ones, one spare
  std::mutex mu_;
  std::vector<std::pair<size_t, void*>> free_;
};

BatchBuffers& batch_buffers() {
  static BatchBuffers* b = new BatchBuffers();  // never destroyed: tensors may be freed at exit
  return *b;
}

std::vector<Bytes> byte_list(napi_env env, napi_value v, const char* what, size_t each) {
  if (!is_array(env, v)) throw JsError(std::string(what) + ": expected an array of buffers");
  uint32_t n = array_length(env, v);
  if (n == 0) throw JsError(std::string(what) + ": empty batch");
  std::vector<Bytes> out(n);
  for (uint32_t i = 0; i < n; ++i) {
    out[i] = get_bytes(env, array_get(env, v, i), what);
    if (out[i].len != each) {
      throw JsError(std::string(what) + ": sample " + std::to_string(i) + " has " + std::to_string(out[i].len) + " bytes, expected " + std::to_string(each));
    }
  }
  return out;
}

std::vector<double> three(napi_env env, napi_value v, const char* what) {
  if (!is_array(env, v) || array_length(env, v) != 3) throw JsError(std::string(what) + ": expected 3 numbers");
  return {get_double(env, array_get(env, v, 0), what), get_double(env, array_get(env, v, 1), what), get_double(env, array_get(env, v, 2), what)};
}

// imagesToTensor([rgbHWC bytes...], height, width, mean[3], std[3]) -> handle of float32 [B,3,H,W]
// holding (x / 255 - mean) / std: one pass per image through a per-channel lookup table.
napi_value images_to_tensor(napi_env env, napi_callback_info info) {
  Args a(env, info);
  return guarded(env, "imagesToTensor", [&] {
    int64_t h = get_int(env, a[1], "height"), w = get_int(env, a[2], "width");
    if (h <= 0 || w <= 0) throw JsError("imagesToTensor: height and width must be positive");
    auto list = byte_list(env, a[0], "imagesToTensor", static_cast<size_t>(h * w * 3));
    auto mean = three(env, a[3], "mean"), stdv = three(env, a[4], "std");
    float lut[3][256];
    for (int c = 0; c < 3; ++c) {
      if (stdv[c] == 0) throw JsError("imagesToTensor: std must be non-zero");
      for (int v = 0; v < 256; ++v) lut[c][v] = static_cast<float>((v / 255.0 - mean[c]) / stdv[c]);
    }
    const int64_t b = static_cast<int64_t>(list.size()), plane = h * w;
    const size_t bytes = static_cast<size_t>(b * 3 * plane) * sizeof(float);
    float* out = static_cast<float*>(batch_buffers().get(bytes));
    at::Tensor t = at::from_blob(out, {b, 3, h, w}, [bytes](void* p) { batch_buffers().put(p, bytes); }, at::kFloat);
    at::parallel_for(0, b, 1, [&](int64_t lo, int64_t hi) {
      for (int64_t i = lo; i < hi; ++i) {
        const uint8_t* s = list[i].data;
        float* r = out + i * 3 * plane;
        float* g = r + plane;
        float* bl = g + plane;
        for (int64_t p = 0; p < plane; ++p) {
          r[p] = lut[0][s[3 * p]];
          g[p] = lut[1][s[3 * p + 1]];
          bl[p] = lut[2][s[3 * p + 2]];
        }
      }
    });
    return make_int(env, handles(env).put(std::move(t)));
  });
}

// stackToTensor([bytes...], sampleShape, dtypeCode) -> handle of [B, ...sampleShape] (copies)
napi_value stack_to_tensor(napi_env env, napi_callback_info info) {
  Args a(env, info);
  return guarded(env, "stackToTensor", [&] {
    auto shape = get_int_list(env, a[1], "sampleShape");
    int64_t code = get_int(env, a[2], "dtype");
    if (code < 0 || code > static_cast<int64_t>(at::ScalarType::BFloat16)) throw JsError("stackToTensor: unknown dtype code " + std::to_string(code));
    auto dtype = static_cast<at::ScalarType>(code);
    int64_t numel = 1;
    for (auto s : shape) {
      if (s < 0) throw JsError("stackToTensor: negative dimension");
      numel *= s;
    }
    size_t each = static_cast<size_t>(numel) * c10::elementSize(dtype);
    auto list = byte_list(env, a[0], "stackToTensor", each);
    std::vector<int64_t> full{static_cast<int64_t>(list.size())};
    full.insert(full.end(), shape.begin(), shape.end());
    at::Tensor t = at::empty(full, at::TensorOptions().dtype(dtype));
    auto* dst = static_cast<uint8_t*>(t.data_ptr());
    for (size_t i = 0; i < list.size(); ++i) if (each) std::memcpy(dst + i * each, list[i].data, each);
    return make_int(env, handles(env).put(std::move(t)));
  });
}

}  // namespace

void register_image_batch(napi_env env, napi_value exports) {
  export_fn(env, exports, "imagesToTensor", images_to_tensor);
  export_fn(env, exports, "stackToTensor", stack_to_tensor);
}

}  // namespace zc
