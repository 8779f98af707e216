#pragma once

// Text encodings of binary data: hex for digests in lockfiles and tree listings, base64 for the
// per-file digests of metadata.json (reference spec section 6.3).

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "kernels/error.hpp"

namespace kernels {

// Lowercase hex, two characters per byte (the form every digest in kernels.lock uses).
[[nodiscard]] std::string hex_encode(std::span<const std::uint8_t> bytes);
[[nodiscard]] std::string hex_encode(std::string_view bytes);

// Decodes hex of either case. Fails (invalid_input) on an odd length or any character that is not
// a hex digit; no whitespace, prefix or separator is accepted.
[[nodiscard]] Result<std::vector<std::uint8_t>> hex_decode(std::string_view text);

// True when `text` is non-empty and consists only of 0-9 and a-f (the canonical digest form).
[[nodiscard]] bool is_lowercase_hex(std::string_view text);

// Standard base64 (RFC 4648 section 4: A-Z a-z 0-9 + /) with `=` padding.
[[nodiscard]] std::string base64_encode(std::span<const std::uint8_t> bytes);
[[nodiscard]] std::string base64_encode(std::string_view bytes);

// Decodes standard, padded base64 strictly: the length must be a multiple of 4, padding may only
// end the text, and unused trailing bits must be zero, so that every byte string has exactly one
// accepted encoding. Fails with invalid_input otherwise.
[[nodiscard]] Result<std::vector<std::uint8_t>> base64_decode(std::string_view text);

}  // namespace kernels
