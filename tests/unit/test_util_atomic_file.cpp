#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kernels/util/atomic_file.hpp"

#include "scratch_dir.hpp"

using kernels::AtomicFile;
using kernels::ErrorCode;
using kernels::testing::ScratchDir;

namespace {

std::vector<std::string> names_in(const std::filesystem::path& directory) {
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(directory)) {
    names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

bool has_temp_files(const std::filesystem::path& directory) {
  for (const std::string& name : names_in(directory)) {
    if (kernels::is_atomic_temp_name(name)) return true;
  }
  return false;
}

// Whether this process can create files in `directory` despite its mode (root can).
bool can_create_in(const std::filesystem::path& directory) {
  const std::filesystem::path probe = directory / "probe";
  const int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
  if (fd < 0) return false;
  ::close(fd);
  ::unlink(probe.c_str());
  return true;
}

}  // namespace

TEST_CASE("atomic file: content lands at the destination on commit") {
  const ScratchDir dir;
  const auto destination = dir.path() / "kernels.lock";
  auto file = AtomicFile::create(destination);
  REQUIRE(file.has_value());
  CHECK(file->destination() == destination);
  CHECK(file->temp_path().parent_path() == dir.path());
  CHECK(kernels::is_atomic_temp_name(file->temp_path().filename().string()));
  CHECK(file->temp_path().filename().string().starts_with("kernels.lock.kernels-tmp."));
  REQUIRE(file->write(std::string_view("[\n  ")).has_value());
  REQUIRE(file->write(std::vector<std::uint8_t>{'1', '\n'}).has_value());
  REQUIRE(file->write(std::string_view("]")).has_value());
  CHECK_FALSE(std::filesystem::exists(destination));
  REQUIRE(file->commit().has_value());
  CHECK(ScratchDir::read(destination) == "[\n  1\n]");
  CHECK(names_in(dir.path()) == std::vector<std::string>{"kernels.lock"});
}

TEST_CASE("atomic file: an existing file is replaced only on commit") {
  const ScratchDir dir;
  const auto destination = dir.write("config.toml", "old content");
  {
    auto file = AtomicFile::create(destination);
    REQUIRE(file.has_value());
    REQUIRE(file->write(std::string_view("new content")).has_value());
    CHECK(ScratchDir::read(destination) == "old content");
    CHECK(has_temp_files(dir.path()));
    REQUIRE(file->commit().has_value());
    CHECK(ScratchDir::read(destination) == "new content");
  }
  CHECK(ScratchDir::read(destination) == "new content");
  CHECK_FALSE(has_temp_files(dir.path()));
}

TEST_CASE("atomic file: an abandoned writer leaves the destination and no temporary file") {
  const ScratchDir dir;
  const auto destination = dir.write("blob", "verified");
  std::filesystem::path temp_path;
  {
    auto file = AtomicFile::create(destination);
    REQUIRE(file.has_value());
    temp_path = file->temp_path();
    REQUIRE(file->write(std::string_view("half a downl")).has_value());
    CHECK(std::filesystem::exists(temp_path));
  }
  CHECK_FALSE(std::filesystem::exists(temp_path));
  CHECK(ScratchDir::read(destination) == "verified");
  CHECK(names_in(dir.path()) == std::vector<std::string>{"blob"});

  const auto fresh = dir.path() / "never-written";
  {
    auto file = AtomicFile::create(fresh);
    REQUIRE(file.has_value());
    file->discard();
    CHECK_FALSE(std::filesystem::exists(file->temp_path()));
    const auto late = file->commit();
    REQUIRE_FALSE(late.has_value());
  }
  CHECK_FALSE(std::filesystem::exists(fresh));
  CHECK_FALSE(has_temp_files(dir.path()));
}

TEST_CASE("atomic file: moving a writer keeps one owner of the temporary file") {
  const ScratchDir dir;
  const auto destination = dir.path() / "moved";
  auto created = AtomicFile::create(destination);
  REQUIRE(created.has_value());
  AtomicFile owner = std::move(*created);
  REQUIRE(owner.write(std::string_view("payload")).has_value());

  auto other = AtomicFile::create(dir.path() / "other");
  REQUIRE(other.has_value());
  const auto other_temp = other->temp_path();
  *other = std::move(owner);  // the replaced writer's temporary file goes away
  CHECK_FALSE(std::filesystem::exists(other_temp));
  REQUIRE(other->commit().has_value());
  CHECK(ScratchDir::read(destination) == "payload");
  CHECK_FALSE(std::filesystem::exists(dir.path() / "other"));
  CHECK_FALSE(has_temp_files(dir.path()));
}

TEST_CASE("atomic file: commit and write after commit are refused") {
  const ScratchDir dir;
  auto file = AtomicFile::create(dir.path() / "once");
  REQUIRE(file.has_value());
  REQUIRE(file->commit().has_value());
  CHECK(ScratchDir::read(dir.path() / "once").empty());
  CHECK_FALSE(file->commit().has_value());
  CHECK_FALSE(file->write(std::string_view("late")).has_value());
  CHECK(ScratchDir::read(dir.path() / "once").empty());
}

TEST_CASE("atomic file: write_file_atomically creates and replaces") {
  const ScratchDir dir;
  const auto path = dir.path() / "refs-main";
  REQUIRE(kernels::write_file_atomically(path, "d649efb5").has_value());
  CHECK(ScratchDir::read(path) == "d649efb5");
  REQUIRE(kernels::write_file_atomically(path, "").has_value());
  CHECK(ScratchDir::read(path).empty());
  CHECK(names_in(dir.path()) == std::vector<std::string>{"refs-main"});
}

TEST_CASE("atomic file: a write that need not be durable is published the same way") {
  // What it skips (the fsyncs) only shows after a crash; what it keeps is checked here.
  const ScratchDir dir;
  const auto path = dir.path() / "refs-v1";
  const kernels::AtomicFileOptions hint{.mode = 0600, .durable = false};
  REQUIRE(kernels::write_file_atomically(path, "d649efb5", hint).has_value());
  REQUIRE(kernels::write_file_atomically(path, "a85f0ba2", hint).has_value());
  CHECK(ScratchDir::read(path) == "a85f0ba2");
  struct stat info {};
  REQUIRE(::stat(path.c_str(), &info) == 0);
  CHECK((info.st_mode & 0777) == 0600);

  auto writer = AtomicFile::create(dir.path() / "moved", hint);
  REQUIRE(writer.has_value());
  AtomicFile moved = std::move(*writer);
  REQUIRE(moved.write(std::string_view("x")).has_value());
  REQUIRE(moved.commit().has_value());
  CHECK(names_in(dir.path()) == std::vector<std::string>{"moved", "refs-v1"});
}

TEST_CASE("atomic file: the new file gets the requested mode under the umask") {
  const ScratchDir dir;
  const auto path = dir.path() / "private";
  REQUIRE(kernels::write_file_atomically(path, "x", kernels::AtomicFileOptions{0600}).has_value());
  struct stat info {};
  REQUIRE(::stat(path.c_str(), &info) == 0);
  CHECK((info.st_mode & 0777) == 0600);
}

TEST_CASE("atomic file: a missing directory fails with a clear error") {
  const ScratchDir dir;
  const auto destination = dir.path() / "no-such-dir" / "file";
  const auto result = kernels::write_file_atomically(destination, "content");
  REQUIRE_FALSE(result.has_value());
  CHECK(result.error().code == ErrorCode::io);
  const std::string text = result.error().describe();
  CHECK(text.find(destination.string()) != std::string::npos);
  CHECK(text.find((dir.path() / "no-such-dir").string()) != std::string::npos);
  CHECK(text.find("No such file or directory") != std::string::npos);
  CHECK(names_in(dir.path()).empty());
}

TEST_CASE("atomic file: a destination without a file name is refused") {
  const ScratchDir dir;
  const auto result = AtomicFile::create(dir.path() / "sub" / "");
  REQUIRE_FALSE(result.has_value());
  CHECK(result.error().code == ErrorCode::invalid_input);
}

TEST_CASE("atomic file: renaming over a directory fails and cleans up") {
  const ScratchDir dir;
  const auto destination = dir.path() / "occupied";
  std::filesystem::create_directory(destination);
  std::filesystem::create_directory(destination / "child");  // a non-empty directory
  auto file = AtomicFile::create(destination);
  REQUIRE(file.has_value());
  REQUIRE(file->write(std::string_view("data")).has_value());
  const auto committed = file->commit();
  REQUIRE_FALSE(committed.has_value());
  CHECK(committed.error().code == ErrorCode::io);
  CHECK(committed.error().message.find("rename") != std::string::npos);
  CHECK(std::filesystem::is_directory(destination));
  CHECK_FALSE(has_temp_files(dir.path()));
}

TEST_CASE("atomic file: a read-only directory fails with a clear error") {
  const ScratchDir dir;
  const auto locked = dir.path() / "locked";
  std::filesystem::create_directory(locked);
  const auto existing = dir.write("locked/file", "old");  // before the directory turns read-only
  std::filesystem::permissions(
      locked, std::filesystem::perms::owner_read | std::filesystem::perms::owner_exec);
  if (can_create_in(locked)) {
    // Root (CAP_DAC_OVERRIDE) writes anyway; the check cannot be made by this user.
    MESSAGE("skipped: this process can write into a read-only directory (running as root?)");
    return;
  }
  const auto result = kernels::write_file_atomically(existing, "content");
  REQUIRE_FALSE(result.has_value());
  CHECK(result.error().code == ErrorCode::io);
  CHECK(result.error().describe().find(existing.string()) != std::string::npos);
  CHECK(result.error().message.find("Permission denied") != std::string::npos);
  CHECK(ScratchDir::read(existing) == "old");
  CHECK(names_in(locked) == std::vector<std::string>{"file"});
}
