// The handle table: JS holds small integers, C++ holds the at::Tensor they name.
// Handle -1 stands for "no tensor" (an undefined grad, an absent optional).
// Each JS environment has its own table (env_state.h: handles(env)).
#pragma once
#include <ATen/ATen.h>
#include <node_api.h>
#include <cstdint>
#include <vector>

namespace zc {

class Handles {
 public:
  int32_t put(at::Tensor t);            // undefined tensors map to -1
  // By value (a refcount bump): a reference into slots_ would dangle as soon as a put() during
  // the same call grows the table. Throws a JsError naming a disposed or unknown handle.
  at::Tensor get(int64_t h) const;
  bool valid(int64_t h) const;
  void release(int64_t h);
  int64_t live() const { return live_; }
  int64_t bytes() const { return bytes_; }
  // Tells V8 how much native memory JS handles keep alive, in coarse steps.
  void sync_external_memory(napi_env env);

 private:
  std::vector<at::Tensor> slots_;
  std::vector<int32_t> free_;
  std::vector<int64_t> sizes_;
  int64_t live_ = 0;
  int64_t bytes_ = 0;
  int64_t reported_ = 0;
};

// Short description for error messages: float32[2,3] cuda:0
std::string describe(const at::Tensor& t);
const char* dtype_name(at::ScalarType s);

}  // namespace zc
