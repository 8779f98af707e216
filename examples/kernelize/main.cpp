// kernelize-example: a small model (embedding, RMSNorm, MLP with SiluAndMul) kernelized from a
// project's kernels.lock and its [layers] mapping, checked against the same model without
// kernels.
//
//   kernels lock && kernels download            # in the project folder
//   kernelize-example --project DIR [--mode inference|training] [--backend cpu]
//                     [--cache-dir DIR] [--verify-full]
//                     [--device cpu|cuda] [--dtype float32|bfloat16|float16]
//                     [--hidden N] [--intermediate N] [--tokens N] [--bench ITERATIONS]
//
// --bench times the forward of the model without kernels and of the kernelized one (inference,
// median of ITERATIONS after a warm-up) and prints the speed-up.
//
// Exit codes are those of the `kernels` command: 0 ok, 1 the outputs differ, 2 usage,
// 4 the cache does not match the lock (run `kernels download`), 6 not locked / not downloaded.

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <dlfcn.h>
#include <torch/torch.h>

#include "kernels/exit_code.hpp"
#include "kernels/loader/loader.hpp"
#include "kernels/torch/kernelize.hpp"

#include "tiny_model.hpp"

namespace {

constexpr std::int64_t kVocabulary = 97;
constexpr std::int64_t kBlocks = 2;

struct Arguments {
  std::filesystem::path project = ".";
  std::optional<std::filesystem::path> cache_dir;
  std::optional<std::string> backend;
  kernels::torch::Mode mode = kernels::torch::Mode::inference;
  bool verify_full = false;
  std::string device = "cpu";
  std::string dtype = "float32";
  std::int64_t hidden = 64;
  std::int64_t intermediate = 96;
  std::int64_t tokens = 68;
  int bench = 0;
};

std::optional<torch::Dtype> dtype_named(const std::string& name) {
  if (name == "float32") return torch::kFloat32;
  if (name == "bfloat16") return torch::kBFloat16;
  if (name == "float16") return torch::kFloat16;
  return std::nullopt;
}

int exit_code(const kernels::Error& error) {
  return kernels::to_int(kernels::exit_code_for(error.code));
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
    } else if (flag == "--device" && (given = value())) {
      arguments.device = *given;
    } else if (flag == "--dtype" && (given = value()) && dtype_named(*given)) {
      arguments.dtype = *given;
    } else if (flag == "--hidden" && (given = value())) {
      arguments.hidden = std::atoll(given->c_str());
    } else if (flag == "--intermediate" && (given = value())) {
      arguments.intermediate = std::atoll(given->c_str());
    } else if (flag == "--tokens" && (given = value())) {
      arguments.tokens = std::atoll(given->c_str());
    } else if (flag == "--bench" && (given = value())) {
      arguments.bench = std::atoi(given->c_str());
    } else if (flag == "--mode" && (given = value())) {
      auto mode = kernels::torch::parse_mode(*given);
      if (!mode) {
        std::cerr << mode.error().describe() << '\n';
        return std::nullopt;
      }
      arguments.mode = *mode;
    } else {
      std::cerr << "usage: kernelize-example --project DIR [--mode inference|training] "
                   "[--backend cpu] [--cache-dir DIR] [--verify-full] [--device cpu|cuda] "
                   "[--dtype float32|bfloat16|float16] [--hidden N] [--intermediate N] "
                   "[--tokens N] [--bench ITERATIONS]\n";
      return std::nullopt;
    }
  }
  return arguments;
}

example::TinyModel make_model(const Arguments& arguments) {
  torch::manual_seed(0);  // the same weights for the reference and the kernelized model
  example::TinyModel model(kVocabulary, arguments.hidden, arguments.intermediate, kBlocks);
  model->to(torch::Device(arguments.device), *dtype_named(arguments.dtype));
  return model;
}

at::Tensor make_tokens(const Arguments& arguments) {
  return torch::randint(0, kVocabulary, {1, arguments.tokens},
                        torch::TensorOptions().dtype(torch::kLong).device(arguments.device));
}

// Median milliseconds of one forward, after a warm-up.
double time_forward(example::TinyModel& model, const at::Tensor& tokens, int iterations,
                    bool cuda) {
  const torch::NoGradGuard no_grad;
  std::vector<double> times;
  for (int i = 0; i < iterations + 3; ++i) {
    if (cuda) torch::cuda::synchronize();
    const auto start = std::chrono::steady_clock::now();
    (void)model(tokens);
    if (cuda) torch::cuda::synchronize();
    const std::chrono::duration<double, std::milli> took = std::chrono::steady_clock::now() - start;
    if (i >= 3) times.push_back(took.count());
  }
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];
}

double max_difference(const at::Tensor& a, const at::Tensor& b) {
  return (a.to(torch::kFloat32) - b.to(torch::kFloat32)).abs().max().item<double>();
}

// Runs forward (and backward in training) on both models; the largest difference of the outputs
// and, in training, of every parameter's gradient.
double compare(example::TinyModel& reference, example::TinyModel& model, bool training,
               const at::Tensor& tokens) {
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
    largest = std::max(largest, max_difference(expected.to(torch::kFloat32),
                                               parameter.value().grad().to(torch::kFloat32)));
  }
  return largest;
}

}  // namespace

int run(int argc, char** argv) {
  const auto arguments = parse_arguments(argc, argv);
  if (!arguments) return 2;
  const bool training = kernels::torch::has_mode(arguments->mode, kernels::torch::Mode::training);
  const bool cuda = arguments->device == "cuda";
  // The program links Torch's CPU libraries; the CUDA ones register the cuda device when loaded.
  if (cuda && dlopen("libtorch_cuda.so", RTLD_NOW | RTLD_GLOBAL) == nullptr) {
    std::cerr << "error: --device cuda needs libtorch_cuda.so: " << dlerror() << '\n';
    return 2;
  }

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

  example::TinyModel reference = make_model(*arguments);
  example::TinyModel model = make_model(*arguments);
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

  // The kernels and the plain ops differ only by rounding: in float32 by a few ulps, in 16-bit
  // types by a rounding of the result.
  const double tolerance = arguments->dtype == "float32" ? 1e-4 : 5e-2;
  const at::Tensor tokens = make_tokens(*arguments);
  const double difference = compare(reference, model, training, tokens);
  std::cout << (training ? "training: gradients" : "inference: outputs")
            << " match the model without kernels, max difference " << difference << " (tolerance "
            << tolerance << ")\n";
  if (!(difference <= tolerance)) {
    std::cout << "MISMATCH\n";
    return 1;
  }

  if (arguments->bench > 0) {
    const double stock = time_forward(reference, tokens, arguments->bench, cuda);
    const double kernelized = time_forward(model, tokens, arguments->bench, cuda);
    std::cout << "bench: forward of " << arguments->tokens << " tokens, hidden "
              << arguments->hidden << ", " << arguments->dtype << " on " << arguments->device
              << ": stock " << stock << " ms, kernelized " << kernelized << " ms, speed-up "
              << stock / kernelized << "x\n";
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
  const bool identical = torch::equal(reference(tokens), model(tokens));
  std::cout << "restored: " << restored->layers.size()
            << " layers run their own forward again, outputs "
            << (identical ? "identical to" : "DIFFERENT from") << " the model without kernels\n";
  return identical ? 0 : 1;
}

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const c10::Error& error) {
    // A refused input in a kernel or a Torch op: Torch's message, without its stack trace.
    std::cerr << "error: " << error.what_without_backtrace() << '\n';
    return 1;
  }
}
