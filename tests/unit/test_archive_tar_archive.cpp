#include <cstddef>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include <archive.h>
#include <archive_entry.h>
#include <doctest/doctest.h>

#include "kernels/archive/tar_archive.hpp"

#include "scratch_dir.hpp"

namespace {

using kernels::ErrorCode;
using kernels::TarDataReader;
using kernels::TarMember;
using kernels::testing::ScratchDir;

struct ReadMember {
  std::string path;
  std::uint64_t size = 0;
  std::string data;
};

kernels::Result<std::vector<ReadMember>> read_all(const std::filesystem::path& file,
                                                  kernels::TarReadLimits limits = {}) {
  std::vector<ReadMember> members;
  auto ok = kernels::read_tar(
      file,
      [&](const TarMember& member, const TarDataReader& reader) -> kernels::Result<void> {
        ReadMember read{member.path, member.size, {}};
        std::vector<std::byte> buffer(4096);
        while (true) {
          auto got = reader(buffer);
          if (!got) return tl::unexpected(got.error());
          if (*got == 0) break;
          read.data.append(reinterpret_cast<const char*>(buffer.data()), *got);
        }
        members.push_back(std::move(read));
        return {};
      },
      limits);
  if (!ok) return tl::unexpected(ok.error());
  return members;
}

// An archive written with libarchive directly, as a hostile or foreign tool would: any path, any
// member type.
struct RawMember {
  std::string path;
  unsigned type = AE_IFREG;
  std::string data;
  std::string link;  // symlink target, or hard link target when type is AE_IFREG
};

void write_raw(const std::filesystem::path& file, const std::vector<RawMember>& members,
               bool gzip = false) {
  archive* handle = archive_write_new();
  if (gzip) archive_write_add_filter_gzip(handle);
  archive_write_set_format_pax_restricted(handle);
  REQUIRE(archive_write_open_filename(handle, file.c_str()) == ARCHIVE_OK);
  for (const RawMember& member : members) {
    archive_entry* entry = archive_entry_new();
    archive_entry_set_pathname(entry, member.path.c_str());
    archive_entry_set_filetype(entry, member.type);
    archive_entry_set_perm(entry, 0644);
    if (member.type == AE_IFLNK) archive_entry_set_symlink(entry, member.link.c_str());
    if (member.type == AE_IFREG && !member.link.empty())
      archive_entry_set_hardlink(entry, member.link.c_str());
    archive_entry_set_size(entry, static_cast<la_int64_t>(member.data.size()));
    REQUIRE(archive_write_header(handle, entry) == ARCHIVE_OK);
    if (!member.data.empty()) archive_write_data(handle, member.data.data(), member.data.size());
    archive_entry_free(entry);
  }
  archive_write_close(handle);
  archive_write_free(handle);
}

std::string big_content() {
  std::string content(std::size_t{3} << 20U, '\0');
  std::uint32_t state = 12345;
  for (char& c : content) {
    state = state * 1103515245U + 12345U;
    c = static_cast<char>(state >> 24U);
  }
  return content;
}

}  // namespace

TEST_CASE("tar archive: what the writer adds the reader gives back, in order and intact") {
  ScratchDir dir;
  const std::string big = big_content();
  const auto source = dir.write("blob", big);
  const auto file = dir.path() / "bundle.tar.zst";
  {
    auto writer = kernels::TarWriter::create(file);
    REQUIRE(writer);
    REQUIRE(writer->add_bytes("manifest.json", "{\"kernels\": []}"));
    REQUIRE(writer->add_file("blobs/abc", source));
    REQUIRE(writer->add_bytes("empty", ""));
    REQUIRE(writer->finish());
  }
  auto members = read_all(file);
  REQUIRE(members);
  REQUIRE(members->size() == 3);
  CHECK((*members)[0].path == "manifest.json");
  CHECK((*members)[0].data == "{\"kernels\": []}");
  CHECK((*members)[1].path == "blobs/abc");
  CHECK((*members)[1].size == big.size());
  CHECK((*members)[1].data == big);
  CHECK((*members)[2].data.empty());
  // zstd compressed: the pseudo-random blob does not shrink, but the archive is not plain tar.
  const std::string bytes = ScratchDir::read(file);
  CHECK(bytes.substr(0, 4) == std::string("\x28\xb5\x2f\xfd", 4));
}

TEST_CASE("tar archive: the same input gives the same archive bytes") {
  ScratchDir dir;
  for (const char* name : {"a.tar.zst", "b.tar.zst"}) {
    auto writer = kernels::TarWriter::create(dir.path() / name);
    REQUIRE(writer);
    REQUIRE(writer->add_bytes("x/y", "same"));
    REQUIRE(writer->finish());
  }
  CHECK(ScratchDir::read(dir.path() / "a.tar.zst") == ScratchDir::read(dir.path() / "b.tar.zst"));
}

TEST_CASE("tar archive: an unfinished writer leaves nothing behind") {
  ScratchDir dir;
  const auto file = dir.path() / "bundle.tar.zst";
  {
    auto writer = kernels::TarWriter::create(file);
    REQUIRE(writer);
    REQUIRE(writer->add_bytes("a", "partial"));
    CHECK_FALSE(std::filesystem::exists(file));
  }
  CHECK_FALSE(std::filesystem::exists(file));
  CHECK(std::filesystem::is_empty(dir.path()));
}

