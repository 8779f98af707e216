#include "kernels/mirror/faults.hpp"

#include <string>

namespace kernels::mirror {
namespace {

// SplitMix64: a small, well-mixed hash of a 64-bit counter, ample for picking faults.
std::uint64_t mix(std::uint64_t value) {
  value += 0x9E3779B97F4A7C15ULL;
  value = (value ^ (value >> 30)) * 0xBF58476D1CE4E5B9ULL;
  value = (value ^ (value >> 27)) * 0x94D049BB133111EBULL;
  return value ^ (value >> 31);
}

// Uniform in [0, 1) from the top 53 bits.
double uniform(std::uint64_t seed, std::uint64_t index) {
  const std::uint64_t bits = mix(mix(seed) ^ index) >> 11;
  return static_cast<double>(bits) / static_cast<double>(1ULL << 53);
}

}  // namespace

Result<void> validate_fault_options(const FaultOptions& options) {
  const std::pair<const char*, double> rates[] = {{"--drop-rate", options.drop_rate},
                                                  {"--error-rate", options.error_rate},
                                                  {"--rate-limit-rate", options.rate_limit_rate},
                                                  {"--truncate-rate", options.truncate_rate},
                                                  {"--corrupt-rate", options.corrupt_rate}};
  double sum = 0;
  for (const auto& [name, rate] : rates) {
    if (!(rate >= 0 && rate <= 1)) {
      return fail(ErrorCode::usage,
                  std::string(name) + " must be between 0 and 1 (a share of requests)");
    }
    sum += rate;
  }
  if (sum > 1 + 1e-9) {
    return fail(ErrorCode::usage,
                "the fault rates add up to more than 1; a request gets at most one fault");
  }
  return {};
}

Fault fault_for_request(const FaultOptions& options, std::uint64_t request_index) {
  const double draw = uniform(options.seed, request_index);
  double threshold = options.drop_rate;
  if (draw < threshold) return Fault::drop;
  threshold += options.error_rate;
  if (draw < threshold) return Fault::error;
  threshold += options.rate_limit_rate;
  if (draw < threshold) return Fault::rate_limit;
  threshold += options.truncate_rate;
  if (draw < threshold) return Fault::truncate;
  threshold += options.corrupt_rate;
  if (draw < threshold) return Fault::corrupt;
  return Fault::none;
}

}  // namespace kernels::mirror
