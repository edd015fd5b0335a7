// Small helpers over the C Node-API: argument access and turning C++ exceptions into JS errors.
// The addon knows tensors, never models.
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

void throw_js(napi_env env, const std::string& msg);

// Runs fn and converts any C++ exception (c10::Error included) to a pending JS exception.
template <typename F>
napi_value guarded(napi_env env, const char* what, F&& fn);

napi_value make_int(napi_env env, int64_t v);
napi_value make_double(napi_env env, double v);
napi_value make_bool(napi_env env, bool v);
napi_value make_string(napi_env env, const std::string& s);
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
napi_value guarded(napi_env env, const char* what, F&& fn) {
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
