// The C API (kernels_loader.h) over kernels::Loader. No exception crosses it: the C++ API reports
// failures as values, and an allocation failure here ends as KERNELS_FAILURE.

#include <map>
#include <memory>
#include <new>
#include <string>

#include "kernels/exit_code.hpp"
#include "kernels/loader/loader.hpp"

#include "kernels_loader.h"

struct kernels_kernel {
  std::shared_ptr<const kernels::Kernel> kernel;
  std::string directory;
  std::string library;
};

struct kernels_loader {
  explicit kernels_loader(kernels::Loader opened) : loader(std::move(opened)) {}
  kernels::Loader loader;
  std::map<std::string, std::unique_ptr<kernels_kernel>, std::less<>> kernels;
};

struct kernels_error {
  kernels_status status = KERNELS_FAILURE;
  std::string message;
};

namespace {

// kernels_status holds the exit codes of the `kernels` command (kernels/exit_code.hpp).
kernels_status status_of(kernels::ErrorCode code) {
  return static_cast<kernels_status>(kernels::to_int(kernels::exit_code_for(code)));
}

kernels_status report(kernels_status status, std::string message, kernels_error** error) {
  if (error != nullptr) *error = new (std::nothrow) kernels_error{status, std::move(message)};
  return status;
}

kernels_status report(const kernels::Error& failure, kernels_error** error) {
  return report(status_of(failure.code), failure.describe(), error);
}

kernels_log_level c_log_level(kernels::LoaderLogLevel level) {
  switch (level) {
    case kernels::LoaderLogLevel::debug:
      return KERNELS_LOG_DEBUG;
    case kernels::LoaderLogLevel::info:
      return KERNELS_LOG_INFO;
    case kernels::LoaderLogLevel::warning:
      break;
  }
  return KERNELS_LOG_WARNING;
}

}  // namespace

extern "C" {

kernels_status kernels_loader_open(const kernels_loader_options* options, kernels_loader** loader,
                                   kernels_error** error) try {
  if (options == nullptr || loader == nullptr || options->lockfile == nullptr) {
    return report(KERNELS_USAGE,
                  "kernels_loader_open: options, options->lockfile and loader "
                  "must not be NULL",
                  error);
  }
  kernels::LoaderOptions cpp;
  cpp.lockfile = options->lockfile;
  if (options->cache_dir != nullptr) cpp.cache_dir = options->cache_dir;
  if (options->backend != nullptr) cpp.backend = options->backend;
  cpp.verify =
      options->verify_full != 0 ? kernels::LoaderVerify::full : kernels::LoaderVerify::marker;
  if (options->log != nullptr) {
    cpp.log = [log = options->log, user = options->log_user_data](kernels::LoaderLogLevel level,
                                                                  std::string_view message) {
      log(c_log_level(level), std::string(message).c_str(), user);
    };
  }
  auto opened = kernels::Loader::open(std::move(cpp));
  if (!opened) return report(opened.error(), error);
  *loader = new kernels_loader(std::move(*opened));
  return KERNELS_OK;
} catch (const std::exception& exception) {
  return report(KERNELS_FAILURE, exception.what(), error);
}

void kernels_loader_close(kernels_loader* loader) {
  delete loader;
}

int kernels_loader_enabled(const kernels_loader* loader) {
  return loader != nullptr && loader->loader.enabled() ? 1 : 0;
}

kernels_status kernels_loader_load(kernels_loader* loader, const char* repo_id,
                                   const kernels_kernel** kernel, kernels_error** error) try {
  if (loader == nullptr || repo_id == nullptr || kernel == nullptr) {
    return report(KERNELS_USAGE, "kernels_loader_load: loader, repo_id and kernel must not be NULL",
                  error);
  }
  if (const auto found = loader->kernels.find(repo_id); found != loader->kernels.end()) {
    *kernel = found->second.get();
    return KERNELS_OK;
  }
  auto loaded = loader->loader.load(repo_id);
  if (!loaded) return report(loaded.error(), error);
  auto entry = std::make_unique<kernels_kernel>();
  entry->kernel = *loaded;
  entry->directory = (*loaded)->info().directory.string();
  entry->library = (*loaded)->info().library.string();
  *kernel = entry.get();
  loader->kernels.emplace(repo_id, std::move(entry));
  return KERNELS_OK;
} catch (const std::exception& exception) {
  return report(KERNELS_FAILURE, exception.what(), error);
}

const char* kernels_kernel_repo_id(const kernels_kernel* kernel) {
  return kernel->kernel->info().repo_id.c_str();
}
const char* kernels_kernel_commit(const kernels_kernel* kernel) {
  return kernel->kernel->info().commit.c_str();
}
const char* kernels_kernel_variant(const kernels_kernel* kernel) {
  return kernel->kernel->info().variant.c_str();
}
const char* kernels_kernel_directory(const kernels_kernel* kernel) {
  return kernel->directory.c_str();
}
const char* kernels_kernel_library(const kernels_kernel* kernel) {
  return kernel->library.c_str();
}
const char* kernels_kernel_ops_namespace(const kernels_kernel* kernel) {
  return kernel->kernel->info().ops_namespace.c_str();
}
const char* kernels_kernel_verification(const kernels_kernel* kernel) {
  return to_string(kernel->kernel->info().verification).data();
}
void* kernels_kernel_symbol(const kernels_kernel* kernel, const char* name) {
  return name == nullptr ? nullptr : kernel->kernel->symbol(name);
}
const struct kernels_layer_table* kernels_kernel_layer_table(const kernels_kernel* kernel) {
  return kernel->kernel->layer_table();
}

const struct kernels_layer* kernels_kernel_find_layer(const kernels_kernel* kernel,
                                                      const char* name) {
  return name == nullptr ? nullptr : kernel->kernel->find_layer(name);
}

kernels_status kernels_error_status(const kernels_error* error) {
  return error == nullptr ? KERNELS_FAILURE : error->status;
}
const char* kernels_error_message(const kernels_error* error) {
  return error == nullptr ? "out of memory while reporting an error" : error->message.c_str();
}
void kernels_error_free(kernels_error* error) {
  delete error;
}

}  // extern "C"
