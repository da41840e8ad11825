"""A long fuzzing campaign, on demand (never in the test suite).

    python benchmarks/fuzz_long.py                        # 5 minutes, atheris if installed
    python benchmarks/fuzz_long.py --seconds 60 --engine hypothesis
    python benchmarks/fuzz_long.py --engine atheris --seconds 3600

Every input goes through the same checks as ``tests/test_fuzz.py``: the parser, ``derive``,
``check`` (the input as a problem and as an answer) and, for one input in ``--cli-every``, the
command line. The outcome must be a result or an ``InputError`` that renders short; anything
else, or a single call past its wall-clock guard, is a failure.

Engines:

- ``atheris`` (``pip install atheris``): coverage-guided (chaintutor's own code is
  instrumented), libFuzzer mutating raw bytes, seeded with ``tests/fuzz_corpus`` and the
  seeds and tokens of ``tests/strategies.py``. It stops at the first failure and writes the
  input to ``crash-*``; libFuzzer's own ``-timeout`` backs up the guard for hangs that no
  signal can interrupt (one huge big-integer operation).
- ``hypothesis``: the strategies of ``tests/strategies.py`` in batches with fresh random seeds
  until the time is up; it shrinks each failure and goes on.

At the end it prints the number of inputs tried and of failures, and each failing input,
ready to be added to ``tests/fuzz_corpus/``.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import os
import random
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run from a checkout, installed or not

# Derive and check only inputs this short: a valid nest 250 deep takes up to a minute to
# derive (sympy.diff of the whole nest, for verification), which is slow but not wrong.
DERIVE_MAX_LENGTH = 400


class Campaign:
    """Counts inputs, runs one input through every entry point, keeps the failures."""

    def __init__(self, cli_every: int) -> None:
        import sympy.parsing.sympy_parser

        from tests import test_fuzz

        self.fuzz = test_fuzz
        self.cli_every = cli_every
        self.inputs = 0
        self.failures: list[tuple[str, str]] = []

        def tripwire(*args: Any, **kwargs: Any) -> Any:
            raise AssertionError(f"SymPy's parse_expr was called on {args[:1]!r}")

        sympy.parsing.sympy_parser.parse_expr = tripwire

    def run_one(self, text: str) -> None:
        """Raise (AssertionError, TooSlow or the product's own exception) on a failure."""
        fuzz = self.fuzz
        self.inputs += 1
        fuzz.test_parser_answers_or_refuses.hypothesis.inner_test(text)
        if len(text) <= DERIVE_MAX_LENGTH:
            fuzz.outcome(fuzz._derive_and_show, text, max_paths=2)
            fuzz.outcome(fuzz._check_and_show, text, "1", None)
            fuzz.outcome(fuzz._check_and_show, "y = u*sin(x); u = x^2", text, "x")
        if self.cli_every and self.inputs % self.cli_every == 0 and len(text) <= DERIVE_MAX_LENGTH:
            args = ["derive", "--format", "json", "--", text]
            fuzz.run_cli(args, {0, 2})

    def record(self, text: str, error: BaseException) -> None:
        summary = "".join(traceback.format_exception_only(type(error), error)).strip()
        self.failures.append((text, summary[:2000]))

    def report(self, engine: str, seconds: float) -> None:
        rate = self.inputs / seconds if seconds else 0.0
        print(f"\nengine: {engine}")
        print(f"inputs tried: {self.inputs:,} in {seconds:.0f} s ({rate:.1f}/s)")
        print(f"failures: {len(self.failures)}")
        for text, summary in self.failures:
            print(f"\n--- input {text!r}\n{summary}")


# --- hypothesis -----------------------------------------------------------------------------


def run_hypothesis(campaign: Campaign, seconds: float, batch: int) -> None:
    from hypothesis import HealthCheck, given, seed, settings

    from tests import strategies

    deadline = time.monotonic() + seconds
    rng = random.Random()

    while time.monotonic() < deadline:

        @seed(rng.getrandbits(64))
        @settings(
            max_examples=batch,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
            print_blob=False,
        )
        @given(strategies.hostile_inputs())
        def one(text: str) -> None:
            campaign.run_one(text)

        shrunk: list[str] = []
        one.hypothesis.inner_test = _remembering(one.hypothesis.inner_test, shrunk)  # type: ignore[attr-defined]
        try:
            one()
        except Exception as error:  # the shrunk failure; go on with a new seed
            campaign.record(shrunk[-1] if shrunk else "?", error)


def _remembering(inner: Callable[[str], None], seen: list[str]) -> Callable[[str], None]:
    def wrapped(text: str) -> None:
        seen.append(text)
        inner(text)

    return wrapped


# --- atheris --------------------------------------------------------------------------------


@contextmanager
def _after_the_fact(seconds: float = 10.0) -> Iterator[None]:
    """The wall-clock guard without a signal: a call that ran too long fails once it returns."""
    start = time.monotonic()
    yield
    if time.monotonic() - start > seconds:
        from tests.test_fuzz import TooSlow

        raise TooSlow(f"a single call took {time.monotonic() - start:.1f} s (more than {seconds:g} s)")


def run_atheris(seconds: float, cli_every: int) -> None:
    atheris = importlib.import_module("atheris")  # optional, untyped: pip install atheris

    with atheris.instrument_imports(include=["chaintutor"]):  # coverage feedback from chaintutor
        import chaintutor.cli
        import chaintutor.core.derive
        import chaintutor.grade.check
        import chaintutor.parse.build
        import chaintutor.render.jsondoc
        import chaintutor.render.text  # noqa: F401
    from tests import strategies, test_fuzz

    test_fuzz.wall_clock = _after_the_fact  # libFuzzer owns SIGALRM (its -timeout)
    campaign = Campaign(cli_every)
    corpus = Path(tempfile.mkdtemp(prefix="chaintutor-fuzz-"))
    seeds = [path.read_text(encoding="utf-8") for path in (ROOT / "tests" / "fuzz_corpus").glob("*.txt")]
    for index, text in enumerate([*seeds, *strategies.SEEDS, *strategies.TOKENS]):
        (corpus / f"seed-{index}").write_bytes(text.encode("utf-8"))
    started = time.monotonic()

    def one_input(data: bytes) -> None:
        elapsed = time.monotonic() - started
        if elapsed >= seconds:
            campaign.report("atheris", elapsed)
            sys.stdout.flush()
            os._exit(1 if campaign.failures else 0)
        text = atheris.FuzzedDataProvider(data).ConsumeUnicodeNoSurrogates(len(data))
        try:
            campaign.run_one(text)
        except BaseException as error:
            campaign.record(text, error)
            campaign.report("atheris", time.monotonic() - started)
            raise
        if campaign.inputs % 5000 == 0:
            print(f"[fuzz_long] {campaign.inputs:,} inputs in {elapsed:.0f} s", file=sys.stderr, flush=True)

    argv = [
        sys.argv[0],
        f"-max_total_time={int(seconds) + 60}",  # a backstop: one_input stops the campaign
        "-timeout=60",  # a hang: libFuzzer reports the input and stops
        "-rss_limit_mb=4096",
        "-max_len=2000",
        f"-artifact_prefix={Path.cwd()}/",
        str(corpus),
    ]
    atheris.Setup(argv, one_input)
    atheris.Fuzz()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--engine", choices=["auto", "atheris", "hypothesis"], default="auto")
    parser.add_argument("--seconds", type=float, default=300)
    parser.add_argument("--batch", type=int, default=500, help="hypothesis: examples per random seed")
    parser.add_argument("--cli-every", type=int, default=25, help="run the command line on every Nth input")
    options = parser.parse_args()

    engine = options.engine
    if engine == "auto":
        engine = "atheris" if importlib.util.find_spec("atheris") is not None else "hypothesis"
    os.environ.setdefault("COLUMNS", "100")
    if engine == "atheris":
        run_atheris(options.seconds, options.cli_every)  # reports and exits the process itself
    campaign = Campaign(options.cli_every)
    started = time.monotonic()
    run_hypothesis(campaign, options.seconds, options.batch)
    campaign.report(engine, time.monotonic() - started)
    sys.exit(1 if campaign.failures else 0)


if __name__ == "__main__":
    main()
