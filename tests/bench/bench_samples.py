"""Bandwidth of the sample kernels' CUDA variants against a device-to-device copy and against the
torch expressions they replace (a benchmark, not a timed test; scripts/gpu-samples.sh runs it).

    python tests/bench/bench_samples.py SAMPLES_DIR [--out DIR] [--iterations N] [--rounds R]

SAMPLES_DIR holds <kernel>/build/<variant>/ (a kernels-src build folder). Each case first checks
the kernel's result against the torch expression, then times both with CUDA events (the best of
--rounds medians of --iterations single launches, each round after a warm-up) on buffers larger
than the L2 cache. Bandwidth =
bytes the operation must move (inputs read once + outputs written once) / time. Writes
bench_samples.json and bench_samples.md to --out (default: $OUT, else the working directory).
"""

import argparse
import importlib.util
import json
import os
import platform
import statistics
import sys
from pathlib import Path

import torch
import torch.nn.functional as F

from results import record, skipped

TARGET = 0.80  # memory-bound kernels should reach 80% of the copy's bandwidth


def load_cuda_variant(samples: Path, kernel: str):
    major, minor = torch.__version__.split("+")[0].split(".")[:2]
    cuda = "".join(torch.version.cuda.split(".")[:2])
    abi = "cxx11" if torch._C._GLIBCXX_USE_CXX11_ABI else "cxx98"
    variant = samples / kernel / "build" / f"torch{major}{minor}-{abi}-cu{cuda}-{platform.machine()}-linux"
    metadata = json.loads((variant / "metadata.json").read_text())
    spec = importlib.util.spec_from_file_location(metadata["id"], variant / "__init__.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[metadata["id"]] = module
    spec.loader.exec_module(module)
    return module, variant.name


def time_ms(fn, iterations: int, rounds: int) -> float:
    """The best of `rounds` medians of `iterations` single launches. One round's median can sit
    20% off for a whole round (fresh buffers, clocks settling), which the best round filters out;
    the copy, the kernels and the torch ops are all timed this way."""
    medians = []
    for _ in range(rounds):
        for _ in range(max(10, iterations // 5)):
            fn()
        torch.cuda.synchronize()
        times = []
        for _ in range(iterations):
            start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            start.record()
            fn()
            end.record()
            end.synchronize()
            times.append(start.elapsed_time(end))
        medians.append(statistics.median(times))
    return min(medians)


def peak_bandwidth() -> tuple[float | None, str]:
    """Theoretical DRAM bandwidth in bytes/s from the memory clock and bus width."""
    try:
        from cuda.bindings import runtime

        device = torch.cuda.current_device()
        _, clock_khz = runtime.cudaDeviceGetAttribute(
            runtime.cudaDeviceAttr.cudaDevAttrMemoryClockRate, device)
        _, bus_bits = runtime.cudaDeviceGetAttribute(
            runtime.cudaDeviceAttr.cudaDevAttrGlobalMemoryBusWidth, device)
        if clock_khz and bus_bits:
            return 2.0 * clock_khz * 1e3 * bus_bits / 8, f"{clock_khz / 1e3:.0f} MHz x {bus_bits} bit DDR"
    except Exception as error:  # noqa: BLE001  (best effort: the copy is the real yardstick)
        return None, f"unknown ({error})"
    return None, "unknown"


def rms_norm_torch(x, weight, eps):
    x32 = x.float()
    return (weight.float() * (x32 * torch.rsqrt(x32.pow(2).mean(-1, keepdim=True) + eps))).to(x.dtype)


def gated_torch(act):
    def run(x):
        d = x.shape[-1] // 2
        return act(x[..., :d]) * x[..., d:]

    return run


def cases(kernels):
    relu, activation, rms_norm = kernels["relu"], kernels["activation"], kernels["rms-norm"]
    for dtype in (torch.bfloat16, torch.float16, torch.float32):
        size = torch.finfo(dtype).bits // 8
        n = 128 * 1024 * 1024 // size * 2  # 256 MiB in
        yield ("relu", dtype, (n,), lambda x: relu.relu(x), torch.relu, 2 * n * size, (1e-6, 0))
        for rows, d in ((4096, 14336), (16384, 4096)):
            moved = rows * 3 * d * size
            tol = (2e-2, 2e-2) if dtype != torch.float32 else (1e-5, 1e-5)
            yield ("silu_and_mul", dtype, (rows, 2 * d), activation.silu_and_mul,
                   gated_torch(F.silu), moved, tol)
            yield ("gelu_and_mul", dtype, (rows, 2 * d), activation.gelu_and_mul,
                   gated_torch(F.gelu), moved, tol)
        for rows, hidden in ((16384, 4096), (8192, 8192), (65536, 1024), (2048, 32768)):
            moved = (2 * rows * hidden + hidden) * size
            tol = (2e-2, 2e-2) if dtype != torch.float32 else (1e-5, 1e-5)
            yield ("rms_norm", dtype, (rows, hidden), None, None, moved, tol)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("samples", type=Path, nargs="?",
                        help="default: BUILD/kernels-src of the --kernels binary's build folder")
    parser.add_argument("--kernels", type=Path, help="the kernels binary (tests/bench/run.sh passes it)")
    parser.add_argument("--out", type=Path, default=Path(os.environ.get("OUT", ".")))
    parser.add_argument("--iterations", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=3,
                        help="rounds of --iterations launches per measurement; the best median counts")
    args, _ = parser.parse_known_args()
    if args.samples is None:
        if args.kernels is None:
            parser.error("give SAMPLES_DIR or --kernels")
        args.samples = args.kernels.resolve().parent.parent / "kernels-src"
    if not torch.cuda.is_available():
        # Not an error under run.sh on a machine without a GPU: the row says why it is empty.
        print("skipped: no CUDA device (scripts/gpu-samples.sh runs this on a GPU machine)")
        skipped("samples", "CUDA kernels' bandwidth vs device copy", "no CUDA device (scripts/gpu-samples.sh)")
        return 0

    kernels, variant = {}, None
    for kernel in ("relu", "activation", "rms-norm"):
        kernels[kernel], variant = load_cuda_variant(args.samples, kernel)
    device = torch.cuda.get_device_name()
    peak, peak_how = peak_bandwidth()

    copy_bytes = 512 * 1024 * 1024
    source = torch.empty(copy_bytes, dtype=torch.uint8, device="cuda")
    destination = torch.empty_like(source)
    copy_ms = time_ms(lambda: destination.copy_(source), args.iterations, args.rounds)
    copy_bandwidth = 2 * copy_bytes / (copy_ms * 1e-3)
    del source, destination

    rows, failures = [], []
    for op, dtype, shape, kernel_fn, torch_fn, moved, (rtol, atol) in cases(kernels):
        x = torch.randn(shape, dtype=dtype, device="cuda")
        if op == "rms_norm":
            weight = torch.rand(shape[-1], dtype=dtype, device="cuda") + 0.5
            module = kernels["rms-norm"]
            kernel_fn = lambda x, w=weight, m=module: m.rms_norm(x, w, 1e-6)  # noqa: E731
            torch_fn = lambda x, w=weight: rms_norm_torch(x, w, 1e-6)  # noqa: E731
        torch.testing.assert_close(kernel_fn(x), torch_fn(x).to(dtype), rtol=rtol, atol=atol)
        kernel_ms = time_ms(lambda: kernel_fn(x), args.iterations, args.rounds)
        torch_ms = time_ms(lambda: torch_fn(x), args.iterations, args.rounds)
        bandwidth = moved / (kernel_ms * 1e-3)
        row = {
            "op": op, "dtype": str(dtype).removeprefix("torch."), "shape": list(shape),
            "bytes": moved, "kernel_ms": kernel_ms, "torch_ms": torch_ms,
            "kernel_GBps": bandwidth / 1e9, "torch_GBps": moved / (torch_ms * 1e-3) / 1e9,
            "fraction_of_copy": bandwidth / copy_bandwidth,
            "fraction_of_peak": bandwidth / peak if peak else None,
            "speedup_vs_torch": torch_ms / kernel_ms,
        }
        rows.append(row)
        if row["fraction_of_copy"] < TARGET:
            failures.append(row)
        del x

    result = {
        "device": device, "torch": torch.__version__, "cuda": torch.version.cuda, "variant": variant,
        "peak_GBps": peak / 1e9 if peak else None, "peak_from": peak_how,
        "copy_GBps": copy_bandwidth / 1e9, "copy_fraction_of_peak": copy_bandwidth / peak if peak else None,
        "target_fraction_of_copy": TARGET, "iterations": args.iterations,
        "rounds": args.rounds, "results": rows,
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "bench_samples.json").write_text(json.dumps(result, indent=2) + "\n")
    lines = [
        f"# Sample kernels on {device}", "",
        f"torch {torch.__version__}, variant `{variant}`; bandwidth = bytes moved / the best of "
        f"{args.rounds} medians of {args.iterations} launches.", "",
        f"* theoretical peak: {result['peak_GBps'] or 0:.0f} GB/s ({peak_how})",
        f"* device-to-device copy (`Tensor.copy_`, 512 MiB): {copy_bandwidth / 1e9:.0f} GB/s"
        + (f" = {copy_bandwidth / peak:.0%} of peak" if peak else ""),
        f"* target: every kernel at least {TARGET:.0%} of the copy", "",
        "| op | dtype | shape | kernel GB/s | of copy | of peak | torch GB/s | speedup vs torch |",
        "|---|---|---|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        of_peak = f"{row['fraction_of_peak']:.0%}" if row["fraction_of_peak"] else "-"
        lines.append(
            f"| {row['op']} | {row['dtype']} | {'x'.join(map(str, row['shape']))} | "
            f"{row['kernel_GBps']:.0f} | {row['fraction_of_copy']:.0%} | {of_peak} | "
            f"{row['torch_GBps']:.0f} | {row['speedup_vs_torch']:.2f}x |")
    lines += ["", f"Below target: {len(failures)} of {len(rows)} cases."]
    (args.out / "bench_samples.md").write_text("\n".join(lines) + "\n")
    worst = min(rows, key=lambda row: row["fraction_of_copy"])
    record("samples", f"slowest of {len(rows)} CUDA cases vs device copy ({worst['op']} {worst['dtype']})",
           f"{worst['kernel_GBps']:.0f} GB/s", f"{copy_bandwidth / 1e9:.0f} GB/s", worst["fraction_of_copy"], TARGET)
    speedups = sorted(row["speedup_vs_torch"] for row in rows)
    record("samples", "median CUDA case vs the torch ops it replaces", "kernel time", "torch time",
           statistics.median(speedups), 1.0)
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
