#include <string>

#include <doctest/doctest.h>

#include "kernels/system/detect.hpp"

namespace {

using kernels::apply_backend_override;
using kernels::Backend;
using kernels::backend_from_cuda_runtime_version;
using kernels::backend_from_torch;
using kernels::BackendKind;
using kernels::ErrorCode;
using kernels::MajorMinor;
using kernels::TorchVersionFile;

}  // namespace

TEST_CASE("system: uname names are normalised as variant names spell them") {
  CHECK(kernels::normalize_os("Linux") == "linux");
  CHECK(kernels::normalize_os("Darwin") == "darwin");
  CHECK(kernels::normalize_os("Windows") == "windows");
  CHECK(kernels::normalize_cpu("x86_64") == "x86_64");
  CHECK(kernels::normalize_cpu("AMD64") == "x86_64");
  CHECK(kernels::normalize_cpu("amd64") == "x86_64");
  CHECK(kernels::normalize_cpu("arm64") == "aarch64");
  CHECK(kernels::normalize_cpu("ARM64") == "aarch64");
  CHECK(kernels::normalize_cpu("aarch64") == "aarch64");
  CHECK(kernels::normalize_cpu("ppc64le") == "ppc64le");
}

TEST_CASE("system: backend from Torch's version values, first match as the reference") {
  TorchVersionFile torch{"2.11.0+cu128", "12.8", std::nullopt, std::nullopt, std::nullopt, false};
  auto cuda = backend_from_torch(torch, "linux");
  CHECK(cuda.backend == Backend{BackendKind::cuda, MajorMinor{12, 8}});
  CHECK(cuda.origin == "torch.version.cuda = '12.8'");
  CHECK_FALSE(cuda.warning.has_value());
  // CUDA wins on macOS too: it comes before the MPS check.
  CHECK(backend_from_torch(torch, "darwin").backend.kind == BackendKind::cuda);

  torch.cuda.reset();
  torch.hip = "6.4.43482-0f2d60242";
  CHECK(backend_from_torch(torch, "linux").backend == Backend{BackendKind::rocm, MajorMinor{6, 4}});
  torch.hip = "7.0.51831";
  CHECK(backend_from_torch(torch, "linux").backend == Backend{BackendKind::rocm, MajorMinor{7, 0}});

  torch.hip.reset();
  torch.xpu = "20250301";
  CHECK(backend_from_torch(torch, "linux").backend ==
        Backend{BackendKind::xpu, MajorMinor{2025, 3}});
  torch.xpu = "20250101";
  CHECK(backend_from_torch(torch, "linux").backend ==
        Backend{BackendKind::xpu, MajorMinor{2025, 1}});
  // MPS comes before XPU.
  CHECK(backend_from_torch(torch, "darwin").backend == Backend{BackendKind::metal, std::nullopt});

  torch.xpu.reset();
  CHECK(backend_from_torch(torch, "linux").backend == Backend{BackendKind::cpu, std::nullopt});
  CHECK(backend_from_torch(torch, "darwin").backend == Backend{BackendKind::metal, std::nullopt});
}

TEST_CASE("system: an unreadable backend version keeps the backend without a version") {
  TorchVersionFile torch;
  torch.version = "2.8.0";
  torch.xpu = "2025";
  auto xpu = backend_from_torch(torch, "linux");
  CHECK(xpu.backend == Backend{BackendKind::xpu, std::nullopt});
  REQUIRE(xpu.warning.has_value());
  CHECK(xpu.warning->find("'2025'") != std::string::npos);

  torch.xpu.reset();
  torch.cuda = "twelve";
  auto cuda = backend_from_torch(torch, "linux");
  CHECK(cuda.backend == Backend{BackendKind::cuda, std::nullopt});
  CHECK(cuda.warning.has_value());
}

TEST_CASE("system: CUDA runtime version numbers") {
  CHECK(backend_from_cuda_runtime_version(12080) == Backend{BackendKind::cuda, MajorMinor{12, 8}});
  CHECK(backend_from_cuda_runtime_version(13000) == Backend{BackendKind::cuda, MajorMinor{13, 0}});
  CHECK(backend_from_cuda_runtime_version(11080) == Backend{BackendKind::cuda, MajorMinor{11, 8}});
  CHECK(backend_from_cuda_runtime_version(12090) == Backend{BackendKind::cuda, MajorMinor{12, 9}});
  CHECK_FALSE(backend_from_cuda_runtime_version(0).has_value());
  CHECK_FALSE(backend_from_cuda_runtime_version(-1).has_value());
}

TEST_CASE("system: backend override allows cpu and the detected backend only") {
  const Backend cuda{BackendKind::cuda, MajorMinor{12, 8}};
  CHECK(apply_backend_override(cuda, "cpu") == Backend{BackendKind::cpu, std::nullopt});
  CHECK(apply_backend_override(cuda, "cuda") == cuda);

  auto xpu = apply_backend_override(cuda, "xpu");
  REQUIRE_FALSE(xpu);
  CHECK(xpu.error().code == ErrorCode::usage);
  CHECK(xpu.error().message == "Invalid backend 'xpu', system supported backends: cpu, cuda");
  CHECK_FALSE(apply_backend_override(cuda, "CUDA"));
  CHECK_FALSE(apply_backend_override(cuda, "cu128"));

  const Backend cpu{BackendKind::cpu, std::nullopt};
  CHECK(apply_backend_override(cpu, "cpu") == cpu);
  CHECK(apply_backend_override(cpu, "cuda").error().message ==
        "Invalid backend 'cuda', system supported backends: cpu");
  // The names are sorted, as the reference sorts them.
  CHECK(
      apply_backend_override(Backend{BackendKind::cann, MajorMinor{8, 0}}, "xpu").error().message ==
      "Invalid backend 'xpu', system supported backends: cann, cpu");
  CHECK(apply_backend_override(Backend{BackendKind::rocm, MajorMinor{6, 4}}, "metal")
            .error()
            .message == "Invalid backend 'metal', system supported backends: cpu, rocm");
}
