#include "kernels/abi/binary_file.hpp"

#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "elf_image.hpp"

namespace kernels {
namespace {

// A private, writable mapping of a whole file: writes (libelf's in-place conversions) stay in
// this process and never reach the file.
class PrivateMapping {
 public:
  PrivateMapping() = default;
  PrivateMapping(const PrivateMapping&) = delete;
  PrivateMapping& operator=(const PrivateMapping&) = delete;
  ~PrivateMapping() {
    if (address_ != nullptr) munmap(address_, size_);
  }

  Result<void> map(const std::filesystem::path& path) {
    const auto io_error = [&path](const char* what) {
      return fail(ErrorCode::io, std::string(what) + ": " + std::strerror(errno), path.string());
    };
    const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return io_error("cannot open the file");
    struct stat status {};
    if (fstat(fd, &status) != 0) {
      close(fd);
      return io_error("cannot stat the file");
    }
    size_ = static_cast<std::size_t>(status.st_size);
    if (size_ > 0) {
      void* address = mmap(nullptr, size_, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
      if (address == MAP_FAILED) {
        close(fd);
        return io_error("cannot map the file");
      }
      address_ = address;
    }
    close(fd);
    return {};
  }

  [[nodiscard]] std::span<std::byte> bytes() const {
    return {static_cast<std::byte*>(address_), size_};
  }

 private:
  void* address_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace

Result<BinaryFile> read_binary(std::span<const std::byte> bytes) {
  BinaryFile file;
  file.format = detect_binary_format(bytes);
  if (file.format == BinaryFormat::elf) {
    auto elf = read_elf(bytes);
    if (!elf) return tl::unexpected(elf.error());
    file.elf = std::move(*elf);
  } else if (file.format == BinaryFormat::mach_o || file.format == BinaryFormat::mach_o_fat) {
    auto macho = read_macho(bytes);
    if (!macho) return tl::unexpected(macho.error());
    file.macho = std::move(*macho);
  }
  return file;
}

Result<BinaryFile> read_binary_file(const std::filesystem::path& path) {
  PrivateMapping mapping;
  if (auto mapped = mapping.map(path); !mapped) return tl::unexpected(mapped.error());
  Result<BinaryFile> file;
  if (detect_binary_format(mapping.bytes()) == BinaryFormat::elf) {
    // The mapping is private, so libelf may convert in place without the copy read_elf makes.
    auto elf = abi_detail::read_elf_image(mapping.bytes());
    if (elf) {
      file = BinaryFile{BinaryFormat::elf, std::move(*elf), std::nullopt};
    } else {
      file = tl::unexpected(elf.error());
    }
  } else {
    file = read_binary(mapping.bytes());
  }
  if (!file) file.error().location = path.string();
  return file;
}

}  // namespace kernels
