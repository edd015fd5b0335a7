#include "handles.h"
#include "napi_util.h"
#include <sstream>

namespace zc {

static int64_t storage_bytes(const at::Tensor& t) {
  if (!t.defined() || !t.has_storage()) return 0;
  // Count the tensor's own extent, not a shared parent's whole storage.
  return static_cast<int64_t>(t.numel()) * static_cast<int64_t>(t.element_size());
}

int32_t Handles::put(at::Tensor t) {
  if (!t.defined()) return -1;
  int64_t sz = storage_bytes(t);
  int32_t h;
  if (!free_.empty()) {
    h = free_.back();
    free_.pop_back();
    slots_[h] = std::move(t);
    sizes_[h] = sz;
  } else {
    h = static_cast<int32_t>(slots_.size());
    slots_.push_back(std::move(t));
    sizes_.push_back(sz);
  }
  ++live_;
  bytes_ += sz;
  return h;
}

bool Handles::valid(int64_t h) const {
  return h >= 0 && h < static_cast<int64_t>(slots_.size()) && slots_[h].defined();
}

at::Tensor Handles::get(int64_t h) const {
  if (!valid(h)) {
    throw JsError("tensor handle " + std::to_string(h) + " is disposed or unknown (use after dispose?)");
  }
  return slots_[h];
}

void Handles::release(int64_t h) {
  if (!valid(h)) throw JsError("dispose: tensor handle " + std::to_string(h) + " is already disposed");
  slots_[h] = at::Tensor();
  bytes_ -= sizes_[h];
  sizes_[h] = 0;
  free_.push_back(static_cast<int32_t>(h));
  --live_;
}

void Handles::sync_external_memory(napi_env env) {
  // V8 starts a full GC whenever reported external memory grows past its limits, and a training
  // step allocates and frees its activations every step: reporting every change caused about
  // nine mark-compacts per step (20% of the step on CPU). Reporting the high-water mark lets V8
  // see how much native memory the process holds, with no GC storm in steady state; it drops
  // back to zero only when no tensor is live. (GC cannot free tensors anyway: dispose does.)
  constexpr int64_t kStep = 8 << 20;
  int64_t target = reported_;
  if (bytes_ > reported_ + kStep) target = bytes_;
  else if (live_ == 0) target = 0;
  if (target != reported_) {
    int64_t out;
    ZC_NAPI(env, napi_adjust_external_memory(env, target - reported_, &out));
    reported_ = target;
  }
}

const char* dtype_name(at::ScalarType s) {
  switch (s) {
    case at::kFloat: return "float32";
    case at::kDouble: return "float64";
    case at::kHalf: return "float16";
    case at::kBFloat16: return "bfloat16";
    case at::kLong: return "int64";
    case at::kInt: return "int32";
    case at::kShort: return "int16";
    case at::kChar: return "int8";
    case at::kByte: return "uint8";
    case at::kBool: return "bool";
    default: return c10::toString(s);
  }
}

std::string describe(const at::Tensor& t) {
  if (!t.defined()) return "undefined";
  std::ostringstream os;
  os << dtype_name(t.scalar_type()) << "[";
  auto sizes = t.sizes();
  for (size_t i = 0; i < sizes.size(); ++i) os << (i ? "," : "") << sizes[i];
  os << "]";
  if (!t.device().is_cpu()) os << " " << t.device();
  return os.str();
}

}  // namespace zc
