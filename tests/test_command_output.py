"""The command's outputs, end to end through the installed command: every format against its syntax or
schema, statistics, source, quiet, colour, output files, --add-noqa and parallel runs."""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import textwrap
from pathlib import Path

import jsonschema
import pytest

from flake8_keras_activation import analyze_source
from flake8_keras_activation.noqa import _one_by_one, add_noqa
from tests.conftest import COMMAND, SEED, run_flake8, without_summary
from tests.test_sarif import sarif_schema

THROUGH = textwrap.dedent(
    """\
    import keras
    from keras import layers

    model = keras.Sequential([
        keras.Input(shape=(4,)),
        layers.Dense(16),
        layers.Dropout(0.5),
        layers.Dense(1, activation="sigmoid"),
    ])
    """
)
# GitHub's workflow command: `::warning key=value,key=value::message`, nothing unescaped in between
WORKFLOW_COMMAND = re.compile(r"::(?P<level>warning|error) (?P<properties>[^:]*)::(?P<message>[^\r\n]*)\Z")


def command(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    base = {key: value for key, value in os.environ.items() if key not in ("NO_COLOR", "FORCE_COLOR")}
    return subprocess.run([COMMAND, *args], cwd=cwd, capture_output=True, text=True, check=False,
                          env={**base, **(env or {})}, timeout=300)


def notebook(*sources: str) -> str:
    cells = [{"cell_type": "markdown", "metadata": {}, "source": ["# Notes\n"]}]
    cells += [{"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [],
               "source": source.splitlines(keepends=True)} for source in sources]
    return json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}, indent=1) + "\n"


@pytest.fixture
def sample(tmp_path: Path) -> Path:
    (tmp_path / "seed.py").write_text(SEED)
    (tmp_path / "through.py").write_text(THROUGH)
    (tmp_path / "explore.ipynb").write_text(notebook("!pip install keras\n" + THROUGH))
    return tmp_path


def properties(line: str) -> tuple[str, dict[str, str], str]:
    match = WORKFLOW_COMMAND.match(line)
    assert match, line
    pairs = dict(item.split("=", 1) for item in match.group("properties").split(","))
    return match.group("level"), pairs, match.group("message")


def test_github_format_is_one_workflow_command_per_finding(sample: Path) -> None:
    text = command("check", "--isolated", ".", cwd=sample)
    result = command("check", "--isolated", "--format", "github", ".", cwd=sample)
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert len(lines) == len(text.stdout.splitlines())
    parsed = [properties(line) for line in lines]
    assert {level for level, _, _ in parsed} == {"warning"}
    by_file = [(pairs["file"], pairs["line"], pairs["title"]) for _, pairs, _ in parsed]
    assert ("seed.py", "5", "KA101") in by_file and ("through.py", "6", "KA101") in by_file
    for _, pairs, message in parsed:
        assert set(pairs) <= {"file", "line", "col", "endLine", "endColumn", "title"}
        assert re.fullmatch(r"KA\d{3}", pairs["title"]) and f"{pairs['title']} " in message
    layer = next(pairs for _, pairs, _ in parsed if pairs["file"] == "through.py")
    # the range of `layers.Dense(16)`, 1-based columns, end exclusive as GitHub takes it
    assert (layer["line"], layer["col"], layer["endLine"], layer["endColumn"]) == ("6", "5", "6", "21")
    # a notebook is annotated on the line of its JSON file that shows the cell's line
    cell = next((pairs, message) for _, pairs, message in parsed if pairs["file"] == "explore.ipynb")
    shown = (sample / "explore.ipynb").read_text().splitlines()[int(cell[0]["line"]) - 1]
    assert "layers.Dense(16)" in shown and cell[1].startswith("cell 2, line 7, column 5: KA101")


def git_repository(root: Path) -> Path:
    subprocess.run(["git", "init", "-q", str(root)], check=True, capture_output=True)
    return root


