#include "system/torch_locate.hpp"

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "util/ascii.hpp"

namespace kernels::system_detail {
namespace {

using ascii::trim;

namespace fs = std::filesystem;

bool directory_exists(const fs::path& path) {
  std::error_code ec;
  return fs::is_directory(path, ec);
}

bool file_exists(const fs::path& path) {
  std::error_code ec;
  return fs::is_regular_file(path, ec);
}

// The minor number of "python3.12" (or "python3.13t"), or nothing for other names.
std::optional<std::uint32_t> python3_minor(std::string_view name) {
  constexpr std::string_view kPrefix = "python3.";
  if (!name.starts_with(kPrefix)) return std::nullopt;
  name.remove_prefix(kPrefix.size());
  std::uint32_t minor = 0;
  std::size_t digits = 0;
  while (digits < name.size() && digits < 4 && name[digits] >= '0' && name[digits] <= '9') {
    minor = minor * 10U + static_cast<std::uint32_t>(name[digits] - '0');
    ++digits;
  }
  if (digits == 0) return std::nullopt;
  return minor;
}

// <prefix>/lib/python3.X folders: just `version`'s when it is known ("python3.11"), otherwise
// every python3.* there, newest first.
std::vector<fs::path> python_lib_dirs(const fs::path& lib,
                                      const std::optional<std::string>& version) {
  if (version) return {lib / *version};
  std::vector<std::pair<std::uint32_t, fs::path>> found;
  std::error_code ec;
  for (fs::directory_iterator it(lib, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (const auto minor = python3_minor(name)) found.emplace_back(*minor, it->path());
  }
  std::sort(found.begin(), found.end(), [](const auto& a, const auto& b) {
    if (a.first != b.first) return a.first > b.first;
    return a.second < b.second;
  });
  std::vector<fs::path> dirs;
  for (auto& entry : found)
    dirs.push_back(std::move(entry.second));
  return dirs;
}

// "key = value" lines of pyvenv.cfg.
std::optional<std::string> read_cfg_value(const fs::path& file, std::string_view key) {
  std::ifstream in(file);
  std::string line;
  while (std::getline(in, line)) {
    const auto equals = line.find('=');
    if (equals == std::string::npos) continue;
    if (trim(std::string_view(line).substr(0, equals)) != key) continue;
    return std::string(trim(std::string_view(line).substr(equals + 1)));
  }
  return std::nullopt;
}

// "python3.11" from a pyvenv.cfg `version = 3.11.7` (or `version_info = 3.12.1.final.0`).
std::optional<std::string> venv_python_name(const fs::path& cfg) {
  auto version = read_cfg_value(cfg, "version");
  if (!version) version = read_cfg_value(cfg, "version_info");
  if (!version || !version->starts_with("3.")) return std::nullopt;
  const auto second_dot = version->find('.', 2);
  return "python" + version->substr(0, second_dot);
}

class CandidateList {
 public:
  void add(const fs::path& dir, TorchSource source, const std::string& detail) {
    if (!directory_exists(dir)) return;
    const fs::path normal = dir.lexically_normal();
    for (const auto& existing : candidates_) {
      if (existing.site_dir == normal) return;
    }
    candidates_.push_back(SiteCandidate{normal, source, detail});
  }

  // <prefix>/lib/python3.X/<leaf> for the prefix's Python versions.
  void add_versioned(const fs::path& prefix, const std::optional<std::string>& version,
                     std::string_view leaf, TorchSource source, const std::string& detail) {
    for (const auto& lib_dir : python_lib_dirs(prefix / "lib", version)) {
      add(lib_dir / leaf, source, detail);
    }
  }

  // The folders an interpreter installed under `prefix` reads (Debian's layout included).
  void add_interpreter_prefix(const fs::path& prefix, const std::optional<std::string>& version,
                              TorchSource source, const std::string& detail) {
    add_versioned(prefix, version, "site-packages", source, detail);
    add_versioned(prefix / "local", version, "dist-packages", source, detail);
    add(prefix / "lib" / "python3" / "dist-packages", source, detail);
  }

  std::vector<SiteCandidate> take() { return std::move(candidates_); }

 private:
  std::vector<SiteCandidate> candidates_;
};

// The first python3 on PATH; relative entries (the current directory) are skipped.
std::optional<fs::path> python3_on_path(const Environment& environment) {
  const auto path = environment.get_non_empty("PATH");
  if (!path) return std::nullopt;
  std::string_view rest = *path;
  while (true) {
    const auto colon = rest.find(':');
    const fs::path dir(std::string(rest.substr(0, colon)));
    if (dir.is_absolute() && file_exists(dir / "python3")) return dir / "python3";
    if (colon == std::string_view::npos) return std::nullopt;
    rest.remove_prefix(colon + 1);
  }
}

// pyenv's shims are scripts that pick a version at run time; pick it the same way, without the
// per-directory .python-version files.
std::optional<fs::path> pyenv_prefix(const fs::path& shims_dir, const Environment& environment) {
  const fs::path root = shims_dir.parent_path();
  if (shims_dir.filename() != "shims" || !directory_exists(root / "versions")) return std::nullopt;
  std::string version = environment.get_non_empty("PYENV_VERSION").value_or("");
  if (version.empty()) {
    std::ifstream in(root / "version");
    std::getline(in, version);
  }
  version = std::string(trim(std::string_view(version).substr(0, version.find(':'))));
  if (version.empty() || version == "system" || version.find('/') != std::string::npos) {
    return std::nullopt;
  }
  return root / "versions" / version;
}

void add_python_on_path(CandidateList& list, const Environment& environment) {
  const auto python = python3_on_path(environment);
  if (!python) return;
  const std::string detail = python->string();
  const fs::path bin_dir = python->parent_path();
  const fs::path prefix = bin_dir.parent_path();

  const fs::path cfg = prefix / "pyvenv.cfg";
  if (file_exists(cfg)) {
    list.add_versioned(prefix, venv_python_name(cfg), "site-packages", TorchSource::python_on_path,
                       detail);
    if (read_cfg_value(cfg, "include-system-site-packages") == "true") {
      if (const auto home = read_cfg_value(cfg, "home")) {
        list.add_interpreter_prefix(fs::path(*home).parent_path(), venv_python_name(cfg),
                                    TorchSource::python_on_path, detail);
      }
    }
    return;
  }
  if (const auto pyenv = pyenv_prefix(bin_dir, environment)) {
    list.add_interpreter_prefix(*pyenv, std::nullopt, TorchSource::python_on_path, detail);
    return;
  }
  std::error_code ec;
  const fs::path resolved = fs::canonical(*python, ec);
  if (ec) return;
  std::optional<std::string> version;
  if (python3_minor(resolved.filename().string())) version = resolved.filename().string();
  list.add_interpreter_prefix(resolved.parent_path().parent_path(), version,
                              TorchSource::python_on_path, detail);
}

}  // namespace

std::vector<SiteCandidate> torch_site_candidates(const Environment& environment,
                                                 bool include_system_site_packages) {
  CandidateList list;
  if (const auto venv = environment.get_non_empty("VIRTUAL_ENV")) {
    list.add_versioned(*venv, std::nullopt, "site-packages", TorchSource::virtual_env, *venv);
  }
  if (const auto conda = environment.get_non_empty("CONDA_PREFIX")) {
    list.add_versioned(*conda, std::nullopt, "site-packages", TorchSource::conda_prefix, *conda);
  }
  add_python_on_path(list, environment);
  if (const auto home = environment.get_non_empty("HOME")) {
    list.add_versioned(fs::path(*home) / ".local", std::nullopt, "site-packages",
                       TorchSource::user_site, *home + "/.local");
  }
  if (include_system_site_packages) {
    list.add_versioned("/usr/local", std::nullopt, "dist-packages", TorchSource::system_site,
                       "/usr/local");
    list.add("/usr/lib/python3/dist-packages", TorchSource::system_site, "/usr");
  }
  return list.take();
}

}  // namespace kernels::system_detail
