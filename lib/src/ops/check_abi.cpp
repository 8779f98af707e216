#include "kernels/ops/check_abi.hpp"

#include <algorithm>
#include <array>
#include <fstream>
#include <optional>
#include <set>
#include <system_error>
#include <variant>

#include "kernels/abi/binary_file.hpp"
#include "kernels/abi/macos_check.hpp"
#include "kernels/abi/manylinux_policy.hpp"
#include "kernels/abi/python_stable_abi.hpp"
#include "kernels/model/local_build.hpp"
#include "kernels/model/metadata.hpp"
#include "kernels/model/variant.hpp"

namespace kernels {
namespace {

namespace fs = std::filesystem;

struct Policies {
  ManylinuxPolicies manylinux_all;
  const ManylinuxPolicy* manylinux = nullptr;
  MacOsVersion macos;
  PythonVersion python;
  PythonStableAbi stable_abi;
};

Result<Policies> load_policies(const AbiCheckOptions& options) {
  Policies policies;
  auto manylinux = ManylinuxPolicies::builtin();
  if (!manylinux) return tl::unexpected(manylinux.error());
  policies.manylinux_all = std::move(*manylinux);
  policies.manylinux = policies.manylinux_all.find(options.manylinux);
  if (policies.manylinux == nullptr) {
    std::string names;
    for (const ManylinuxPolicy& policy : policies.manylinux_all.all())
      names += (names.empty() ? "" : ", ") + policy.name;
    return fail(ErrorCode::usage,
                "unknown manylinux policy '" + options.manylinux + "' (known: " + names + ")");
  }
  auto macos = parse_macos_version(options.macos);
  if (!macos) {
    return fail(ErrorCode::usage, "--macos '" + options.macos +
                                      "' is not a macOS version (expected MAJOR.MINOR, e.g. 15.0)");
  }
  policies.macos = *macos;
  auto python = parse_python_version(options.python_abi);
  if (!python) return tl::unexpected(python.error());
  policies.python = *python;
  auto stable_abi = PythonStableAbi::builtin();
  if (!stable_abi) return tl::unexpected(stable_abi.error());
  policies.stable_abi = std::move(*stable_abi);
  return policies;
}

// The entries of a folder, sorted by name.
std::vector<fs::directory_entry> sorted_entries(const fs::path& directory) {
  std::vector<fs::directory_entry> entries;
  std::error_code error;
  for (fs::directory_iterator it(directory, error), end; !error && it != end; it.increment(error))
    entries.push_back(*it);
  std::sort(entries.begin(), entries.end(),
            [](const auto& a, const auto& b) { return a.path().filename() < b.path().filename(); });
  return entries;
}

AbiProblem layout_problem(std::string message, std::string subject) {
  return AbiProblem{AbiProblemKind::layout, std::move(message), std::move(subject), {}};
}

// Shared objects by name: Linux (.so, .so.1.2) and macOS (.dylib; Python extensions on macOS are
// .so too). Windows .pyd/.dll files are not judged: no policy here covers them.
bool is_shared_object_name(const std::string& name) {
  return name.ends_with(".so") || name.find(".so.") != std::string::npos ||
         name.ends_with(".dylib");
}

// The backend type metadata.json should name for `variant`; nothing for torch-universal.
std::optional<std::string> expected_backend(const Variant& variant) {
  if (const auto* arch = std::get_if<ArchVariant>(&variant)) {
    return std::string(backend_name(arch->arch.backend.kind));
  }
  const std::string& name = std::get<NoarchVariant>(variant).backend_name;
  if (name == "universal") return std::nullopt;
  if (name == "npu") return std::string("cann");
  return name;
}

void check_metadata(const fs::path& variant_dir, const Variant& variant, AbiVariantReport& report) {
  const fs::path file = variant_dir / "metadata.json";
  std::error_code error;
  if (!fs::is_regular_file(file, error)) {
    report.problems.push_back(layout_problem("metadata.json is missing", "metadata.json"));
    return;
  }
  auto metadata = read_metadata(file);
  if (!metadata) {
    report.problems.push_back(
        layout_problem("invalid metadata.json: " + metadata.error().describe(), "metadata.json"));
    return;
  }
  const auto expected = expected_backend(variant);
  if (expected && metadata->backend.type != *expected) {
    report.problems.push_back(
        layout_problem("metadata.json names backend '" + metadata->backend.type +
                           "', but the variant is built for '" + *expected + "'",
                       "metadata.json"));
  }
}

std::string architectures(const BinaryFile& binary) {
  if (binary.elf) return binary.elf->machine;
  std::string cpus;
  if (binary.macho) {
    for (const MachOSlice& slice : binary.macho->slices)
      cpus += (cpus.empty() ? "" : ",") + slice.cpu;
  }
  return cpus;
}

// The format by the first bytes alone, to name it for a file the readers refused.
BinaryFormat format_of(const fs::path& file) {
  std::array<std::byte, 8> head{};
  std::ifstream in(file, std::ios::binary);
  in.read(reinterpret_cast<char*>(head.data()), static_cast<std::streamsize>(head.size()));
  return detect_binary_format(std::span(head.data(), static_cast<std::size_t>(in.gcount())));
}

void append(std::vector<AbiProblem>& to, std::vector<AbiProblem> from) {
  to.insert(to.end(), std::make_move_iterator(from.begin()), std::make_move_iterator(from.end()));
}

AbiFileReport check_file(const fs::path& file, const std::string& relative,
                         const Policies& policies) {
  AbiFileReport report;
  report.path = relative;
  auto binary = read_binary_file(file);
  if (!binary) {
    report.format = format_of(file);
    report.problems.push_back({AbiProblemKind::malformed, binary.error().message, relative, {}});
    return report;
  }
  report.format = binary->format;
  report.architecture = architectures(*binary);
  const bool abi3 = relative.ends_with(".abi3.so");
  if (binary->elf) {
    append(report.problems,
           check_manylinux(*binary->elf, *policies.manylinux, policies.manylinux_all));
    if (abi3) {
      std::vector<std::string> names;
      for (const ElfImportedSymbol& symbol : binary->elf->imported_symbols)
        names.push_back(symbol.name);
      append(report.problems, check_python_abi(names, policies.stable_abi, policies.python));
    }
  } else if (binary->macho) {
    append(report.problems, check_macos(*binary->macho, policies.macos));
    if (abi3) {
      std::vector<std::string> names;
      for (const MachOSlice& slice : binary->macho->slices)
        names.insert(names.end(), slice.imported_symbols.begin(), slice.imported_symbols.end());
      append(report.problems, check_python_abi(names, policies.stable_abi, policies.python));
    }
  } else {
    const std::string what = binary->format == BinaryFormat::unknown
                                 ? "an unrecognised format"
                                 : "a " + std::string(to_string(binary->format)) + " file";
    report.problems.push_back({AbiProblemKind::unsupported_format,
                               "is " + what + ", neither ELF nor Mach-O",
                               relative,
                               {}});
  }
  return report;
}

AbiVariantReport check_variant(const fs::path& variant_dir, const std::string& name,
                               const Variant& variant, const Policies& policies) {
  AbiVariantReport report;
  report.name = name;
  check_metadata(variant_dir, variant, report);
  std::error_code error;
  // A link to a sibling inside the variant (libfoo.so -> libfoo.so.1) is skipped: its target is
  // checked itself. A link that leaves the variant is followed to a regular file: that is how a
  // Hub-layout cache stores every file (snapshots/<commit>/... -> ../../blobs/<etag>), and the
  // checker only reads.
  std::error_code canonical_error;
  const fs::path variant_root = fs::weakly_canonical(variant_dir, canonical_error);
  fs::recursive_directory_iterator it(variant_dir, fs::directory_options::none, error);
  for (const fs::recursive_directory_iterator end; !error && it != end; it.increment(error)) {
    if (!it->is_regular_file(error)) continue;  // follows links: regular file targets only
    if (it->is_symlink(error)) {
      const fs::path target = fs::weakly_canonical(it->path(), canonical_error);
      const auto inside = target.lexically_relative(variant_root);
      if (canonical_error || (!inside.empty() && *inside.begin() != "..")) continue;
    }
    const std::string file_name = it->path().filename().string();
    if (!is_shared_object_name(file_name)) continue;
    const std::string relative = it->path().lexically_relative(variant_dir).generic_string();
    report.files.push_back(check_file(it->path(), relative, policies));
  }
  if (error) {
    report.problems.push_back(
        layout_problem("cannot list the variant's files: " + error.message(), name));
  }
  std::sort(report.files.begin(), report.files.end(),
            [](const auto& a, const auto& b) { return a.path < b.path; });
  return report;
}

}  // namespace

std::size_t AbiCheckReport::problem_count() const {
  std::size_t count = problems.size();
  for (const AbiVariantReport& variant : variants) {
    count += variant.problems.size();
    for (const AbiFileReport& file : variant.files)
      count += file.problems.size();
  }
  return count;
}

std::size_t AbiCheckReport::file_count() const {
  std::size_t count = 0;
  for (const AbiVariantReport& variant : variants)
    count += variant.files.size();
  return count;
}

Result<AbiCheckReport> check_abi(const fs::path& directory, const AbiCheckOptions& options) {
  auto policies = load_policies(options);
  if (!policies) return tl::unexpected(policies.error());
  auto source = locate_local_build(directory);
  if (!source) return tl::unexpected(source.error());

  AbiCheckReport report;
  report.build_dir = source->build_dir;
  report.manylinux = policies->manylinux->name;
  report.macos = to_string(policies->macos);
  report.python_abi = to_string(policies->python);
  if (source->only_variant) {
    const auto variant = parse_variant(*source->only_variant);
    report.variants.push_back(check_variant(source->build_dir / *source->only_variant,
                                            *source->only_variant, *variant, *policies));
    return report;
  }
  for (const auto& entry : sorted_entries(source->build_dir)) {
    const std::string name = entry.path().filename().string();
    std::error_code error;
    if (entry.is_symlink(error) || !entry.is_directory(error)) {
      report.problems.push_back(
          layout_problem("build/ must hold only variant directories, found " + name, name));
      continue;
    }
    const auto variant = parse_variant(name);
    if (!variant) {
      report.problems.push_back(layout_problem(
          "'" + name + "' is not a valid variant name: " + variant.error().message, name));
      continue;
    }
    report.variants.push_back(check_variant(entry.path(), name, *variant, *policies));
  }
  if (report.variants.empty() && report.problems.empty()) {
    return fail(ErrorCode::not_found, "no build variants in " + source->build_dir.string(),
                source->build_dir.string());
  }
  return report;
}

}  // namespace kernels