def test_github_paths_are_relative_to_the_repository_root_from_a_subdirectory(tmp_path: Path) -> None:
    # GitHub places an annotation by the file's path from the repository's root: `./src/model.py`
    # or `model.py` from inside src/ annotates nothing
    repository = git_repository(tmp_path / "repo")
    (repository / "src" / "pkg").mkdir(parents=True)
    (repository / "src" / "pkg" / "model.py").write_text(SEED)
    (repository / "src" / "pkg" / "explore.ipynb").write_text(notebook(THROUGH))
    (repository / "src" / "broken.py").write_text("import keras\nkeras.layers.Dense(\n")
    for args in ((), (".",), ("pkg", "broken.py")):  # no path: the current directory
        result = command("check", "--isolated", "--format", "github", *args, cwd=repository / "src")
        files = {(level, pairs["file"]) for level, pairs, _ in map(properties, result.stdout.splitlines())}
        assert files == {("warning", "src/pkg/model.py"), ("warning", "src/pkg/explore.ipynb"),
                         ("error", "src/broken.py")}, args
    # a worktree or a submodule has a `.git` file, not a directory: its top is the root all the same
    (repository / "src" / "pkg" / ".git").write_text("gitdir: elsewhere\n")
    result = command("check", "--isolated", "--format", "github", cwd=repository / "src" / "pkg")
    assert {properties(line)[1]["file"] for line in result.stdout.splitlines()} == {"model.py", "explore.ipynb"}


def test_github_paths_outside_a_repository_are_relative_to_the_current_directory(tmp_path: Path) -> None:
    if any((parent / ".git").exists() for parent in tmp_path.resolve().parents):
        pytest.skip("the temporary directory is inside a git work tree here")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "model.py").write_text(SEED)
    for args in ((), (".",), ("./sub/model.py",), (str(tmp_path / "sub" / "model.py"),)):
        result = command("check", "--isolated", "--format", "github", *args, cwd=tmp_path)
        assert {properties(line)[1]["file"] for line in result.stdout.splitlines()} == {"sub/model.py"}, args


def test_github_format_escapes_what_would_end_a_property(tmp_path: Path) -> None:
    odd = tmp_path / "a,b:c%d.py"
    odd.write_text(SEED)
    result = command("check", "--isolated", "--format", "github", odd.name, cwd=tmp_path)
    _, pairs, _ = properties(result.stdout.splitlines()[0])
    assert pairs["file"] == "a%2Cb%3Ac%25d.py"


def test_text_format_escapes_what_would_forge_or_hide_a_line_and_keeps_accents(tmp_path: Path) -> None:
    forged = "x.py\nforged.py:1:1: KA101 nothing is wrong here\n\x1b[2Ky.py"
    (tmp_path / forged).write_text(SEED)
    (tmp_path / "modèle\u2028.py").write_text(SEED)
    (tmp_path / "broken\r.py").write_text("import keras\nkeras.layers.Dense(\n")
    result = command("check", "--isolated", ".", cwd=tmp_path)
    shown_forged = "./x.py\\nforged.py:1:1: KA101 nothing is wrong here\\n\\x1b[2Ky.py"
    assert [line.split(":", 1)[0] for line in result.stdout.splitlines()] == [
        *["./modèle\\u2028.py"] * 4, *[shown_forged.split(":")[0]] * 4
    ]
    assert all(line.startswith(("./modèle\\u2028.py:", shown_forged + ":")) for line in result.stdout.splitlines())
    assert without_summary(result.stderr) == "./broken\\r.py: error: does not parse: '(' was never closed (line 2)\n"
    assert "\x1b" not in result.stdout
    for args in (("-q",), ("--statistics",)):
        quiet = command("check", "--isolated", *args, ".", cwd=tmp_path)
        assert "\x1b" not in quiet.stdout and "\nforged" not in quiet.stdout
    # the formats for machines were already safe, each in its own way, and stay so
    as_json = command("check", "--isolated", "--format", "json", forged, cwd=tmp_path)
    assert {item["path"] for item in json.loads(as_json.stdout)} == {forged}
    fixed = command("fix", "--isolated", ".", cwd=tmp_path)
    assert f"Rewriting {shown_forged}\n" in fixed.stderr and "\nforged" not in fixed.stderr


