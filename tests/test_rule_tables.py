"""One parametrized test runs every rule table: exact positions for INVALID cases, silence for VALID ones,
through the analysis and end to end through real flake8."""

from __future__ import annotations

from pathlib import Path

import pytest

from flake8_keras_activation import analyze_source
from flake8_keras_activation.screen import OFF_BY_DEFAULT
from tests.conftest import Case, flake8_findings, params, rule_cases

CASES = rule_cases()
INVALID = [case for case in CASES if case.expected]
VALID = [case for case in CASES if not case.expected]
TABLES = sorted({case.id.split("/")[0] for case in CASES})


@pytest.mark.parametrize("case", params(INVALID))
def test_invalid_cases_report_exact_positions(case: Case) -> None:
    found = [(f.line, f.col, f.code) for f in analyze_source(case.text)]
    assert found == sorted(case.expected)


@pytest.mark.parametrize("case", params(VALID))
def test_valid_cases_are_silent(case: Case) -> None:
    assert analyze_source(case.text) == []


@pytest.mark.parametrize("table", TABLES)
def test_every_case_gives_the_same_findings_through_real_flake8(table: str, tmp_path: Path) -> None:
    cases = [case for case in CASES if case.id.startswith(table + "/")]
    found = flake8_findings(cases, tmp_path)
    assert {k: sorted(v) for k, v in found.items()} == {case.id: sorted(case.expected) for case in cases}


@pytest.mark.parametrize("table", TABLES)
def test_plain_flake8_reports_every_case_but_the_codes_that_are_off_by_default(table: str, tmp_path: Path) -> None:
    cases = [case for case in CASES if case.id.startswith(table + "/")]
    found = flake8_findings(cases, tmp_path, select="")
    expected = {case.id: sorted(f for f in case.expected if f[2] not in OFF_BY_DEFAULT) for case in cases}
    assert {k: sorted(v) for k, v in found.items()} == expected
