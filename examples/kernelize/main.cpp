// kernelize-example: a small model (embedding, RMSNorm, MLP with SiluAndMul) kernelized from a
// project's kernels.lock and its [layers] mapping, checked against the same model without
// kernels.
//
//   kernels lock && kernels download            # in the project folder
//   kernelize-example --project DIR [--mode inference|training] [--backend cpu]
//                     [--cache-dir DIR] [--verify-full]
//
// Exit codes are those of the `kernels` command: 0 ok, 1 the outputs differ, 2 usage,
// 4 the cache does not match the lock (run `kernels download`), 6 not locked / not downloaded.

#include <cstdlib>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>

#include <torch/torch.h>

#include "kernels/loader/loader.hpp"
#include "kernels/torch/kernelize.hpp"

#include "tiny_model.hpp"

namespace {

constexpr std::int64_t kVocabulary = 97;
constexpr std::int64_t kHidden = 64;
constexpr std::int64_t kIntermediate = 96;
constexpr std::int64_t kBlocks = 2;

struct Arguments {
  std::filesystem::path project = ".";
  std::optional<std::filesystem::path> cache_dir;
  std::optional<std::string> backend;
  kernels::torch::Mode mode = kernels::torch::Mode::inference;
  bool verify_full = false;
};

int exit_code(const kernels::Error& error) {
  switch (error.code) {
    case kernels::ErrorCode::usage:
      return 2;
    case kernels::ErrorCode::integrity:
      return 4;
    case kernels::ErrorCode::not_found:
      return 6;
    default:
      return 1;
  }
}

std::optional<Arguments> parse_arguments(int argc, char** argv) {
  Arguments arguments;
  for (int i = 1; i < argc; ++i) {
    const std::string_view flag = argv[i];
    const auto value = [&]() -> std::optional<std::string> {
      if (i + 1 >= argc) return std::nullopt;
      return std::string(argv[++i]);
    };
    std::optional<std::string> given;
    if (flag == "--verify-full") {
      arguments.verify_full = true;
      continue;
    }
    if (flag == "--project" && (given = value())) {
      arguments.project = *given;
    } else if (flag == "--cache-dir" && (given = value())) {
      arguments.cache_dir = *given;
    } else if (flag == "--backend" && (given = value())) {
      arguments.backend = *given;
    } else if (flag == "--mode" && (given = value())) {
      auto mode = kernels::torch::parse_mode(*given);
      if (!mode) {
        std::cerr << mode.error().describe() << '\n';
        return std::nullopt;
      }
      arguments.mode = *mode;
    } else {
      std::cerr << "usage: kernelize-example --project DIR [--mode inference|training] "
                   "[--backend cpu] [--cache-dir DIR] [--verify-full]\n";
      return std::nullopt;
    }
  }
  return arguments;
}

example::TinyModel make_model() {
  torch::manual_seed(0);  // the same weights for the reference and the kernelized model
  return example::TinyModel(kVocabulary, kHidden, kIntermediate, kBlocks);
}

double max_difference(const at::Tensor& a, const at::Tensor& b) {
  return (a - b).abs().max().item<double>();
}

// Runs forward (and backward in training) on both models; the largest difference of the outputs
// and, in training, of every parameter's gradient.
double compare(example::TinyModel& reference, example::TinyModel& model, bool training) {
  const at::Tensor tokens = torch::randint(0, kVocabulary, {4, 17});
  if (!training) {
    const torch::NoGradGuard no_grad;
    return max_difference(reference(tokens), model(tokens));
  }
  reference->train();
  model->train();
  reference(tokens).pow(2).mean().backward();
  model(tokens).pow(2).mean().backward();
  double largest = 0.0;
  const auto reference_parameters = reference->named_parameters();
  for (const auto& parameter : model->named_parameters()) {
    const at::Tensor& expected = reference_parameters[parameter.key()].grad();
    if (!parameter.value().grad().defined() || !expected.defined()) {
      std::cout << "no gradient for " << parameter.key() << '\n';
      return std::numeric_limits<double>::infinity();
    }
    largest = std::max(largest, max_difference(expected, parameter.value().grad()));
  }
  return largest;
}

}  // namespace

int main(int argc, char** argv) {
  const auto arguments = parse_arguments(argc, argv);
  if (!arguments) return 2;
  const bool training = kernels::torch::has_mode(arguments->mode, kernels::torch::Mode::training);

  kernels::LoaderOptions options;
  options.lockfile = arguments->project;
  options.cache_dir = arguments->cache_dir;
  options.backend = arguments->backend;
  options.verify =
      arguments->verify_full ? kernels::LoaderVerify::full : kernels::LoaderVerify::marker;
  options.log = [](kernels::LoaderLogLevel level, std::string_view message) {
    if (level != kernels::LoaderLogLevel::debug) std::cerr << "loader: " << message << '\n';
  };
  auto loader = kernels::Loader::open(std::move(options));
  if (!loader) {
    std::cerr << "error: " << loader.error().describe() << '\n';
    return exit_code(loader.error());
  }
  auto mapping = kernels::torch::load_kernel_mapping(arguments->project);
  if (!mapping) {
    std::cerr << "error: " << mapping.error().describe() << '\n';
    return exit_code(mapping.error());
  }

  example::TinyModel reference = make_model();
  example::TinyModel model = make_model();
  kernels::torch::KernelizeOptions kernelize_options;
  kernelize_options.mode = arguments->mode;
  kernelize_options.warn = [](const std::string& warning) {
    std::cerr << "warning: " << warning << '\n';
  };
  auto report = kernels::torch::kernelize(*model, *mapping, *loader, kernelize_options);
  if (!report) {
    std::cerr << "error: " << report.error().describe() << '\n';
    return exit_code(report.error());
  }
  for (const auto& layer : report->layers) {
    std::cout << "layer " << layer.module_path << " (" << layer.layer_name << "): "
              << (layer.kernelized ? layer.repository + " [" + layer.variant + "]"
                                   : "own forward, " + layer.reason)
              << '\n';
  }
  std::cout << "kernelized " << report->kernelized_count() << " of " << report->layers.size()
            << " layers on " << report->device << " for " << to_string(arguments->mode) << '\n';

  // float32 throughout: the kernels and the plain ops differ only by rounding.
  constexpr double kTolerance = 1e-4;
  const double difference = compare(reference, model, training);
  std::cout << (training ? "training: gradients" : "inference: outputs")
            << " match the model without kernels, max difference " << difference << " (tolerance "
            << kTolerance << ")\n";
  if (!(difference <= kTolerance)) {
    std::cout << "MISMATCH\n";
    return 1;
  }

  // Kernelize again with every layer disabled: each module runs its own forward again.
  kernels::torch::KernelMapping disabled;
  for (const auto& layer : report->layers)
    disabled.disable(layer.layer_name);
  auto restored = kernels::torch::kernelize(*model, disabled, *loader, kernelize_options);
  if (!restored || restored->kernelized_count() != 0) {
    std::cout << "restore failed\n";
    return 1;
  }
  const torch::NoGradGuard no_grad;
  const at::Tensor tokens = torch::randint(0, kVocabulary, {2, 5});
  const bool identical = torch::equal(reference(tokens), model(tokens));
  std::cout << "restored: " << restored->layers.size()
            << " layers run their own forward again, outputs "
            << (identical ? "identical to" : "DIFFERENT from") << " the model without kernels\n";
  return identical ? 0 : 1;
}