def test_github_format_reports_unreadable_files_as_errors(tmp_path: Path) -> None:
    (tmp_path / "broken.py").write_text("import keras\nkeras.layers.Dense(\n")
    result = command("check", "--isolated", "--format", "github", "broken.py", cwd=tmp_path)
    level, pairs, message = properties(result.stdout.strip())
    assert (level, pairs, result.returncode) == ("error", {"file": "broken.py"}, 1)
    assert "does not parse" in message


def test_sarif_results_carry_their_chain_as_related_locations(sample: Path) -> None:
    result = command("check", "--isolated", "--format", "sarif", ".", cwd=sample)
    log = json.loads(result.stdout)
    jsonschema.validate(log, sarif_schema())
    results = log["runs"][0]["results"]
    through = next(r for r in results if r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "through.py")
    assert through["ruleId"] == "KA101"
    assert through["locations"][0]["physicalLocation"]["region"] == {
        "startLine": 6, "startColumn": 5, "endLine": 6, "endColumn": 21
    }
    related = [(r["message"]["text"], r["physicalLocation"]["region"]["startLine"]) for r in through["relatedLocations"]]
    assert related == [("collapses into Dense(1)", 8), ("through Dropout(0.5)", 7)]
    assert [r["id"] for r in through["relatedLocations"]] == [1, 2]
    in_notebook = next(r for r in results if r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                       == "explore.ipynb")
    texts = [r["message"]["text"] for r in in_notebook["relatedLocations"]]
    assert texts == ["collapses into Dense(1) (cell 2, line 9, column 5)", "through Dropout(0.5) (cell 2, line 8, column 5)"]


# GitLab's "Code Quality report format" (docs.gitlab.com, ci/testing/code_quality.md, "Implement a
# custom tool"): a JSON array of objects with `description`, `check_name` ("a unique name representing
# the static analysis check"), `fingerprint` ("a unique fingerprint to identify the code quality
# violation"), `severity` (one of info, minor, major, critical, blocker), `location.path` ("the
# relative path to the file") and `location.lines.begin` or `location.positions.begin.line`; other
# Code Climate properties are ignored. `lines.end` is the Code Climate spec's, which GitLab reads
# its subset from. The path is matched with the merge request's files, which are named from the
# repository's root without `./`.
GITLAB_REPORT = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["description", "check_name", "fingerprint", "severity", "location"],
        "additionalProperties": False,
        "properties": {
            "description": {"type": "string", "minLength": 1},
            "check_name": {"type": "string", "pattern": r"^KA\d{3}$"},
            "fingerprint": {"type": "string", "pattern": r"^[0-9a-f]{64}$"},
            "severity": {"enum": ["info", "minor", "major", "critical", "blocker"]},
            "location": {
                "type": "object",
                "required": ["path", "lines"],
                "additionalProperties": False,
                "properties": {
                    # relative, forward slashes, no `./`
                    "path": {"type": "string", "pattern": r"^(?!\./)(?!/)(?![A-Za-z]:)[^\\]+$"},
                    "lines": {
                        "type": "object",
                        "required": ["begin"],
                        "additionalProperties": False,
                        "properties": {"begin": {"type": "integer", "minimum": 1},
                                       "end": {"type": "integer", "minimum": 1}},
                    },
                },
            },
        },
    },
}
TALL = textwrap.dedent(
    """\
    import keras
    from keras import layers

    model = keras.Sequential([
        keras.Input(shape=(4,)),
        layers.Dense(
            16,
        ),
        layers.Dense(1, activation="sigmoid"),
    ])
    """
)


def gitlab_report(*args: str, cwd: Path) -> list[dict]:
    result = command("check", "--isolated", "--format", "gitlab", *args, cwd=cwd)
    assert result.returncode in (0, 1), result.stderr
    report = json.loads(result.stdout)
    jsonschema.validate(report, GITLAB_REPORT)
    return report


