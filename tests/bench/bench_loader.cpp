// The loader and kernelize benchmark's measuring program (bench_loader.py drives it).
//
//   kernels-bench-loader cold-loader --project DIR REPO   one Loader::open + load, in microseconds
//   kernels-bench-loader cold-dlopen LIBRARY              one bare dlopen of the same library
//   kernels-bench-loader kernelize --project DIR REPO N   kernelize of a model of N RMSNorm modules
//   kernels-bench-loader forward --project DIR REPO       a kernelized forward against a direct
//   call
//
// Each "cold" run is meant to be a fresh process: dlopen of a library already loaded costs
// nothing, so only the first load of a process says what a training job pays.

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include <dlfcn.h>
#include <torch/torch.h>

#include "kernels/loader/loader.hpp"
#include "kernels/torch/kernelize.hpp"

namespace {

using Clock = std::chrono::steady_clock;
using RMSNormForward = at::Tensor(const at::Tensor&, const at::Tensor&, double);
constexpr const char* kSignature = "(Tensor x, Tensor weight, float eps) -> Tensor";

struct NormImpl : torch::nn::Module, kernels::torch::KernelLayer<RMSNormForward> {
  explicit NormImpl(std::int64_t hidden) : KernelLayer("RMSNorm", kSignature, &NormImpl::own) {
    weight = register_parameter("weight", torch::ones({hidden}));
  }
  at::Tensor forward(const at::Tensor& x) { return kernel_forward(x, weight, 1e-6); }
  static at::Tensor own(const at::Tensor& x, const at::Tensor& w, double eps) {
    return w * x * torch::rsqrt(x.pow(2).mean(-1, true) + eps);
  }
  at::Tensor weight;
};
TORCH_MODULE(Norm);

double micros_since(Clock::time_point start) {
  return std::chrono::duration<double, std::micro>(Clock::now() - start).count();
}

[[noreturn]] void die(const std::string& message) {
  std::fprintf(stderr, "kernels-bench-loader: %s\n", message.c_str());
  std::exit(1);
}

kernels::Loader open_loader(const char* project) {
  kernels::LoaderOptions options;
  options.lockfile = project;
  auto loader = kernels::Loader::open(std::move(options));
  if (!loader) die(loader.error().describe());
  return std::move(*loader);
}

kernels::torch::KernelMapping mapping_for(const std::string& repo) {
  kernels::torch::KernelMapping mapping;
  auto layer = kernels::torch::LayerRepository::parse(repo + ":RMSNorm");
  if (!layer || !mapping.set("RMSNorm", kernels::torch::DeviceSpec::cpu(), *layer)) die("mapping");
  return mapping;
}

int cold_loader(const char* project, const char* repo) {
  const auto start = Clock::now();
  auto loader = open_loader(project);
  auto kernel = loader.load(repo);
  if (!kernel) die(kernel.error().describe());
  std::printf("%.1f\n", micros_since(start));
  return 0;
}

int cold_dlopen(const char* library) {
  const auto start = Clock::now();
  void* handle = dlopen(library, RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) die(dlerror());
  std::printf("%.1f\n", micros_since(start));
  return 0;
}

int kernelize_many(const char* project, const char* repo, int count) {
  auto loader = open_loader(project);
  torch::nn::ModuleList model;
  for (int i = 0; i < count; ++i)
    model->push_back(Norm(8));
  const auto mapping = mapping_for(repo);
  kernels::torch::KernelizeOptions options;
  options.device = "cpu";
  auto start = Clock::now();
  auto first = kernels::torch::kernelize(*model, mapping, loader, options);
  const double first_us = micros_since(start);
  if (!first || first->kernelized_count() != static_cast<std::size_t>(count)) die("kernelize");
  start = Clock::now();
  auto again = kernels::torch::kernelize(*model, mapping, loader, options);
  const double again_us = micros_since(start);
  if (!again) die("kernelize");
  std::printf("%.1f %.1f\n", first_us, again_us);
  return 0;
}

int forward_overhead(const char* project, const char* repo) {
  auto loader = open_loader(project);
  Norm norm(8);
  kernels::torch::KernelizeOptions options;
  options.device = "cpu";
  auto report = kernels::torch::kernelize(*norm, mapping_for(repo), loader, options);
  if (!report || report->kernelized_count() != 1) die("kernelize");
  auto kernel = loader.load(repo);
  auto layer = (*kernel)->layer("RMSNorm", kSignature);
  if (!layer) die(layer.error().describe());
  const auto direct = reinterpret_cast<RMSNormForward*>(layer->forward);
  const torch::NoGradGuard no_grad;
  const at::Tensor x = torch::randn({1, 8});
  constexpr int kCalls = 200000;
  double best_module = 1e18;
  double best_direct = 1e18;
  for (int round = 0; round < 5; ++round) {
    auto start = Clock::now();
    for (int i = 0; i < kCalls; ++i)
      (void)norm->forward(x);
    best_module = std::min(best_module, micros_since(start) * 1000.0 / kCalls);
    start = Clock::now();
    for (int i = 0; i < kCalls; ++i)
      (void)direct(x, norm->weight, 1e-6);
    best_direct = std::min(best_direct, micros_since(start) * 1000.0 / kCalls);
  }
  std::printf("%.1f %.1f\n", best_module, best_direct);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string_view mode = argc > 1 ? argv[1] : "";
  if (mode == "cold-loader" && argc == 5) return cold_loader(argv[3], argv[4]);
  if (mode == "cold-dlopen" && argc == 3) return cold_dlopen(argv[2]);
  if (mode == "kernelize" && argc == 6) return kernelize_many(argv[3], argv[4], std::atoi(argv[5]));
  if (mode == "forward" && argc == 5) return forward_overhead(argv[3], argv[4]);
  std::fprintf(stderr,
               "usage: kernels-bench-loader cold-loader --project DIR REPO | cold-dlopen LIBRARY "
               "| kernelize --project DIR REPO N | forward --project DIR REPO\n");
  return 2;
}
