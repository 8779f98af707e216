#include "kernels/util/text_file.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <system_error>

namespace kernels {

std::string describe_size(std::size_t bytes) {
  constexpr std::size_t kKiB = 1024;
  if (bytes % (kKiB * kKiB) == 0 && bytes > 0) return std::to_string(bytes / kKiB / kKiB) + " MiB";
  if (bytes % kKiB == 0 && bytes > 0) return std::to_string(bytes / kKiB) + " KiB";
  return std::to_string(bytes) + " bytes";
}

Result<std::string> read_text_file(const std::filesystem::path& file, std::size_t max_bytes) {
  const std::string where = file.string();
  std::error_code status_error;
  const auto status = std::filesystem::status(file, status_error);
  if (status.type() == std::filesystem::file_type::not_found) {
    return fail(ErrorCode::not_found, "the file does not exist", where);
  }
  if (status_error) {
    return fail(ErrorCode::io, "cannot read the file: " + status_error.message(), where);
  }
  if (std::filesystem::is_directory(status)) {
    return fail(ErrorCode::io, "this is a directory, expected a file", where);
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    return fail(ErrorCode::io, std::string("cannot open the file: ") + std::strerror(errno), where);
  }
  // Read in chunks up to one byte past the limit, so that a file growing while it is read, or a
  // pipe, is caught as well as a large regular file.
  std::string content;
  std::string chunk(64 * 1024, '\0');
  while (in) {
    in.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
    content.append(chunk.data(), static_cast<std::size_t>(in.gcount()));
    if (content.size() > max_bytes) {
      return fail(ErrorCode::invalid_input,
                  "the file is larger than " + describe_size(max_bytes) +
                      "; refusing to read it (is it really this kind of file?)",
                  where);
    }
  }
  if (in.bad()) {
    return fail(ErrorCode::io, std::string("reading the file failed: ") + std::strerror(errno),
                where);
  }
  return content;
}

}  // namespace kernels
