#pragma once

// Bounds-checked reads of little- or big-endian integers from an untrusted byte buffer: every read
// says whether the bytes are there, so a parser cannot step past the end of its input.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

namespace kernels::abi_detail {

class ByteReader {
 public:
  ByteReader(std::span<const std::byte> bytes, bool big_endian)
      : bytes_(bytes), big_endian_(big_endian) {}

  [[nodiscard]] std::size_t size() const { return bytes_.size(); }
  [[nodiscard]] bool big_endian() const { return big_endian_; }

  // Whether [offset, offset + length) lies inside the buffer (without overflow).
  [[nodiscard]] bool has(std::uint64_t offset, std::uint64_t length) const {
    return offset <= bytes_.size() && length <= bytes_.size() - offset;
  }

  [[nodiscard]] std::optional<std::uint32_t> u32(std::uint64_t offset) const {
    return read<std::uint32_t, 4>(offset);
  }
  [[nodiscard]] std::optional<std::uint64_t> u64(std::uint64_t offset) const {
    return read<std::uint64_t, 8>(offset);
  }
  [[nodiscard]] std::optional<std::uint8_t> u8(std::uint64_t offset) const {
    return read<std::uint8_t, 1>(offset);
  }

  // The NUL-terminated string at `offset` that must end before `limit` (an absolute offset, at
  // most size()); nothing when it runs past it.
  [[nodiscard]] std::optional<std::string> c_string(std::uint64_t offset,
                                                    std::uint64_t limit) const {
    if (limit > bytes_.size() || offset >= limit) return std::nullopt;
    std::string text;
    for (std::uint64_t at = offset; at < limit; ++at) {
      const auto c = static_cast<char>(bytes_[static_cast<std::size_t>(at)]);
      if (c == '\0') return text;
      text.push_back(c);
    }
    return std::nullopt;
  }

 private:
  template <class T, std::size_t N>
  [[nodiscard]] std::optional<T> read(std::uint64_t offset) const {
    if (!has(offset, N)) return std::nullopt;
    T value = 0;
    for (std::size_t i = 0; i < N; ++i) {
      const std::size_t index = big_endian_ ? i : N - 1 - i;
      value =
          static_cast<T>((value << 8U) | static_cast<T>(std::to_integer<std::uint8_t>(
                                             bytes_[static_cast<std::size_t>(offset) + index])));
    }
    return value;
  }

  std::span<const std::byte> bytes_;
  bool big_endian_;
};

}  // namespace kernels::abi_detail