def test_the_gitlab_schema_would_catch_what_gitlab_cannot_place() -> None:
    issue = {"description": "x", "check_name": "KA101", "fingerprint": "0" * 64, "severity": "major",
             "location": {"path": "src/model.py", "lines": {"begin": 3, "end": 4}}}
    jsonschema.validate([issue], GITLAB_REPORT)
    for path in ("./src/model.py", "/abs/model.py", "src\\model.py"):
        bad = {**issue, "location": {"path": path, "lines": {"begin": 3}}}
        assert not jsonschema.Draft7Validator(GITLAB_REPORT).is_valid([bad]), path
    assert not jsonschema.Draft7Validator(GITLAB_REPORT).is_valid([{**issue, "severity": "warning"}])
    without = {key: value for key, value in issue.items() if key != "fingerprint"}
    assert not jsonschema.Draft7Validator(GITLAB_REPORT).is_valid([without])


def test_gitlab_format_is_a_code_quality_report_of_every_finding(sample: Path) -> None:
    (sample / "tall.py").write_text(TALL)
    report = gitlab_report(".", cwd=sample)
    text = command("check", "--isolated", ".", cwd=sample).stdout.splitlines()
    assert len(report) == len(text)
    assert [issue["check_name"] for issue in report] == [line.split(": ")[1].split()[0] for line in text]
    assert {issue["severity"] for issue in report} == {"major"}
    where = {(i["location"]["path"], i["check_name"], i["location"]["lines"]["begin"]): i for i in report}
    # the finding's construct, from its first line to its last
    assert where[("through.py", "KA101", 6)]["location"]["lines"] == {"begin": 6, "end": 6}
    assert where[("tall.py", "KA101", 6)]["location"]["lines"] == {"begin": 6, "end": 8}
    assert where[("seed.py", "KA101", 5)]["description"].startswith("Dense(20) has no activation and feeds Dense(100)")
    # a notebook: its path, the lines of its JSON file that show the cell's lines, the cell in the text
    cell = next(issue for issue in report if issue["location"]["path"] == "explore.ipynb")
    shown = (sample / "explore.ipynb").read_text().splitlines()
    assert "layers.Dense(16)" in shown[cell["location"]["lines"]["begin"] - 1]
    assert cell["location"]["lines"]["end"] == cell["location"]["lines"]["begin"]
    assert cell["description"].endswith("(cell 2, line 7, column 5)")


def test_gitlab_severities_rank_the_codes_that_are_off_by_default_lower(tmp_path: Path) -> None:
    (tmp_path / "bottleneck.py").write_text(
        "import keras\nfrom keras import layers\ninputs = keras.Input(shape=(784,))\n"
        "code = layers.Dense(32)(inputs)\noutputs = layers.Dense(784)(code)\nmodel = keras.Model(inputs, outputs)\n"
    )
    (tmp_path / "bounded.py").write_text(
        "import keras\nmodel = keras.Sequential([keras.Input(shape=(3,)), keras.layers.Dense(8, activation='relu'),"
        " keras.layers.Dense(1, activation='sigmoid')])\nmodel.compile(optimizer='adam', loss='mse')\n"
    )
    report = gitlab_report("--select", "KA", ".", cwd=tmp_path)
    assert {(issue["check_name"], issue["severity"]) for issue in report} == {("KA104", "info"), ("KA210", "minor")}


