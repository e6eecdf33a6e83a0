"""The analysis does work linear in the code: doubling a repeated construct doubles the bytecode it runs.

Counted in Python bytecode instructions (sys.settrace with opcode events), which is deterministic
whatever the machine's load: no timing. The time per syntax unit up to the size limit is in
benchmarks/scaling.py, whose generated families these are.
"""

from __future__ import annotations

import sys
from pathlib import Path
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))

from scaling import FAMILIES  # noqa: E402

from flake8_keras_activation.source import analyze_source  # noqa: E402
from tests.conftest import bytecodes  # noqa: E402

# each doubling may cost a little more than twice (dict resizing, a deeper cache miss, the
# layers of a state merged once more), never four times
LIMIT = 2.6


def instructions(text: str) -> int:
    """Bytecode instructions Python runs to analyse `text`."""
    return bytecodes(lambda: analyze_source(text))


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_doubling_a_construct_doubles_the_work(family: str) -> None:
    make = FAMILIES[family]
    small, large = instructions(make(150)), instructions(make(300))
    assert large / small < LIMIT, f"{family}: {small} -> {large} instructions"
