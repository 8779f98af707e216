#include "hub/curl_handles.hpp"

namespace kernels::detail {

bool ensure_curl_initialized() {
  static const bool initialized = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
  return initialized;
}

}  // namespace kernels::detail