def test_gitlab_fingerprints_are_unique_stable_when_lines_move_and_differ_between_findings(tmp_path: Path) -> None:
    twice = SEED + "\n" + SEED.split("\n\n", 1)[1]  # the same model built twice: the same findings twice
    (tmp_path / "twice.py").write_text(twice)
    (tmp_path / "explore.ipynb").write_text(notebook(THROUGH, THROUGH.split("\n\n", 1)[1]))
    before = gitlab_report(".", cwd=tmp_path)
    fingerprints = [issue["fingerprint"] for issue in before]
    assert len(before) == 10 and len(set(fingerprints)) == len(fingerprints)
    # identical findings differ only by their occurrence; others by what they say
    twins = [i for i in before if i["location"]["path"] == "twice.py" and i["description"].startswith("Dense(20)")]
    assert len(twins) == 2 and twins[0]["fingerprint"] != twins[1]["fingerprint"]
    # lines inserted above every finding (and a cell above every cell): each keeps its fingerprint
    (tmp_path / "twice.py").write_text('"""Models."""\n\nimport os\n\n# twice\n' + twice)
    (tmp_path / "explore.ipynb").write_text(notebook("import os\nprint(os.getcwd())\n", THROUGH,
                                                     THROUGH.split("\n\n", 1)[1]))
    after = gitlab_report(".", cwd=tmp_path)
    assert [i["location"]["lines"]["begin"] for i in after] != [i["location"]["lines"]["begin"] for i in before]
    assert [(i["check_name"], i["fingerprint"]) for i in after] == [(i["check_name"], i["fingerprint"]) for i in before]
    # and so does a run from another directory of the same repository, which names files the same way
    git_repository(tmp_path)
    (tmp_path / "sub").mkdir()
    assert gitlab_report(cwd=tmp_path / "sub") == []
    assert [i["fingerprint"] for i in gitlab_report("..", cwd=tmp_path / "sub")] == fingerprints


def test_gitlab_paths_are_relative_to_the_repository_root_from_a_subdirectory(tmp_path: Path) -> None:
    repository = git_repository(tmp_path / "repo")
    (repository / "src" / "pkg").mkdir(parents=True)
    (repository / "src" / "pkg" / "model.py").write_text(SEED)
    (repository / "src" / "pkg" / "explore.ipynb").write_text(notebook(THROUGH))
    for args in ((), (".",), ("pkg",), ("./pkg/model.py", "pkg/explore.ipynb")):
        paths = {issue["location"]["path"] for issue in gitlab_report(*args, cwd=repository / "src")}
        assert paths == {"src/pkg/model.py", "src/pkg/explore.ipynb"}, args


def test_json_format_lists_every_finding(sample: Path) -> None:
    result = command("check", "--isolated", "--format", "json", ".", cwd=sample)
    items = json.loads(result.stdout)
    required = ["path", "cell", "line", "column", "code", "name", "message"]
    schema = {"type": "array", "items": {"type": "object", "required": required}}
    jsonschema.validate(items, schema)
    assert len(items) == len(command("check", "--isolated", ".", cwd=sample).stdout.splitlines())


def test_statistics_count_each_code_as_flake8_prints_them(sample: Path) -> None:
    result = command("check", "--isolated", "--statistics", ".", cwd=sample)
    lines = result.stdout.splitlines()
    findings = [line for line in lines if re.match(r"\S+:\d+:\d+: KA", line)]
    statistics = lines[len(findings):]
    counts = {}
    for line in statistics:
        match = re.fullmatch(r"(\d+) +(KA\d{3}) (.+)", line)
        assert match, line
        counts[match.group(2)] = int(match.group(1))
    expected: dict[str, int] = {}
    for line in findings:
        code = line.split(": ")[1].split()[0]
        expected[code] = expected.get(code, 0) + 1
    assert counts == expected and list(counts) == sorted(counts)


def test_show_source_prints_the_line_and_a_caret_under_the_column(tmp_path: Path) -> None:
    (tmp_path / "through.py").write_text(THROUGH)
    result = command("check", "--isolated", "--show-source", "through.py", cwd=tmp_path)
    assert result.stdout.splitlines() == [
        "through.py:6:5: KA101 " + result.stdout.split(" KA101 ", 1)[1].splitlines()[0],
        "    layers.Dense(16),",
        "    ^",
    ]


