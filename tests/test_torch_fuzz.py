"""Generated PyTorch programs: no exception, and the findings the chain's form decides."""

from __future__ import annotations

import ast

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flake8_keras_activation import analyze_source
from tests.cases_torch import INVALID, VALID

# (text, kind): "linear" takes the running width and makes a new one; "pass" keeps it and the chain
# affine; "act" keeps it and ends the chain
PASS = ["nn.Dropout(0.1)", "nn.Identity()", "nn.BatchNorm1d({w})"]
ACTS = ["nn.ReLU()", "nn.GELU()", "nn.Tanh()", "nn.LeakyReLU(0.1)"]
SPELLINGS = {
    "nn": ("import torch.nn as nn", "nn."),
    "torch.nn": ("import torch", "torch.nn."),
    "from-torch": ("from torch import nn", "nn."),
}

step = st.one_of(
    st.tuples(st.just("linear"), st.integers(1, 4), st.booleans()),  # width, declared input right
    st.tuples(st.just("pass"), st.integers(0, len(PASS) - 1), st.booleans()),
    st.tuples(st.just("act"), st.integers(0, len(ACTS) - 1), st.booleans()),
)


def _program(steps: list[tuple[str, int, bool]], spelling: str) -> tuple[str, set[int], set[int]]:
    """The source, the lines that must be KA101 and the lines that must be KA306."""
    imports, prefix = SPELLINGS[spelling]
    lines, collapses, mismatches = [imports, "", f"model = {prefix}Sequential("], set(), set()
    width, last_linear, activated = 8, None, False  # the first Linear's input width is the data's
    for kind, value, right in steps:
        number = len(lines) + 1
        if kind == "linear":
            if last_linear is not None and not activated:
                collapses.add(last_linear)
            if last_linear is not None and not right:
                mismatches.add(number)
            lines.append(f"    {prefix}Linear({width if right else width + 1}, {value}),")
            width, last_linear, activated = value, number, False
        elif kind == "pass":
            lines.append(f"    {prefix}{PASS[value].format(w=width)[len('nn.'):]},")
        else:
            lines.append(f"    {prefix}{ACTS[value][len('nn.'):]},")
            activated = True
    lines.append(")")
    return "\n".join(lines) + "\n", collapses, mismatches


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(step, min_size=1, max_size=7), st.sampled_from(sorted(SPELLINGS)))
def test_a_sequential_chain_is_judged_by_its_form(steps: list[tuple[str, int, bool]], spelling: str) -> None:
    source, collapses, mismatches = _program(steps, spelling)
    findings = analyze_source(source)
    assert {f.line for f in findings if f.code == "KA101"} == collapses, source
    assert {f.line for f in findings if f.code == "KA306"} == mismatches, source


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from([case.text for case in (*INVALID, *VALID)]),
    st.integers(0, 10_000),
    st.integers(1, 40),
    st.sampled_from(["", "*", "**", "(", ")", "[", "None", "-1", "0", "dim=", "x", ",", ".relu()", "nn.", "self"]),
)
def test_damaged_torch_code_gives_findings_or_nothing(text: str, at: int, length: int, insert: str) -> None:
    at %= len(text)
    damaged = text[:at] + insert + text[at + length :]
    try:
        ast.parse(damaged)
    except (SyntaxError, ValueError):
        return  # flake8 reports E999 itself; the plugin is not called on it
    findings = analyze_source(damaged)
    assert all(f.code.startswith("KA") and f.line >= 1 for f in findings)
