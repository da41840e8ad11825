"""Speed of chaintutor against the floor its dependencies set, on this machine: run on demand,
never in the tests.

    python benchmarks/run.py            # everything (a few minutes)
    python benchmarks/run.py --quick    # fewer repetitions

Prints each measurement next to its target from the issues (cold start, depth, width, check;
homework, sums and network write-ups against plain ``sympy.diff`` on the same expression).

The cold start is compared with the thinnest program that has chaintutor's dependencies: a
Typer app with one ``str`` argument that prints the seed's ``sympy.diff`` (``FLOOR`` below).
Whatever Typer and SymPy cost on start-up (Typer 0.29 and later build a pydantic adapter for
every parameter) that program pays too; the ratio is what chaintutor adds. Wall-clock times on
a shared machine are noisy, so the commands are run in turn, several times, and both the median
wall time and the median CPU time (user + system, less disturbed by other jobs) are reported.
Bytecode is written on the first run, as ``pip install`` does, even under PYTHONDONTWRITEBYTECODE.
"""

from __future__ import annotations

import argparse
import math
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from importlib.metadata import version
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout, installed or not

SEED = "ln(sin(x**3)**2)"
FLOOR = """\
import typer

app = typer.Typer()


@app.command()
def main(problem: str) -> None:
    import sympy

    x = sympy.Symbol("x")
    print(sympy.diff(sympy.log(sympy.sin(x**3) ** 2), x))


app()
"""
ENV = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}