def test_quiet_prints_file_names_then_nothing_and_keeps_the_status(sample: Path) -> None:
    once = command("check", "--isolated", "-q", ".", cwd=sample)
    assert (once.returncode, once.stdout.splitlines()) == (1, ["./explore.ipynb", "./seed.py", "./through.py"])
    twice = command("check", "--isolated", "-qq", ".", cwd=sample)
    assert (twice.returncode, twice.stdout) == (1, "")


def test_output_file_holds_the_report_and_stdout_nothing(sample: Path) -> None:
    expected = command("check", "--isolated", "--format", "sarif", ".", cwd=sample).stdout
    result = command("check", "--isolated", "--format", "sarif", "--output-file", "report.sarif", ".", cwd=sample)
    assert (result.returncode, result.stdout) == (1, "")
    assert (sample / "report.sarif").read_text() == expected


def test_colour_only_on_request_when_piped_and_never_with_no_color(sample: Path) -> None:
    assert "\033[" not in command("check", "--isolated", ".", cwd=sample).stdout
    forced = command("check", "--isolated", ".", cwd=sample, env={"FORCE_COLOR": "1"}).stdout
    assert "\033[1m./seed.py\033[m" in forced and "\033[1m\033[31mKA101\033[m" in forced
    # without its escapes, the same text
    assert re.sub(r"\033\[[0-9;]*m", "", forced) == command("check", "--isolated", ".", cwd=sample).stdout
    assert "\033[" not in command("check", "--isolated", ".", cwd=sample, env={"NO_COLOR": "1"}).stdout
    assert "\033[" in command("check", "--isolated", "--color", "always", ".", cwd=sample, env={"NO_COLOR": "1"}).stdout


def test_no_path_checks_the_current_directory(sample: Path) -> None:
    assert command("check", "--isolated", cwd=sample).stdout == command("check", "--isolated", ".", cwd=sample).stdout


def _tokens_without_comments(text: str) -> str:
    return ast.dump(ast.parse(text))


def test_add_noqa_silences_every_finding_with_comments_only_and_is_idempotent(tmp_path: Path) -> None:
    original = SEED.replace("model.add(Dense(1))", "model.add(Dense(1))  # noqa: E501").replace(
        "model = Sequential()", "model = Sequential()  # noqa:E731")
    (tmp_path / "seed.py").write_text(original)
    (tmp_path / "through.py").write_text(THROUGH)
    before = command("check", "--isolated", ".", cwd=tmp_path)
    assert before.returncode == 1
    added = command("check", "--isolated", "--add-noqa", ".", cwd=tmp_path)
    assert added.returncode == 0, added.stderr
    seed = (tmp_path / "seed.py").read_text()
    assert seed.splitlines() == [
        "from keras.models import Sequential",
        "from keras.layers import Dense",
        "",
        "model = Sequential()  # noqa:E731, KA103",
        "model.add(Dense(20, input_dim=2))  # noqa: KA101",
        "model.add(Dense(100, input_dim=2))  # noqa: KA101, KA102",
        "model.add(Dense(1))  # noqa: E501",
    ]
    # comments only: the same code, line for line
    for old, new in zip(original.splitlines(), seed.splitlines()):
        assert new.startswith(old.split("  #")[0])
    assert _tokens_without_comments(seed) == _tokens_without_comments(original)
    after = command("check", "--isolated", ".", cwd=tmp_path)
    assert (after.returncode, after.stdout) == (0, "")
    again = command("check", "--isolated", "--add-noqa", ".", cwd=tmp_path)
    assert again.returncode == 0
    assert (tmp_path / "seed.py").read_text() == seed
    assert "0 findings silenced" in again.stderr


def test_add_noqa_in_a_notebook_writes_in_the_cells_line(tmp_path: Path) -> None:
    path = tmp_path / "explore.ipynb"
    path.write_text(notebook("!pip install keras\n" + THROUGH))
    assert command("check", "--isolated", "--add-noqa", "explore.ipynb", cwd=tmp_path).returncode == 0
    cells = json.loads(path.read_text())["cells"]
    source = "".join(cells[1]["source"])
    assert source == "!pip install keras\n" + THROUGH.replace("layers.Dense(16),", "layers.Dense(16),  # noqa: KA101")
    assert cells[0]["source"] == ["# Notes\n"]
    assert command("check", "--isolated", "explore.ipynb", cwd=tmp_path).stdout == ""


