#include "kernels/model/variant.hpp"

#include <array>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace kernels {
namespace {

// Longer names are not variant folders anyone builds, and 255 bytes is the usual limit for one
// path component.
constexpr std::size_t kMaxNameLength = 255;
// Nine decimal digits always fit in std::uint32_t.
constexpr std::size_t kMaxNumberDigits = 9;

constexpr std::string_view kStableAbiPrefix = "torch-stable-abi";

// The name as it may appear in a message: quoted, with anything outside printable ASCII escaped,
// so that a hostile name can neither hide in nor break the line that reports it.
std::string quoted(std::string_view text) {
  constexpr std::string_view kHex = "0123456789abcdef";
  std::string out = "'";
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte == '\'' || byte == '\\') {
      out += '\\';
      out += c;
    } else if (byte < 0x20 || byte >= 0x7f) {
      out += "\\x";
      out += kHex[byte >> 4U];
      out += kHex[byte & 0xfU];
    } else {
      out += c;
    }
  }
  out += '\'';
  return out;
}

bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

bool all_digits(std::string_view text) {
  if (text.empty()) return false;
  for (const char c : text) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// Outcome of reading one number of a version: the value, or why it is not acceptable.
struct NumberResult {
  std::uint32_t value = 0;
  std::string problem;
};

// `digits` must be all ASCII digits. A leading zero is refused because the reference drops it when
// it prints the version again, so the name would not survive a round trip.
NumberResult read_number(std::string_view digits) {
  NumberResult result;
  if (digits.size() > kMaxNumberDigits) {
    result.problem = "version number " + std::string(digits) + " has too many digits";
    return result;
  }
  if (digits.size() > 1 && digits.front() == '0') {
    result.problem = "version number " + std::string(digits) +
                     " has a leading zero, so the name would not round-trip";
    return result;
  }
  for (const char c : digits) {
    result.value = result.value * 10U + static_cast<std::uint32_t>(c - '0');
  }
  return result;
}

// Splits `digits` (at least two) into major and minor at `major_digits`, reporting why not.
Result<MajorMinor> split_version(std::string_view digits, std::size_t major_digits,
                                 std::string_view what) {
  const NumberResult major = read_number(digits.substr(0, major_digits));
  if (!major.problem.empty()) {
    return fail(ErrorCode::invalid_input, std::string(what) + ": " + major.problem);
  }
  const NumberResult minor = read_number(digits.substr(major_digits));
  if (!minor.problem.empty()) {
    return fail(ErrorCode::invalid_input, std::string(what) + ": " + minor.problem);
  }
  return MajorMinor{major.value, minor.value};
}

// Framework versions (torch, torch-stable-abi, tvm-ffi): the first digit is the major, the rest
// the minor (torch210 -> 2.10, tvm-ffi01 -> 0.1).
Result<MajorMinor> parse_framework_version(std::string_view digits, std::string_view token,
                                           std::string_view expected) {
  const std::string what = "framework " + quoted(token);
  if (!all_digits(digits) || digits.size() < 2) {
    return fail(ErrorCode::invalid_input,
                what + " is not " + std::string(expected) +
                    " (one digit of major version followed by the minor version)");
  }
  return split_version(digits, 1, what);
}

std::vector<std::string_view> split_on_dash(std::string_view text) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (true) {
    const std::size_t dash = text.find('-', start);
    if (dash == std::string_view::npos) {
      parts.push_back(text.substr(start));
      return parts;
    }
    parts.push_back(text.substr(start, dash - start));
    start = dash + 1;
  }
}

std::string join_with_dash(const std::vector<std::string_view>& parts, std::size_t first) {
  std::string joined;
  for (std::size_t i = first; i < parts.size(); ++i) {
    if (i > first) joined += '-';
    joined += parts[i];
  }
  return joined;
}

// Checks what the grammar leaves open but a safe name needs: length, alphabet, no empty part.
// Returns the problem, or an empty string.
std::string check_name_characters(std::string_view name) {
  if (name.empty()) return "the name is empty";
  if (name.size() > kMaxNameLength) {
    return "the name is longer than " + std::to_string(kMaxNameLength) + " bytes";
  }
  for (std::size_t i = 0; i < name.size(); ++i) {
    if (!is_name_char(name[i])) {
      return "character " + quoted(name.substr(i, 1)) + " at offset " + std::to_string(i) +
             " is not allowed (only lowercase ASCII letters, digits, '_' and '-')";
    }
  }
  if (name.front() == '-' || name.back() == '-' || name.find("--") != std::string_view::npos) {
    return "the name has an empty dash-separated part";
  }
  return {};
}