def run(command: list[str]) -> tuple[float, float]:
    """Wall and CPU seconds (user + system) of one run of ``command``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=ENV)
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return elapsed, after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime


def wall(command: list[str]) -> float:
    return run(command)[0]


def medians_in_turn(commands: dict[str, list[str]], runs: int) -> dict[str, tuple[float, float]]:
    """The median wall and CPU seconds of each command, the commands run in turn ``runs`` times."""
    for command in commands.values():
        run(command)  # warm the file cache and write the bytecode
    times: dict[str, list[tuple[float, float]]] = {label: [] for label in commands}
    for _ in range(runs):
        for label, command in commands.items():
            times[label].append(run(command))
    return {
        label: (statistics.median(t[0] for t in taken), statistics.median(t[1] for t in taken))
        for label, taken in times.items()
    }


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
    print("1. Cold start (median of", runs, "runs, seconds; CPU = user + system)")
    with tempfile.TemporaryDirectory() as folder:
        floor_file = Path(folder) / "floor.py"
        floor_file.write_text(FLOOR)
        taken = medians_in_turn(
            {
                "derive": chaintutor("derive", SEED, "--format", "text"),
                "floor": [sys.executable, str(floor_file), SEED],
                "help": chaintutor("--help"),
                "typer": [sys.executable, "-c", "import typer"],
            },
            runs,
        )
    (ours, ours_cpu), (floor, floor_cpu) = taken["derive"], taken["floor"]
    (helped, helped_cpu), (typer_import, typer_cpu) = taken["help"], taken["typer"]
    print(f"  (Typer {version('typer')}, SymPy {version('sympy')})")
    report("chaintutor derive SEED --format text", ours, "", True)
    report("floor: thinnest Typer app printing sympy.diff(SEED)", floor, "", True)
    report("ratio derive / floor, wall", ours / floor, "≤ 1.15", ours / floor <= 1.15)
    report("ratio derive / floor, CPU", ours_cpu / floor_cpu, "≤ 1.15", ours_cpu / floor_cpu <= 1.15)
    report("chaintutor --help", helped, "", True)
    report(
        "ratio --help / python -c 'import typer', wall",
        helped / typer_import,
        "≤ 1.5",
        helped / typer_import <= 1.5,
    )
    report(
        "ratio --help / python -c 'import typer', CPU",
        helped_cpu / typer_cpu,
        "≤ 1.5",
        helped_cpu / typer_cpu <= 1.5,
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


def paired(text: str, wrt: list[str] | None, runs: int) -> tuple[float, float]:
    """Median CPU seconds of ``derive(text)`` and of plain ``sympy.diff`` on the same expression
    (the whole problem in the leaves, for every variable), in this process, SymPy's cache
    cleared before each. CPU time (this process, all threads) is less disturbed than wall time
    by the other jobs of a shared machine."""
    import sympy
    from sympy.core.cache import clear_cache

    from chaintutor import derive

    ours, theirs = [], []
    for _ in range(runs):
        clear_cache()
        start = time.process_time()
        d = derive(text, wrt=wrt)
        ours.append(time.process_time() - start)
        whole, symbols = d.leaf_forms[d.output], [d.graph.symbols[v] for v in d.wrt]
        clear_cache()
        start = time.process_time()
        for symbol in symbols:
            sympy.diff(whole, symbol)
        theirs.append(time.process_time() - start)
    return statistics.median(ours), statistics.median(theirs)


def homework(runs: int) -> None:
    print("5. Homework: 28 textbook problems, derive against plain sympy.diff (CPU seconds, one process)")
    from tests.homework import HOMEWORK

    problems = [(text, [v]) for text, v, _ in HOMEWORK if ";" not in text][:28]
    ours = theirs = 0.0
    for text, wrt in problems:
        mine, plain = paired(text, wrt, runs)
        ours, theirs = ours + mine, theirs + plain
    report("derive, 28 problems in total", ours, "", True)
    report("sympy.diff, the same 28", theirs, "", True)
    report("ratio derive / sympy.diff", ours / theirs, "≤ 4", ours / theirs <= 4)


def sum_of_products(terms: int) -> str:
    """Σ sin(kx + 1)·cos(x² + k), k = 1 … terms: one node with 2·terms inputs."""
    return " + ".join(f"sin({k}*x + 1)*cos(x^2 + {k})" for k in range(1, terms + 1))


def sums(runs: int) -> None:
    print("6. Sums: Σ sin(kx+1)·cos(x²+k), derive against sympy.diff (CPU seconds, one process)")
    from chaintutor import derive

    measured = []
    for terms in (50, 200, 500):
        mine, plain = paired(sum_of_products(terms), None, runs if terms < 500 else 1)
        edges = len(derive(sum_of_products(terms)).local_derivatives)
        measured.append((edges, mine))
        ratio = mine / plain
        target, ok = ("≤ 2.5", ratio <= 2.5) if terms == 200 else ("", True)
        report(f"{terms} terms ({edges} edges): {mine:.2f} s vs {plain:.2f} s, ratio", ratio, target, ok)
    (few, few_seconds), (many, many_seconds) = measured[0], measured[-1]
    slope = math.log(many_seconds / few_seconds) / math.log(many / few)
    report("log-log slope of derive time against edges, 50 to 500 terms", slope, "≤ 1.15", slope <= 1.15)


LAYER_LETTERS = "abcdgjkmnprz"  # no e (Euler's number), no f g h (abstract functions), no x y


def network(layers: int, width: int) -> str:
    """A tanh network: y = the sum of the last layer; each unit tanh(Σ ±c·(unit below) + j/9)
    with c in 1 … 3; inputs x1 … x{width}. Written compactly: 12×16 must fit the input limit."""

    def weighted(layer: int, i: int, name: str, j: int) -> str:
        size = (3 * i + 5 * j + 7 * layer) % 3 + 1
        return f"{'-' if (i + j + layer) % 2 else '+'}{size if size > 1 else ''}{name}"

    lines = ["y=" + "+".join(f"{LAYER_LETTERS[layers - 1]}{j}" for j in range(1, width + 1))]
    for layer in range(layers, 0, -1):
        below = [f"x{i}" if layer == 1 else f"{LAYER_LETTERS[layer - 2]}{i}" for i in range(1, width + 1)]
        for j in range(1, width + 1):
            total = "".join(weighted(layer, i, name, j) for i, name in enumerate(below, 1)).lstrip("+")
            lines.append(f"{LAYER_LETTERS[layer - 1]}{j}=tanh({total}+{j}/9)")
    return ";".join(lines)


def write_ups() -> None:
    print("7. Write-ups of tanh networks, end to end through the CLI (wall seconds, bytes)")
    small = network(4, 4)
    taken, sizes = {}, {}
    for output_format in ("text", "markdown", "latex"):
        command = chaintutor("derive", small, "--format", output_format)
        start = time.perf_counter()
        sizes[output_format] = len(subprocess.run(command, check=True, capture_output=True, env=ENV).stdout)
        taken[output_format] = time.perf_counter() - start
        report(
            f"4×4 network, --format {output_format} ({sizes[output_format]:,} bytes)",
            taken[output_format],
            "",
            True,
        )
    report("4×4 network, Markdown seconds", taken["markdown"], "≤ 3", taken["markdown"] <= 3)
    report("4×4 network, Markdown kilobytes", sizes["markdown"] / 1000, "≤ 150", sizes["markdown"] <= 150_000)
    for output_format in ("markdown", "latex"):
        ratio = taken[output_format] / taken["text"]
        report(f"4×4 network, {output_format} / text time", ratio, "≤ 2", ratio <= 2)
    seconds = wall(chaintutor("derive", network(12, 16), "--format", "text", "--time-limit", "300"))
    report("12×16 network, --format text, seconds", seconds, "≤ 10", seconds <= 10)


VECTOR_PROBLEMS = (
    "y = max(0, w·x + b); w, x ∈ R^n",
    "L = (t - relu(dot(w, x) + b))^2; w, x in R^n",
    "C = sum((t - relu(X·w + b))^2)/N; X in R^(N×n); w in R^n; t in R^N",
    "L = (dot(v, h) - t)^2; h = relu(W·x + b); W in R^(m×n); x in R^n; b, v in R^m",
)


def vector_chain_rule() -> None:
    print("8. The vector chain rule (seconds, in one process): the derivation is symbolic in n")
    from chaintutor.core.instantiate import components, reference_jacobian, verify_by_instantiation
    from chaintutor.core.vector import derive_vector, read_vector_problem

    derive_vector(VECTOR_PROBLEMS[0])  # load everything once
    slowest_derivation = slowest_check = 0.0
    for problem in VECTOR_PROBLEMS:
        start = time.perf_counter()
        derivation = derive_vector(problem)
        middle = time.perf_counter()
        checks = verify_by_instantiation(derivation)
        slowest_derivation = max(slowest_derivation, middle - start)
        slowest_check = max(slowest_check, time.perf_counter() - middle)
        assert all(check.ok for check in checks.values()), problem
    report("derivation, slowest of the lecture's set (no n in it)", slowest_derivation, "n-free", True)
    report("instantiation check n=1,2,3 (m≠n), slowest per problem", slowest_check, "< 2", slowest_check < 2)
    loss = read_vector_problem(VECTOR_PROBLEMS[1])
    for n in (10, 100):  # what a derivation in components would cost instead: it grows with n
        start = time.perf_counter()
        reference_jacobian(loss, "w", components(loss, {"n": n}))
        seconds = time.perf_counter() - start
        report(f"for contrast: sympy.diff in components, loss, n={n}", seconds, "", True)


SECTIONS = ("start", "depth", "width", "check", "homework", "sums", "write-ups", "vectors")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    parser.add_argument(
        "--only", choices=SECTIONS, nargs="+", default=SECTIONS, help="run only these sections"
    )
    options = parser.parse_args()
    runs = {
        "start": lambda: cold_start(3 if options.quick else 9),
        "depth": depth,
        "width": width,
        "check": check_latency,
        "homework": lambda: homework(3 if options.quick else 5),
        "sums": lambda: sums(1 if options.quick else 3),
        "write-ups": write_ups,
        "vectors": vector_chain_rule,
    }
    for section in SECTIONS:
        if section in options.only:
            runs[section]()


if __name__ == "__main__":
    main()
