// kernel-status.toml: a kernel repo saying that it moved (kernels-spec.md 7.6).

#include <string>

#include <toml++/toml.h>

#include "kernels/hub/hub_errors.hpp"
#include "kernels/hub/hub_responses.hpp"
#include "kernels/hub/url.hpp"
#include "kernels/model/repo_id.hpp"

#include "hub/json_body.hpp"
#include "util/ascii.hpp"

namespace kernels {
namespace {

Error status_error(std::string message, std::string_view where) {
  return Error{ErrorCode::invalid_input, std::move(message), std::string(where)};
}

// A string value of the table, nullopt when missing; a value of another type is an error.
Result<std::optional<std::string>> string_value(const toml::table& table, std::string_view key,
                                                std::string_view where) {
  const toml::node* node = table.get(key);
  if (node == nullptr) return std::optional<std::string>{};
  if (const auto* text = node->as_string()) return std::optional<std::string>(text->get());
  return tl::unexpected(
      status_error("kernel-status.toml: '" + std::string(key) + "' must be a string", where));
}

}  // namespace

Result<KernelStatus> parse_kernel_status_toml(std::string_view text, std::string_view where) {
  if (text.size() > kMaxKernelStatusBytes) {
    return tl::unexpected(status_error(
        "kernel-status.toml is larger than " + std::to_string(kMaxKernelStatusBytes) + " bytes",
        where));
  }
  toml::table root;
  try {
    root = toml::parse(text, std::string_view("kernel-status.toml"));
  } catch (const toml::parse_error& error) {
    return tl::unexpected(status_error("kernel-status.toml is not valid TOML (" +
                                           detail::shown_text(error.description()) + " at line " +
                                           std::to_string(error.source().begin.line) + ")",
                                       where));
  }
  auto kind = string_value(root, "kind", where);
  if (!kind) return tl::unexpected(kind.error());
  if (!*kind)
    return tl::unexpected(status_error("kernel-status.toml must contain a 'kind' field", where));
  if (**kind != "redirect") {
    return tl::unexpected(
        status_error("Unknown kernel status kind: '" + detail::shown_text(**kind) + "'", where));
  }
  auto destination = string_value(root, "destination", where);
  if (!destination) return tl::unexpected(destination.error());
  if (!*destination) {
    return tl::unexpected(
        status_error("kernel-status.toml must contain a 'destination' field", where));
  }
  if (auto valid = validate_repo_id(**destination); !valid) {
    return tl::unexpected(status_error(
        "kernel-status.toml redirects to an invalid repo id: " + valid.error().message, where));
  }
  auto revision = string_value(root, "revision", where);
  if (!revision) return tl::unexpected(revision.error());
  KernelStatus status;
  status.destination = std::move(**destination);
  if (*revision) {
    if (auto valid = validate_revision(**revision); !valid) {
      return tl::unexpected(status_error(
          "kernel-status.toml redirects to an invalid revision: " + valid.error().message, where));
    }
    status.revision = std::move(**revision);
  }
  return status;
}

Result<std::optional<KernelStatus>> parse_kernel_status_response(const HttpResponse& response,
                                                                 const RepoRef& repo) {
  if (response.is_success()) {
    auto status = parse_kernel_status_toml(response.body, redact_url(response.url));
    if (!status) return tl::unexpected(status.error());
    return std::optional<KernelStatus>(std::move(*status));
  }
  const std::string code(ascii::trim(response.headers.find("X-Error-Code").value_or("")));
  if (code == "RepoNotFound" ||
      (response.status == 404 && (code.empty() || code == "EntryNotFound"))) {
    return std::optional<KernelStatus>{};
  }
  return tl::unexpected(
      hub_error(response, repo, {"kernel-status.toml", "", "kernel-status.toml"}));
}

}  // namespace kernels