Result<Arch> parse_arch(const std::vector<std::string_view>& parts, std::size_t first) {
  const std::size_t count = parts.size() - first;
  if (count != 3) {
    return fail(ErrorCode::invalid_input,
                "expected exactly 3 parts <backend>-<cpu>-<os> after the framework, found " +
                    std::to_string(count) +
                    (count == 0 ? "" : " (" + quoted(join_with_dash(parts, first)) + ")"));
  }
  auto backend = parse_backend(parts[first]);
  if (!backend) return tl::unexpected(backend.error());
  return Arch{*backend, std::string(parts[first + 1]), std::string(parts[first + 2])};
}

Result<Variant> parse_arch_variant(Result<Framework> framework,
                                   const std::vector<std::string_view>& parts,
                                   std::size_t arch_first) {
  if (!framework) return tl::unexpected(framework.error());
  auto arch = parse_arch(parts, arch_first);
  if (!arch) return tl::unexpected(arch.error());
  return Variant{ArchVariant{std::move(*framework), std::move(*arch)}};
}

// The reference grammar (section 5.1), applied to a name whose characters are already checked.
Result<Variant> parse_checked_name(std::string_view name) {
  const std::vector<std::string_view> parts = split_on_dash(name);

  if (name.starts_with(kStableAbiPrefix)) {
    // parts[0..2] are "torch", "stable", "abi<digits>" because no part is empty.
    const std::string_view token = name.substr(0, kStableAbiPrefix.size() + parts[2].size() - 3);
    auto framework =
        parse_framework_version(parts[2].substr(3), token, "torch-stable-abi<MAJOR><MINOR>")
            .map([](MajorMinor version) { return Framework{TorchStableAbiFramework{version}}; });
    return parse_arch_variant(std::move(framework), parts, 3);
  }
  if (parts[0] == "torch") {
    if (parts.size() < 2) {
      return fail(ErrorCode::invalid_input,
                  "a noarch variant needs a backend name after 'torch-' (e.g. torch-cuda)");
    }
    return Variant{NoarchVariant{join_with_dash(parts, 1)}};
  }
  if (parts[0].starts_with("torch")) {
    std::optional<bool> cxx11_abi;
    std::size_t arch_first = 1;
    if (parts.size() >= 2 && (parts[1] == "cxx11" || parts[1] == "cxx98")) {
      cxx11_abi = parts[1] == "cxx11";
      arch_first = 2;
    }
    auto framework = parse_framework_version(parts[0].substr(5), parts[0], "torch<MAJOR><MINOR>")
                         .map([&](MajorMinor version) {
                           return Framework{TorchFramework{version, cxx11_abi}};
                         });
    return parse_arch_variant(std::move(framework), parts, arch_first);
  }
  if (parts[0] == "tvm" && parts.size() >= 2 && parts[1].starts_with("ffi")) {
    const std::string token = "tvm-" + std::string(parts[1]);
    auto framework =
        parse_framework_version(parts[1].substr(3), token, "tvm-ffi<MAJOR><MINOR>")
            .map([](MajorMinor version) { return Framework{TvmFfiFramework{version}}; });
    return parse_arch_variant(std::move(framework), parts, 2);
  }
  return fail(ErrorCode::invalid_input,
              "unknown framework " + quoted(parts[0]) +
                  " (expected torch<MAJOR><MINOR>, torch-stable-abi<MAJOR><MINOR>, "
                  "tvm-ffi<MAJOR><MINOR> or torch-<backend>)");
}

struct BackendPrefix {
  std::string_view prefix;
  BackendKind kind;
};

// Unversioned kinds first: they are matched exactly, the versioned ones by prefix (like the
// reference, which tries cpu, metal, neuron and tpu before cu, rocm, xpu and cann).
constexpr std::array<BackendPrefix, 8> kBackends = {{
    {"cpu", BackendKind::cpu},
    {"metal", BackendKind::metal},
    {"neuron", BackendKind::neuron},
    {"tpu", BackendKind::tpu},
    {"cu", BackendKind::cuda},
    {"rocm", BackendKind::rocm},
    {"xpu", BackendKind::xpu},
    {"cann", BackendKind::cann},
}};

