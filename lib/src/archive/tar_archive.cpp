// libarchive behind kernels/archive/tar_archive.hpp.
#include "kernels/archive/tar_archive.hpp"

#include <array>
#include <fstream>
#include <optional>
#include <utility>
#include <vector>

#include <archive.h>
#include <archive_entry.h>

#include "kernels/util/atomic_file.hpp"

namespace kernels {
namespace {

constexpr std::size_t kBlockSize = std::size_t{1} << 16U;

Error invalid_member(std::string_view path, std::string_view rule) {
  return Error{ErrorCode::invalid_input,
               "archive member '" + std::string(path) + "' " + std::string(rule) +
                   "; the archive is damaged or was not written by `kernels bundle export`",
               ""};
}

std::string archive_message(archive* handle, std::string_view fallback) {
  const char* text = handle != nullptr ? archive_error_string(handle) : nullptr;
  return text != nullptr ? std::string(text) : std::string(fallback);
}

struct ArchiveReadDeleter {
  void operator()(archive* handle) const noexcept { archive_read_free(handle); }
};
struct ArchiveWriteDeleter {
  void operator()(archive* handle) const noexcept { archive_write_free(handle); }
};
struct EntryDeleter {
  void operator()(archive_entry* entry) const noexcept { archive_entry_free(entry); }
};

}  // namespace

Result<void> validate_archive_member_path(std::string_view path) {
  if (path.empty()) return tl::unexpected(invalid_member(path, "has an empty path"));
  if (path.size() > 4096) return tl::unexpected(invalid_member(path, "has a path over 4096 bytes"));
  if (path.front() == '/') return tl::unexpected(invalid_member(path, "has an absolute path"));
  for (const char c : path) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7f)
      return tl::unexpected(invalid_member(path, "has a control character in its path"));
    if (c == '\\') return tl::unexpected(invalid_member(path, "has a backslash in its path"));
  }
  std::size_t start = 0;
  while (true) {
    const std::size_t end = path.find('/', start);
    const std::string_view part = path.substr(start, end - start);
    // A directory member ends in '/': its last, empty component is allowed.
    const bool last = end == std::string_view::npos || end + 1 == path.size();
    if (part.empty() && !(last && start == path.size()))
      return tl::unexpected(invalid_member(path, "has an empty path component"));
    if (part == "." || part == "..")
      return tl::unexpected(invalid_member(path, "has a '.' or '..' path component"));
    if (end == std::string_view::npos || end + 1 == path.size()) break;
    start = end + 1;
  }
  return {};
}

// ---- writing ---------------------------------------------------------------------------------

struct TarWriter::State {
  std::optional<AtomicFile> file;
  std::unique_ptr<archive, ArchiveWriteDeleter> handle;
  std::optional<Error> sink_error;
  bool finished = false;

  static la_ssize_t write_block(archive* /*handle*/, void* client, const void* buffer,
                                std::size_t length) {
    auto* state = static_cast<State*>(client);
    auto written = state->file->write(
        std::span<const std::byte>(static_cast<const std::byte*>(buffer), length));
    if (!written) {
      state->sink_error = written.error();
      return -1;
    }
    return static_cast<la_ssize_t>(length);
  }

  Error failure(std::string_view doing) const {
    if (sink_error) return *sink_error;
    return Error{ErrorCode::io,
                 std::string(doing) + ": " + archive_message(handle.get(), "libarchive failed"),
                 file ? file->destination().string() : std::string()};
  }

  Result<void> header(std::string_view member_path, std::uint64_t size) {
    if (auto valid = validate_archive_member_path(member_path); !valid) return valid;
    std::unique_ptr<archive_entry, EntryDeleter> entry(archive_entry_new());
    const std::string path(member_path);
    archive_entry_set_pathname_utf8(entry.get(), path.c_str());
    archive_entry_set_filetype(entry.get(), AE_IFREG);
    archive_entry_set_perm(entry.get(), 0644);
    archive_entry_set_size(entry.get(), static_cast<la_int64_t>(size));
    // Fixed metadata: the same locked kernels give the same archive bytes.
    archive_entry_set_mtime(entry.get(), 0, 0);
    if (archive_write_header(handle.get(), entry.get()) != ARCHIVE_OK)
      return tl::unexpected(failure("cannot add '" + path + "' to the archive"));
    return {};
  }

