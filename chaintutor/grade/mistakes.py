"""The catalogue of mistakes: every code an answer can be graded with, and what it means.

The codes are the stable names of CONTRACT.md (``check --format json``, ``grade``, the
progress database); the descriptions are the short ones the progress listing prints. The
catalogue's order is the order in which :func:`chaintutor.grade.diagnose.diagnose` reports
the mistakes it finds. No SymPy here: the lighter commands (``exercises``, ``progress``)
print it without loading the grader.
"""

from __future__ import annotations

from dataclasses import dataclass

MISSING_INNER_DERIVATIVE = "missing_inner_derivative"
OUTER_AT_WRONG_ARGUMENT = "outer_at_wrong_argument"
COMPOSITION_AS_PRODUCT = "composition_as_product"
FACTORS_ADDED = "factors_added"
POWER_RULE_ERROR = "power_rule_error"
SIGN_ERROR = "sign_error"
MISSING_PATH = "missing_path"
PATHS_MULTIPLIED = "paths_multiplied"
MISSING_OUTER_DERIVATIVE = "missing_outer_derivative"
PRODUCT_OF_DERIVATIVES = "product_of_derivatives"
QUOTIENT_OF_DERIVATIVES = "quotient_of_derivatives"
RECIPROCAL_DERIVATIVE = "reciprocal_derivative"
POWER_RULE_ON_EXPONENTIAL = "power_rule_on_exponential"
DERIVATIVE_IN_EXPONENT = "derivative_in_exponent"
WRONG_VARIABLE = "wrong_variable"
UNPARSEABLE = "unparseable"  # not a chain-rule mistake: the answer could not be read at all
UNKNOWN = "unknown"  # wrong, and no mistake of the catalogue reproduces it

MISTAKES: dict[str, str] = {
    MISSING_INNER_DERIVATIVE: "a factor of the chain was dropped",
    OUTER_AT_WRONG_ARGUMENT: "the outer derivative was evaluated at the wrong argument",
    COMPOSITION_AS_PRODUCT: "f(g(x)) was treated as the product f(x)·g(x)",
    FACTORS_ADDED: "local derivatives were added instead of multiplied",
    POWER_RULE_ERROR: "exponent kept, or coefficient wrong, in a power rule",
    SIGN_ERROR: "a sign is wrong",
    MISSING_PATH: "the contribution of one dependency path is missing",
    PATHS_MULTIPLIED: "path contributions were multiplied instead of added",
    MISSING_OUTER_DERIVATIVE: "the outer function's derivative was dropped",
    PRODUCT_OF_DERIVATIVES: "d(f·g) was taken as f′·g′",
    QUOTIENT_OF_DERIVATIVES: "d(f/g) was taken as f′/g′",
    RECIPROCAL_DERIVATIVE: "the reciprocal of a derivative was taken",
    POWER_RULE_ON_EXPONENTIAL: "the power rule was applied to an exponential",
    DERIVATIVE_IN_EXPONENT: "the derivative was put inside the function",
    WRONG_VARIABLE: "a local derivative was taken with respect to the wrong variable",
    UNPARSEABLE: "the answer could not be read",
    UNKNOWN: "wrong, and no known mistake reproduces it",
}

# What diagnosing an answer that was read can give, in the order it is reported.
DIAGNOSIS_CODES = tuple(code for code in MISTAKES if code != UNPARSEABLE)


def describe(code: str) -> str:
    """What ``code`` means, in a few words; empty for a code the catalogue does not know
    (a progress database written by another version, say)."""
    return MISTAKES.get(code, "")


@dataclass(frozen=True)
class Diagnosis:
    """One mistake found in an answer: a stable ``code`` and a sentence for people."""

    code: str
    message: str
    together: bool = False  # one of two mistakes that only together give the answer

    def __getitem__(self, key: str) -> str:  # so that d["code"] works as in the JSON
        if key not in ("code", "message"):
            raise KeyError(key)
        return str(getattr(self, key))

    def to_dict(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message}