std::string_view backend_prefix(BackendKind kind) {
  for (const auto& entry : kBackends) {
    if (entry.kind == kind) return entry.prefix;
  }
  return "cpu";
}

}  // namespace

std::string to_string(MajorMinor version) {
  return std::to_string(version.major) + "." + std::to_string(version.minor);
}

std::string_view backend_name(BackendKind kind) {
  switch (kind) {
    case BackendKind::cpu:
      return "cpu";
    case BackendKind::metal:
      return "metal";
    case BackendKind::neuron:
      return "neuron";
    case BackendKind::tpu:
      return "tpu";
    case BackendKind::cuda:
      return "cuda";
    case BackendKind::rocm:
      return "rocm";
    case BackendKind::xpu:
      return "xpu";
    case BackendKind::cann:
      return "cann";
  }
  return "cpu";
}

std::string to_string(const Backend& backend) {
  std::string text(backend_prefix(backend.kind));
  if (is_versioned(backend.kind) && backend.version) {
    text += std::to_string(backend.version->major);
    text += std::to_string(backend.version->minor);
  }
  return text;
}

Result<Backend> parse_backend(std::string_view text) {
  for (const auto& entry : kBackends) {
    if (!is_versioned(entry.kind)) {
      if (text == entry.prefix) return Backend{entry.kind, std::nullopt};
      continue;
    }
    if (!text.starts_with(entry.prefix)) continue;
    const std::string_view digits = text.substr(entry.prefix.size());
    const std::string what = "backend " + quoted(text);
    if (!all_digits(digits) || digits.size() < 2) {
      return fail(ErrorCode::invalid_input,
                  what + " is not " + std::string(entry.prefix) +
                      "<MAJOR><MINOR> (the last digit is the minor version, e.g. " +
                      std::string(entry.prefix) + "128 for 12.8)");
    }
    auto version = split_version(digits, digits.size() - 1, what);
    if (!version) return tl::unexpected(version.error());
    return Backend{entry.kind, *version};
  }
  return fail(ErrorCode::invalid_input,
              "unknown backend " + quoted(text) +
                  " (expected cpu, metal, neuron, tpu, cu<V>, rocm<V>, xpu<V> or cann<V>)");
}

std::string to_string(const Framework& framework) {
  struct Printer {
    std::string operator()(const TorchFramework& torch) const {
      std::string text =
          "torch" + std::to_string(torch.version.major) + std::to_string(torch.version.minor);
      if (torch.cxx11_abi) text += *torch.cxx11_abi ? "-cxx11" : "-cxx98";
      return text;
    }
    std::string operator()(const TorchStableAbiFramework& stable) const {
      return std::string(kStableAbiPrefix) + std::to_string(stable.version.major) +
             std::to_string(stable.version.minor);
    }
    std::string operator()(const TvmFfiFramework& tvm) const {
      return "tvm-ffi" + std::to_string(tvm.version.major) + std::to_string(tvm.version.minor);
    }
  };
  return std::visit(Printer{}, framework);
}

std::string to_string(const Variant& variant) {
  if (const auto* noarch = std::get_if<NoarchVariant>(&variant)) {
    return "torch-" + noarch->backend_name;
  }
  const auto& arch_variant = std::get<ArchVariant>(variant);
  return to_string(arch_variant.framework) + "-" + to_string(arch_variant.arch.backend) + "-" +
         arch_variant.arch.cpu + "-" + arch_variant.arch.os;
}

Result<Variant> parse_variant(std::string_view name) {
  const auto invalid = [&](std::string_view why) {
    return fail(ErrorCode::invalid_input,
                "invalid build variant name " + quoted(name) + ": " + std::string(why));
  };
  if (const std::string problem = check_name_characters(name); !problem.empty()) {
    return invalid(problem);
  }
  auto variant = parse_checked_name(name);
  if (!variant) return invalid(variant.error().message);
  // A safety net behind the rules above: a name we would spell differently is not the name of
  // this variant, and accepting it would let two names share one cache entry.
  if (to_string(*variant) != name) {
    return invalid("it would not round-trip (it reads back as " + quoted(to_string(*variant)) +
                   ")");
  }
  return variant;
}

}  // namespace kernels
