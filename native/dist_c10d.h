// Data-parallel collectives over c10d (TCPStore + ProcessGroupGloo); see dist_c10d.cc.
#pragma once
#include <node_api.h>

namespace zc {
// Registers distInit, distAllreduce, distAllreduceGrads, distBroadcast, distAllGather,
// distBarrier, distInfo and distDestroy. Without c10d/Gloo headers, distInit throws.
void register_dist(napi_env env, napi_value exports);
}  // namespace zc