TEST_CASE("tar archive: the writer refuses member paths the reader would refuse") {
  ScratchDir dir;
  auto writer = kernels::TarWriter::create(dir.path() / "x.tar.zst");
  REQUIRE(writer);
  for (const char* path : {"../escape", "/etc/passwd", "a/../../b", "a\\b", "a//b", "", "./a"}) {
    CAPTURE(path);
    auto added = writer->add_bytes(path, "x");
    REQUIRE_FALSE(added);
    CHECK(added.error().code == ErrorCode::invalid_input);
  }
}

TEST_CASE("tar archive: member paths") {
  CHECK(kernels::validate_archive_member_path("kernels--org--x/blobs/abc"));
  CHECK(kernels::validate_archive_member_path("dir/"));
  CHECK_FALSE(kernels::validate_archive_member_path("a/.."));
  CHECK_FALSE(kernels::validate_archive_member_path("a/./b"));
  CHECK_FALSE(kernels::validate_archive_member_path(std::string("a\0b", 3)));
  CHECK_FALSE(kernels::validate_archive_member_path("a\nb"));
}

TEST_CASE("tar archive: links and escaping paths are refused, naming the member") {
  ScratchDir dir;
  const std::vector<std::pair<RawMember, std::string>> hostile = {
      {{"blobs/link", AE_IFLNK, "", "../../../etc/passwd"}, "symbolic link"},
      {{"blobs/hard", AE_IFREG, "", "/etc/passwd"}, "hard link"},
      {{"../outside", AE_IFREG, "x", ""}, "'..'"},
      {{"/etc/cron.d/x", AE_IFREG, "x", ""}, "absolute"},
      {{"fifo", AE_IFIFO, "", ""}, "not a regular file"},
  };
  for (const auto& [member, rule] : hostile) {
    CAPTURE(member.path);
    const auto file = dir.path() / "hostile.tar";
    write_raw(file, {{"fine", AE_IFREG, "ok", ""}, member});
    auto members = read_all(file);
    REQUIRE_FALSE(members);
    CHECK(members.error().code == ErrorCode::invalid_input);
    CHECK(members.error().message.find(member.path) != std::string::npos);
    CHECK(members.error().message.find(rule) != std::string::npos);
  }
}

TEST_CASE("tar archive: directories are skipped, gzip is read too") {
  ScratchDir dir;
  const auto file = dir.path() / "foreign.tar.gz";
  write_raw(file, {{"d/", AE_IFDIR, "", ""}, {"d/f", AE_IFREG, "content", ""}}, true);
  auto members = read_all(file);
  REQUIRE(members);
  REQUIRE(members->size() == 1);
  CHECK((*members)[0].path == "d/f");
  CHECK((*members)[0].data == "content");
}

TEST_CASE("tar archive: a truncated or garbled archive is an error, never a crash") {
  ScratchDir dir;
  const auto good = dir.path() / "good.tar.zst";
  {
    auto writer = kernels::TarWriter::create(good);
    REQUIRE(writer);
    REQUIRE(writer->add_bytes("a", big_content()));
    REQUIRE(writer->add_bytes("b", "tail"));
    REQUIRE(writer->finish());
  }
  const std::string bytes = ScratchDir::read(good);
  for (const std::size_t keep :
       {std::size_t{0}, std::size_t{3}, std::size_t{100}, bytes.size() / 2, bytes.size() - 1}) {
    CAPTURE(keep);
    const auto cut = dir.write("cut.tar.zst", bytes.substr(0, keep));
    auto members = read_all(cut);
    CHECK_FALSE(members);
  }
  std::string garbled = bytes;
  for (std::size_t i = 200; i < garbled.size(); i += 997)
    garbled[i] = static_cast<char>(~garbled[i]);
  auto members = read_all(dir.write("garbled.tar.zst", garbled));
  CHECK_FALSE(members);
}

TEST_CASE("tar archive: limits on members and sizes") {
  ScratchDir dir;
  const auto file = dir.path() / "many.tar";
  write_raw(file, {{"a", AE_IFREG, "12345", ""}, {"b", AE_IFREG, "67890", ""}});
  CHECK(read_all(file));
  kernels::TarReadLimits one_member;
  one_member.max_members = 1;
  CHECK_FALSE(read_all(file, one_member));
  kernels::TarReadLimits small_member;
  small_member.max_member_bytes = 4;
  CHECK_FALSE(read_all(file, small_member));
  kernels::TarReadLimits small_total;
  small_total.max_total_bytes = 9;
  auto total = read_all(file, small_total);
  REQUIRE_FALSE(total);
  CHECK(total.error().message.find("'b'") != std::string::npos);
}

TEST_CASE("tar archive: a missing file is an io error naming it") {
  ScratchDir dir;
  auto members = read_all(dir.path() / "absent.tar.zst");
  REQUIRE_FALSE(members);
  CHECK(members.error().code == ErrorCode::io);
  CHECK(members.error().message.find("absent.tar.zst") != std::string::npos);
}
