"""Speed of chaintutor against plain SymPy on this machine: run on demand, never in the tests.

    python benchmarks/run.py            # everything (about a minute)
    python benchmarks/run.py --quick    # fewer repetitions

Prints each measurement next to its target from the issues (cold start, depth, width, check).
Wall-clock times on shared machines are noisy: cold starts are the median of several runs.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout, installed or not

SEED = "ln(sin(x**3)**2)"
SYMPY_SEED = "import sympy as s; x=s.Symbol('x'); print(s.diff(s.log(s.sin(x**3)**2), x))"


def wall(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def median_wall(command: list[str], runs: int) -> float:
    wall(command)  # warm the file cache and the bytecode
    return statistics.median(wall(command) for _ in range(runs))


def chaintutor(*args: str) -> list[str]:
    return [sys.executable, "-m", "chaintutor", *args]


def layered(layers: int) -> str:
    lines = [f"y = a{layers}*b{layers}"]
    for k in range(layers, 1, -1):
        lines += [f"a{k} = sin(a{k - 1} + b{k - 1})", f"b{k} = cos(a{k - 1}*b{k - 1})"]
    return "; ".join([*lines, "a1 = sin(x)", "b1 = cos(x)"])


def sin_plus_x(depth: int) -> str:
    text = "x"
    for _ in range(depth):
        text = f"sin({text}) + x"
    return text


def report(label: str, value: float, target: str, ok: bool) -> None:
    print(f"  {label:<58} {value:8.3f}   target {target:<12} {'ok' if ok else 'MISSED'}")


def cold_start(runs: int) -> None:
    print("1. Cold start (median of", runs, "runs, seconds)")
    ours = median_wall(chaintutor("derive", SEED, "--format", "text"), runs)
    plain = median_wall([sys.executable, "-c", SYMPY_SEED], runs)
    typer_import = median_wall([sys.executable, "-c", "import typer"], runs)
    helped = median_wall(chaintutor("--help"), runs)
    report("chaintutor derive SEED --format text", ours, "", True)
    report("python -c 'import sympy …; diff(…)'", plain, "", True)
    report("ratio derive / plain SymPy", ours / plain, "≤ 1.3", ours / plain <= 1.3)
    report("chaintutor --help", helped, "", True)
    report(
        "ratio --help / python -c 'import typer'",
        helped / typer_import,
        "≤ 1.5",
        helped / typer_import <= 1.5,
    )


def depth() -> None:
    print("2. Depth (seconds, end to end through the CLI: derive, verify, render)")
    for label, text in (
        ("sin nested 200 deep", "sin(" * 200 + "x" + ")" * 200),
        ("sin(…) + x, 150 deep", sin_plus_x(150)),
    ):
        for output_format in ("json", "text"):
            seconds = wall(chaintutor("derive", text, "--format", output_format))
            report(f"{label}, --format {output_format}", seconds, "< 20", seconds < 20)
    probe = (
        "import sys, time, sympy as s; x = s.Symbol('x'); e = x\n"
        "for _ in range(int(sys.argv[1])): e = s.sin(e) + x\n"
        "t = time.perf_counter()\n"
        "try:\n    s.diff(e, x); print(f'{time.perf_counter() - t:.3f}')\n"
        "except RecursionError:\n    print('RecursionError')\n"
    )
    for levels in (100, 150):
        outcome = subprocess.run([sys.executable, "-c", probe, str(levels)], capture_output=True, text=True)
        print(f"  plain sympy.diff of sin(…) + x, {levels} deep: {outcome.stdout.strip()}")


def width() -> None:
    print("3. Width: 40 layers of two nodes, 2^40 paths, with --at (seconds)")
    seconds = wall(chaintutor("derive", layered(40), "--at", "x=0.3", "--format", "json", "--max-paths", "8"))
    report("derive --at x=0.3 --format json", seconds, "< 10", seconds < 10)


def check_latency() -> None:
    print("4. check once SymPy is loaded (milliseconds, median of 20 in one process)")
    from chaintutor import check

    check(SEED, "6*x**2*cot(x**3)")  # load everything once
    for answer in ("6*x**2*cot(x**3)", "cos(x**3)"):
        times = []
        for _ in range(20):
            start = time.perf_counter()
            check(SEED, answer)
            times.append(time.perf_counter() - start)
        report(
            f"check {SEED} {answer}",
            1000 * statistics.median(times),
            "< 100 ms",
            statistics.median(times) < 0.1,
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="fewer repetitions of the cold start")
    options = parser.parse_args()
    cold_start(3 if options.quick else 9)
    depth()
    width()
    check_latency()


if __name__ == "__main__":
    main()
