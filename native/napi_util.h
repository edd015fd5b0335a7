// Small helpers over the C Node-API: checked calls, argument access, handle scopes, and turning
// C++ exceptions into JS errors. The addon knows tensors, never models.
#pragma once
#include <node_api.h>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace zc {

// An error that becomes a JS Error with exactly this message.
struct JsError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Throws a JsError naming the call when a Node-API call did not return napi_ok, so no status is
// silently dropped (tfjs-node's ENSURE_NAPI_OK). A JS exception the call left pending stays the
// one JS sees.
void check_napi(napi_env env, napi_status status, const char* call);
#define ZC_NAPI(env, call) ::zc::check_napi((env), (call), #call)

// Sets a pending JS Error unless one is already pending. Never throws (it runs in catch blocks).
void throw_js(napi_env env, const std::string& msg) noexcept;

// Runs fn and converts any C++ exception (c10::Error included, and non-standard ones) to a
// pending JS exception whose message names `what`.
template <typename F>
napi_value guarded(napi_env env, const char* what, F&& fn) noexcept;

// A handle scope that is closed on every path out of the block, exceptions included.
class HandleScope {
 public:
  explicit HandleScope(napi_env env);
  ~HandleScope();
  HandleScope(const HandleScope&) = delete;
  HandleScope& operator=(const HandleScope&) = delete;

 private:
  napi_env env_;
  napi_handle_scope scope_ = nullptr;
};

napi_value make_int(napi_env env, int64_t v);
napi_value make_double(napi_env env, double v);
napi_value make_bool(napi_env env, bool v);
napi_value make_string(napi_env env, const std::string& s);
napi_value make_array(napi_env env, size_t n);
void set_element(napi_env env, napi_value arr, uint32_t i, napi_value v);
void set_property(napi_env env, napi_value obj, const char* name, napi_value v);
napi_value undefined(napi_env env);
napi_value null_value(napi_env env);

int64_t get_int(napi_env env, napi_value v, const char* what);
double get_double(napi_env env, napi_value v, const char* what);
bool get_bool(napi_env env, napi_value v, const char* what);
std::string get_string(napi_env env, napi_value v, const char* what);
std::vector<int64_t> get_int_list(napi_env env, napi_value v, const char* what);
napi_valuetype type_of(napi_env env, napi_value v);
bool is_array(napi_env env, napi_value v);
uint32_t array_length(napi_env env, napi_value v);
napi_value array_get(napi_env env, napi_value arr, uint32_t i);

// Reads up to N arguments; missing ones are undefined.
struct Args {
  static constexpr size_t kMax = 24;
  napi_value argv[kMax];
  size_t argc = kMax;
  Args(napi_env env, napi_callback_info info);
  napi_value operator[](size_t i) const { return argv[i]; }
};

void export_fn(napi_env env, napi_value exports, const char* name, napi_callback cb);

std::string describe_exception(const std::exception& e);

template <typename F>
napi_value guarded(napi_env env, const char* what, F&& fn) noexcept {
  try {
    return fn();
  } catch (const JsError& e) {
    throw_js(env, e.what());
  } catch (const std::exception& e) {
    throw_js(env, std::string(what) + ": " + describe_exception(e));
  } catch (...) {
    throw_js(env, std::string(what) + ": unknown native exception");
  }
  return nullptr;
}

}  // namespace zc
