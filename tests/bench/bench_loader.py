"""The loader and kernelize against their baselines (issue targets in brackets):

* cold start: a fresh process's Loader::open + load of a locked, downloaded kernel (lockfile,
  variant choice, verified marker, dlopen, layer table) against a fresh process's bare dlopen of
  the same library [within 2x];
* kernelize of a model of N (default 10,000) RMSNorm modules, first call (loading the kernel
  included) and again [under 10 ms];
* a kernelized module's forward against a direct call of the kernel's function [at most one
  indirect call more].

It publishes the sample kernel rms-norm to a local mirror, serves it, locks and downloads it with
`kernels`, then runs BUILD/tests/bench/kernels-bench-loader (built with kernels::torch).
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from results import absolute, record, skipped


def run(*args, env=None) -> str:
    result = subprocess.run(args, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"{args[0]} {args[1]} failed: {result.stderr.strip()}")
    return result.stdout


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kernels", required=True, help="the kernels binary")
    parser.add_argument("--repeat", type=int, default=15, help="fresh processes per cold start")
    parser.add_argument("--modules", type=int, default=10000)
    args, _ = parser.parse_known_args()
    build = Path(args.kernels).resolve().parent.parent
    bench = build / "tests" / "bench" / "kernels-bench-loader"
    samples = build / "kernels-src" / "rms-norm"
    if not bench.exists() or not (samples / "build").is_dir():
        print(f"skipped: {bench} or the sample kernels are not built (no Torch in the build)")
        skipped("loader", "cold start and kernelize", "no Torch in the build")
        return 0

    with tempfile.TemporaryDirectory() as work:
        work = Path(work)
        env = {k: v for k, v in os.environ.items() if not k.startswith("HF_")}
        env["KERNELS_CACHE"] = str(work / "cache")
        env["VIRTUAL_ENV"] = sys.prefix  # the Torch the variant is chosen for
        run(args.kernels, "mirror", "add", str(samples), "--repo", "samples/rms-norm", "--branch",
            "v1", "--mirror", str(work / "mirror"), "--trusted-publisher", env=env)
        server = subprocess.Popen([args.kernels, "serve", str(work / "mirror")], env=env,
                                  stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        try:
            env["HF_ENDPOINT"] = server.stdout.readline().strip()
            project = work / "project"
            project.mkdir()
            (project / "kernels.toml").write_text('[dependencies]\n"samples/rms-norm" = 1\n')
            run(args.kernels, "--project", str(project), "lock", env=env)
            run(args.kernels, "--project", str(project), "download", env=env)
        finally:
            server.kill()
            server.wait()
        del env["HF_ENDPOINT"]
        repo = "samples/rms-norm"
        library = next((work / "cache").glob("kernels--samples--rms-norm/snapshots/*/build/*/*.so"))
        loader_us = [float(run(bench, "cold-loader", "--project", str(project), repo, env=env))
                     for _ in range(args.repeat)]
        dlopen_us = [float(run(bench, "cold-dlopen", str(library), env=env))
                     for _ in range(args.repeat)]
        first, again = map(float, run(bench, "kernelize", "--project", str(project), repo,
                                      str(args.modules), env=env).split())
        module_ns, direct_ns = map(float, run(bench, "forward", "--project", str(project), repo,
                                              env=env).split())

    loader_ms = statistics.median(loader_us) / 1000
    dlopen_ms = statistics.median(dlopen_us) / 1000
    record("loader", "cold start, kernels.lock -> loaded kernel, vs bare dlopen", f"{loader_ms:.2f} ms",
           f"{dlopen_ms:.2f} ms", loader_ms / dlopen_ms, 2.0, "at_most")
    absolute("kernelize", f"{args.modules} modules, first call", f"{first / 1000:.1f} ms", first < 10000,
             "< 10 ms")
    absolute("kernelize", f"{args.modules} modules, again", f"{again / 1000:.1f} ms", again < 10000, "< 10 ms")
    record("kernelize", "kernelized forward vs direct call of the kernel", f"{module_ns:.0f} ns",
           f"{direct_ns:.0f} ns", module_ns / direct_ns, None, "at_most",
           f"target: direct + 1 indirect call; here {module_ns - direct_ns:+.0f} ns")
    print(f"loader and kernelize, rms-norm sample kernel; medians of {args.repeat} fresh processes")
    print()
    print("| measure                                  |     ours |  baseline |  ratio | target |")
    print("|------------------------------------------|----------|-----------|--------|--------|")
    print(f"| cold start: lock -> loaded (vs dlopen)   | {loader_ms:5.2f} ms | {dlopen_ms:6.2f} ms |"
          f" {loader_ms / dlopen_ms:5.2f}x |  <= 2x |")
    print(f"| kernelize {args.modules} modules, first call   | {first / 1000:5.1f} ms |           |"
          f"        | < 10 ms |")
    print(f"| kernelize {args.modules} modules, again        | {again / 1000:5.1f} ms |           |"
          f"        | < 10 ms |")
    print(f"| kernelized forward (vs direct call)      | {module_ns:5.0f} ns | {direct_ns:6.0f} ns |"
          f" {module_ns / direct_ns:5.2f}x | +1 call |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
