// `kernels bundle import` reads archives from anywhere: whatever the bytes, the reader gives only
// regular files with safe paths, never more data than a member announces, and never crashes.
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "kernels/archive/tar_archive.hpp"

#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace kernels;
  TarReadLimits limits;
  limits.max_total_bytes = std::uint64_t{64} << 20U;  // a bomb stops here instead of at 256 GiB
  (void)read_tar(
      std::as_bytes(std::span(data, size)), "fuzz.tar",
      [](const TarMember& member, const TarDataReader& reader) -> Result<void> {
        fuzz::require(validate_archive_member_path(member.path).has_value(),
                      "members have safe paths");
        std::array<std::byte, 4096> buffer{};
        std::uint64_t total = 0;
        while (true) {
          auto got = reader(buffer);
          if (!got) return tl::unexpected(got.error());
          if (*got == 0) break;
          total += *got;
        }
        fuzz::require(total <= member.size, "no member gives more than it announces");
        return {};
      },
      limits);
  return 0;
}