  Result<void> data(std::span<const std::byte> bytes, std::string_view member_path) {
    while (!bytes.empty()) {
      const la_ssize_t written = archive_write_data(handle.get(), bytes.data(), bytes.size());
      if (written <= 0)
        return tl::unexpected(failure("cannot write '" + std::string(member_path) + "'"));
      bytes = bytes.subspan(static_cast<std::size_t>(written));
    }
    return {};
  }
};

TarWriter::TarWriter(std::unique_ptr<State> state) : state_(std::move(state)) {}
TarWriter::~TarWriter() = default;
TarWriter::TarWriter(TarWriter&& other) noexcept = default;
TarWriter& TarWriter::operator=(TarWriter&& other) noexcept = default;

Result<TarWriter> TarWriter::create(const std::filesystem::path& destination,
                                    TarWriterOptions options) {
  auto state = std::make_unique<State>();
  auto file = AtomicFile::create(destination);
  if (!file) return tl::unexpected(file.error());
  state->file.emplace(std::move(*file));
  state->handle.reset(archive_write_new());
  archive* handle = state->handle.get();
  const std::string level = std::to_string(options.zstd_level);
  if (archive_write_add_filter_zstd(handle) != ARCHIVE_OK ||
      archive_write_set_filter_option(handle, "zstd", "compression-level", level.c_str()) !=
          ARCHIVE_OK ||
      archive_write_set_format_pax_restricted(handle) != ARCHIVE_OK ||
      archive_write_set_bytes_in_last_block(handle, 1) != ARCHIVE_OK)
    return tl::unexpected(state->failure("cannot set up a zstd tar archive"));
  if (archive_write_open(handle, state.get(), nullptr, &State::write_block, nullptr) != ARCHIVE_OK)
    return tl::unexpected(state->failure("cannot start the archive"));
  return TarWriter(std::move(state));
}

Result<void> TarWriter::add_bytes(std::string_view member_path, std::string_view bytes) {
  if (auto ok = state_->header(member_path, bytes.size()); !ok) return ok;
  return state_->data(std::as_bytes(std::span(bytes.data(), bytes.size())), member_path);
}

Result<void> TarWriter::add_file(std::string_view member_path,
                                 const std::filesystem::path& source) {
  std::error_code error;
  const std::uintmax_t size = std::filesystem::file_size(source, error);
  if (error)
    return tl::unexpected(
        Error{ErrorCode::io, "cannot read " + source.string() + ": " + error.message(), ""});
  std::ifstream stream(source, std::ios::binary);
  if (!stream) return tl::unexpected(Error{ErrorCode::io, "cannot open " + source.string(), ""});
  if (auto ok = state_->header(member_path, size); !ok) return ok;
  std::vector<char> buffer(kBlockSize);
  std::uintmax_t copied = 0;
  while (copied < size) {
    stream.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    const auto got = static_cast<std::size_t>(stream.gcount());
    if (got == 0) break;
    if (auto ok = state_->data(std::as_bytes(std::span(buffer.data(), got)), member_path); !ok)
      return ok;
    copied += got;
  }
  if (copied != size)
    return tl::unexpected(Error{ErrorCode::io,
                                source.string() + " changed size while it was archived (" +
                                    std::to_string(size) + " bytes announced, " +
                                    std::to_string(copied) + " read)",
                                ""});
  return {};
}

Result<void> TarWriter::finish() {
  if (state_->finished)
    return tl::unexpected(Error{ErrorCode::failure, "TarWriter::finish called twice", ""});
  state_->finished = true;
  if (archive_write_close(state_->handle.get()) != ARCHIVE_OK)
    return tl::unexpected(state_->failure("cannot finish the archive"));
  return state_->file->commit();
}

// ---- reading ---------------------------------------------------------------------------------