def test_add_noqa_writes_where_flake8_looks_on_a_statement_over_several_lines(tmp_path: Path) -> None:
    text = 'import keras\nmodel = keras.Sequential([keras.layers.Dense(8, name="""a\nb"""), keras.layers.Dense(1)])\n'
    backslash = "import keras\nmodel = keras.Sequential([keras.layers.Dense(8), \\\n    keras.layers.Dense(1)])\n"
    (tmp_path / "string.py").write_text(text)
    (tmp_path / "backslash.py").write_text(backslash)
    result = command("check", "--isolated", "--add-noqa", ".", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    # the comment goes to the statement's last line: on the first it would be in the string, or
    # after the backslash
    assert (tmp_path / "string.py").read_text() == text.replace("Dense(1)])", "Dense(1)])  # noqa: KA101, KA103")
    assert (tmp_path / "backslash.py").read_text() == backslash.replace("Dense(1)])", "Dense(1)])  # noqa: KA101, KA103")
    assert command("check", "--isolated", ".", cwd=tmp_path).stdout == ""
    assert run_flake8([tmp_path], "--select=KA").stdout == ""


def test_add_noqa_leaves_a_statement_whose_first_noqa_is_in_a_string(tmp_path: Path) -> None:
    text = 'import keras\nmodel = keras.Sequential([keras.layers.Dense(8, name="""# noqa: E501\nb"""), keras.layers.Dense(1)])\n'
    (tmp_path / "odd.py").write_text(text)
    result = command("check", "--isolated", "--add-noqa", "odd.py", cwd=tmp_path)
    assert result.returncode == 1
    assert "KA101 not silenced" in result.stderr
    assert (tmp_path / "odd.py").read_text() == text


MIXED = (
    'import keras\nmodel = keras.Sequential([keras.layers.Dense(8, name="""a\nb"""), keras.layers.Dense(1)])\n'
    + "other = keras.Sequential([keras.layers.Dense(4), keras.layers.Dense(1)])  # noqa: E501\n"
)


@pytest.mark.parametrize(
    "text",
    [SEED, MIXED, "import keras\nm = keras.Sequential([\n" + "    keras.layers.Dense(8),\n" * 300 + "])\n"],
    ids=["seed", "a-line-inside-a-string-beside-others", "300-layers"],
)
def test_add_noqa_in_one_pass_writes_what_one_comment_at_a_time_writes(text: str) -> None:
    # the one pass and its single check of the module's meaning must agree with trying and
    # checking each comment on its own, including when a line ends inside a string
    findings = analyze_source(text)
    assert findings
    ordered = sorted(findings, key=lambda f: (f.line, f.code))
    assert add_noqa(text, findings) == _one_by_one(text, text, ordered, masked=False)


@pytest.mark.parametrize("format", ["text", "json", "sarif", "github", "gitlab"])
def test_one_job_and_two_give_the_same_output(tmp_path: Path, format: str) -> None:
    for number in range(40):
        directory = tmp_path / f"pkg{number % 3}"
        directory.mkdir(exist_ok=True)
        (directory / f"m{number}.py").write_text(SEED if number % 2 else THROUGH)
        (directory / f"plain{number}.py").write_text("x = 1\n")
    (tmp_path / "pkg1" / "broken.py").write_text("import keras\nkeras.layers.Dense(\n")
    one = command("check", "--isolated", "--format", format, "--jobs", "1", ".", cwd=tmp_path)
    two = command("check", "--isolated", "--format", format, "--jobs", "2", ".", cwd=tmp_path)
    assert one.returncode == two.returncode == 1
    assert one.stdout == two.stdout and one.stderr == two.stderr
    assert one.stdout.count("KA101") >= 40
