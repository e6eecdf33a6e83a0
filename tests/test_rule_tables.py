"""One parametrized test runs every rule table: exact positions for INVALID cases, silence for VALID ones,
through the analysis and end to end through real flake8."""

from __future__ import annotations

from pathlib import Path

import pytest

from flake8_keras_activation import analyze_source
from tests import cases_functional, cases_sequential, cases_subclassed
from tests.conftest import Case, flake8_findings

TABLES = {"sequential": cases_sequential, "functional": cases_functional, "subclassed": cases_subclassed}
INVALID = [(name, case) for name, table in TABLES.items() for case in table.INVALID]
VALID = [(name, case) for name, table in TABLES.items() for case in table.VALID]


def _params(cases: list[tuple[str, Case]]) -> list:
    ids = [f"{name}/{case.id}" for name, case in cases]
    assert len(ids) == len(set(ids)), "case ids must be unique within a table"
    return [pytest.param(case, id=id_) for id_, (_, case) in zip(ids, cases)]


@pytest.mark.parametrize("case", _params(INVALID))
def test_invalid_cases_report_exact_positions(case: Case) -> None:
    found = [(f.line, f.col, f.code) for f in analyze_source(case.text)]
    assert found == sorted(case.expected)


@pytest.mark.parametrize("case", _params(VALID))
def test_valid_cases_are_silent(case: Case) -> None:
    assert analyze_source(case.text) == []


@pytest.mark.parametrize("table", sorted(TABLES))
def test_every_case_gives_the_same_findings_through_real_flake8(table: str, tmp_path: Path) -> None:
    cases = TABLES[table].INVALID + TABLES[table].VALID
    found = flake8_findings(cases, tmp_path)
    assert {k: sorted(v) for k, v in found.items()} == {case.id: sorted(case.expected) for case in cases}