namespace {

using ArchiveReader = std::unique_ptr<archive, ArchiveReadDeleter>;

ArchiveReader new_reader() {
  ArchiveReader owner(archive_read_new());
  archive* handle = owner.get();
  archive_read_support_filter_zstd(handle);
  archive_read_support_filter_gzip(handle);
  archive_read_support_filter_xz(handle);
  archive_read_support_format_tar(handle);
  return owner;
}

Result<void> read_members(
    archive* handle, const std::string& where,
    const std::function<Result<void>(const TarMember&, const TarDataReader&)>& visit,
    TarReadLimits limits) {
  std::size_t members = 0;
  std::uint64_t total = 0;
  while (true) {
    archive_entry* entry = nullptr;
    const int status = archive_read_next_header(handle, &entry);
    if (status == ARCHIVE_EOF) return {};
    if (status != ARCHIVE_OK && status != ARCHIVE_WARN)
      return tl::unexpected(
          Error{ErrorCode::invalid_input,
                where + " is not a valid archive: " + archive_message(handle, "unreadable header"),
                where});
    if (++members > limits.max_members)
      return tl::unexpected(Error{
          ErrorCode::invalid_input,
          where + " has more than " + std::to_string(limits.max_members) + " members", where});
    const char* raw_path = archive_entry_pathname_utf8(entry);
    if (raw_path == nullptr) raw_path = archive_entry_pathname(entry);
    const std::string path = raw_path != nullptr ? raw_path : "";
    if (auto valid = validate_archive_member_path(path); !valid)
      return tl::unexpected(valid.error());
    if (archive_entry_hardlink(entry) != nullptr)
      return tl::unexpected(
          invalid_member(path, "is a hard link (bundles hold regular files only)"));
    const auto type = archive_entry_filetype(entry);
    if (type == AE_IFDIR) continue;
    if (type == AE_IFLNK)
      return tl::unexpected(
          invalid_member(path, "is a symbolic link (bundles hold regular files only)"));
    if (type != AE_IFREG) return tl::unexpected(invalid_member(path, "is not a regular file"));
    if (path.back() == '/')
      return tl::unexpected(invalid_member(path, "is a file whose path ends in '/'"));
    const la_int64_t announced = archive_entry_size(entry);
    if (announced < 0 || static_cast<std::uint64_t>(announced) > limits.max_member_bytes)
      return tl::unexpected(invalid_member(path, "is larger than the limit for one member"));
    const auto size = static_cast<std::uint64_t>(announced);
    if (total + size > limits.max_total_bytes)
      return tl::unexpected(invalid_member(path, "takes the archive past its size limit"));
    total += size;

    std::uint64_t delivered = 0;
    const TarDataReader reader = [&](std::span<std::byte> buffer) -> Result<std::size_t> {
      const la_ssize_t got = archive_read_data(handle, buffer.data(), buffer.size());
      if (got < 0)
        return tl::unexpected(Error{ErrorCode::invalid_input,
                                    "cannot read member '" + path + "' of " + where + ": " +
                                        archive_message(handle, "damaged data"),
                                    where});
      delivered += static_cast<std::uint64_t>(got);
      if (delivered > size)
        return tl::unexpected(invalid_member(path, "holds more data than its header announces"));
      return static_cast<std::size_t>(got);
    };
    if (auto visited = visit(TarMember{path, size}, reader); !visited) return visited;
  }
}

}  // namespace

Result<void> read_tar(
    const std::filesystem::path& archive_path,
    const std::function<Result<void>(const TarMember&, const TarDataReader&)>& visit,
    TarReadLimits limits) {
  ArchiveReader owner = new_reader();
  const std::string where = archive_path.string();
  if (archive_read_open_filename(owner.get(), where.c_str(), kBlockSize) != ARCHIVE_OK)
    return tl::unexpected(Error{
        ErrorCode::io,
        "cannot open " + where + ": " + archive_message(owner.get(), "not a readable tar archive"),
        where});
  return read_members(owner.get(), where, visit, limits);
}

Result<void> read_tar(
    std::span<const std::byte> bytes, std::string_view name,
    const std::function<Result<void>(const TarMember&, const TarDataReader&)>& visit,
    TarReadLimits limits) {
  ArchiveReader owner = new_reader();
  const std::string where(name);
  if (archive_read_open_memory(owner.get(), bytes.data(), bytes.size()) != ARCHIVE_OK)
    return tl::unexpected(Error{
        ErrorCode::invalid_input,
        where + " is not a valid archive: " + archive_message(owner.get(), "unreadable"), where});
  return read_members(owner.get(), where, visit, limits);
}

}  // namespace kernels
