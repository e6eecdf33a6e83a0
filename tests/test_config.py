"""The command's configuration, end to end through the installed command on temporary projects."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.conftest import COMMAND, SEED, memory_capped

ALL = ["KA101", "KA101", "KA102", "KA103"]


def command(*args: str, cwd: Path, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if key not in ("NO_COLOR", "FORCE_COLOR")}
    return subprocess.run(
        [COMMAND, *args], cwd=cwd, capture_output=True, text=True, check=False, input=stdin, env=env, timeout=120
    )


def findings(out: str) -> dict[str, list[str]]:
    """Codes per file, from the text format (`path:line:col: CODE message`)."""
    found: dict[str, list[str]] = {}
    for line in out.splitlines():
        match = re.match(r"(.+?):\d+:\d+: (KA\d+) ", line)
        assert match, line
        found.setdefault(os.path.normpath(match.group(1)), []).append(match.group(2))
    return {path: sorted(codes) for path, codes in found.items()}


def project(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return root


def test_pyproject_is_found_from_a_subfolder_with_paths_relative_to_it(tmp_path: Path) -> None:
    project(tmp_path, {
        "pyproject.toml": """\
            [tool.flake8-keras-activation]
            extend-ignore = ["KA103"]
            per-file-ignores = { "tests/*" = ["KA101"], "legacy.py" = ["KA1"] }
            extend-exclude = ["generated"]
            """,
        "pkg/model.py": SEED, "pkg/legacy.py": SEED, "tests/test_model.py": SEED, "pkg/generated/made.py": SEED,
    })
    result = command("check", ".", cwd=tmp_path / "pkg")
    assert result.returncode == 1, result.stderr
    # legacy.py has no slash: it matches the file's name wherever it is
    assert findings(result.stdout) == {"model.py": ["KA101", "KA101", "KA102"]}
    from_root = command("check", cwd=tmp_path)
    assert findings(from_root.stdout) == {
        "pkg/model.py": ["KA101", "KA101", "KA102"], "tests/test_model.py": ["KA102"]
    }
    # a named file is excluded too (pre-commit names every file)
    assert command("check", "pkg/generated/made.py", cwd=tmp_path).stdout == ""


def test_the_nearest_configuration_wins(tmp_path: Path) -> None:
    project(tmp_path, {
        "pyproject.toml": '[tool.flake8-keras-activation]\nselect = ["KA103"]\n',
        "model.py": SEED,
        "sub/pyproject.toml": '[tool.flake8-keras-activation]\nselect = ["KA102"]\n',
        "sub/model.py": SEED,
        # a pyproject.toml without our table does not stop the search
        "other/pyproject.toml": "[project]\nname = 'x'\n",
        "other/model.py": SEED,
    })
    result = command("check", ".", cwd=tmp_path)
    assert findings(result.stdout) == {"model.py": ["KA103"], "sub/model.py": ["KA102"], "other/model.py": ["KA103"]}


@pytest.mark.parametrize("name", ["setup.cfg", "tox.ini", ".flake8"])
def test_flake8s_ini_section_is_read_where_there_is_no_pyproject_table(tmp_path: Path, name: str) -> None:
    project(tmp_path, {
        name: """\
            [flake8]
            max-line-length = 100
            extend-ignore = E203, KA103
            per-file-ignores =
                tests/*: KA101,E501
                */legacy.py:KA102
            exclude = .git,vendor
            """,
        "tests/test_model.py": SEED, "src/legacy.py": SEED, "src/model.py": SEED, "vendor/lib.py": SEED,
        "build/made.py": SEED,
    })
    result = command("check", cwd=tmp_path / "src")
    assert findings(result.stdout) == {"legacy.py": ["KA101", "KA101"], "model.py": ["KA101", "KA101", "KA102"]}
    # `exclude` replaces the built-in list, as flake8's does: build/ is checked now
    result = command("check", cwd=tmp_path)
    assert findings(result.stdout) == {
        "tests/test_model.py": ["KA102"], "src/legacy.py": ["KA101", "KA101"],
        "src/model.py": ["KA101", "KA101", "KA102"], "build/made.py": ["KA101", "KA101", "KA102"],
    }
    flake8 = subprocess.run([sys.executable, "-m", "flake8", "--select=KA", "."], cwd=tmp_path, capture_output=True,
                            text=True, check=False)
    assert findings(flake8.stdout) == findings(result.stdout)


@pytest.mark.parametrize(
    ("table", "key"),
    [
        ('selct = ["KA101"]', "unknown key 'selct'"),
        ("select = 101", "select: expected a list of codes"),
        ('ignore = ["E501"]', "ignore: unknown code or prefix E501"),
        ('per-file-ignores = ["tests/*"]', "per-file-ignores: expected a table"),
        ('per-file-ignores = { "tests/*" = 3 }', "per-file-ignores.tests/*: expected a list of codes"),
        ('exclude = "build"', "exclude: expected a list of paths or globs"),
        ('activation = "linear"', "activation: expected the name of a nonlinear activation"),
        ("select = [", "not valid TOML"),
        # tomllib recurses per level: a traceback of 3,000 lines before
        ("select = " + "[" * 10_000 + "]" * 10_000, "[tool.flake8-keras-activation] select: nested more than 100"),
        ("per-file-ignores = " + "{a = " * 10_000 + "1" + "}" * 10_000, "per-file-ignores: nested more than 100"),
    ],
)
def test_a_bad_value_is_one_line_naming_the_file_and_key_and_exit_2(tmp_path: Path, table: str, key: str) -> None:
    project(tmp_path, {"pyproject.toml": f"[tool.flake8-keras-activation]\n{table}\n", "model.py": SEED})
    for verb in ("check", "fix"):
        result = command(verb, "model.py", cwd=tmp_path)
        assert result.returncode == 2
        assert result.stdout == ""
        assert len(result.stderr.splitlines()) == 1, result.stderr
        assert str(tmp_path / "pyproject.toml") in result.stderr and key in result.stderr
    assert (tmp_path / "model.py").read_text() == SEED


def test_a_bad_ini_value_is_a_usage_error_too(tmp_path: Path) -> None:
    project(tmp_path, {"setup.cfg": "[flake8]\nper-file-ignores = tests/*\n", "model.py": SEED})
    result = command("check", "model.py", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"flake8-keras-activation: error: {tmp_path / 'setup.cfg'}: [flake8] per-file-ignores: "
        "expected `glob:CODES` pairs"
    ]


def test_a_deeply_nested_value_is_the_usual_configuration_error_for_every_reader(tmp_path: Path) -> None:
    from flake8_keras_activation.config import ConfigError, Configurations

    deep = "[tool.other]\nkeep = '[[['  # not brackets\ndata = [\n" + "[\n" * 5_000 + "]\n" * 5_001
    project(tmp_path, {"pyproject.toml": f"{deep}\n[tool.flake8-keras-activation]\nselect = ['KA1']\n"})
    with pytest.raises(ConfigError) as raised:
        Configurations().for_path(str(tmp_path / "model.py"))  # as the language server asks
    assert str(raised.value) == f"{tmp_path / 'pyproject.toml'}: [tool.other] data: nested more than 100 levels deep (line 3)"


@pytest.mark.skipif(sys.platform != "linux", reason="needs sparse files and RLIMIT_AS")
@pytest.mark.parametrize(("name", "header"), [
    ("pyproject.toml", "[tool.flake8-keras-activation]\n"), ("setup.cfg", "[flake8]\n"),
    ("tox.ini", "[flake8]\n"), (".flake8", "[flake8]\n"),
])
def test_a_configuration_file_over_its_size_limit_is_one_line_and_exit_2_unread(
    tmp_path: Path, name: str, header: str
) -> None:
    from flake8_keras_activation.config import MAX_CONFIG_BYTES

    project(tmp_path, {"model.py": SEED})
    with open(tmp_path / name, "wb") as stream:
        stream.write(header.encode())
        stream.truncate(3 * 2**30)  # sparse: costs no disk, and cost 6 GB of memory to read
    result = subprocess.run([COMMAND, "check", "model.py"], cwd=tmp_path, capture_output=True, text=True,
                            timeout=120, check=False, preexec_fn=memory_capped)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == (
        f"flake8-keras-activation: error: {tmp_path / name}: not read: {3 * 2**30} bytes, "
        f"over the limit of {MAX_CONFIG_BYTES} bytes\n"
    )


def test_isolated_reads_nothing_and_config_names_one_file(tmp_path: Path) -> None:
    project(tmp_path, {
        "pyproject.toml": '[tool.flake8-keras-activation]\nselect = ["KA103"]\n',
        "elsewhere.toml": '[tool.flake8-keras-activation]\nselect = ["KA102"]\n',
        "model.py": SEED,
    })
    assert findings(command("check", "model.py", cwd=tmp_path).stdout) == {"model.py": ["KA103"]}
    assert findings(command("check", "--isolated", "model.py", cwd=tmp_path).stdout) == {"model.py": ALL}
    assert findings(command("check", "--config", "elsewhere.toml", "model.py", cwd=tmp_path).stdout) == {
        "model.py": ["KA102"]
    }
    missing = command("check", "--config", "nowhere.toml", "model.py", cwd=tmp_path)
    assert missing.returncode == 2 and "nowhere.toml: --config: no such file" in missing.stderr


def test_the_command_line_goes_over_the_file(tmp_path: Path) -> None:
    project(tmp_path, {
        "pyproject.toml": '[tool.flake8-keras-activation]\nselect = ["KA103"]\nignore = ["KA102"]\n',
        "model.py": SEED,
    })
    # --select replaces the file's selection; the file's ignore still holds until --ignore replaces it
    assert findings(command("check", "--select", "KA1", "model.py", cwd=tmp_path).stdout) == {
        "model.py": ["KA101", "KA101", "KA103"]
    }
    assert findings(command("check", "--select", "KA1", "--ignore", "KA103", "model.py", cwd=tmp_path).stdout) == {
        "model.py": ["KA101", "KA101", "KA102"]
    }
    assert findings(command("check", "--extend-select", "KA101", "model.py", cwd=tmp_path).stdout) == {
        "model.py": ["KA101", "KA101", "KA103"]
    }


def test_fix_honours_the_configuration_and_its_activation(tmp_path: Path) -> None:
    project(tmp_path, {
        "pyproject.toml": """\
            [tool.flake8-keras-activation]
            activation = "gelu"
            unsafe-fixes = true
            per-file-ignores = { "legacy/*" = ["KA101"] }
            """,
        "model.py": SEED, "legacy/old.py": SEED,
    })
    result = command("fix", ".", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert 'model.add(Dense(20, input_dim=2, activation="gelu"))' in (tmp_path / "model.py").read_text()
    legacy = (tmp_path / "legacy" / "old.py").read_text()
    # KA101 is silenced there, so not fixed; KA102 is not, so it is
    assert "model.add(Dense(20, input_dim=2))" in legacy and "model.add(Dense(100))" in legacy
    assert command("fix", ".", cwd=tmp_path).returncode == 0
    # the command line's activation goes over the file's
    (tmp_path / "again.py").write_text(SEED)
    command("fix", "--activation", "tanh", "again.py", cwd=tmp_path)
    assert 'activation="tanh"' in (tmp_path / "again.py").read_text()


def test_check_names_the_configured_activation_in_its_remedies(tmp_path: Path) -> None:
    project(tmp_path, {"pyproject.toml": '[tool.flake8-keras-activation]\nactivation = "gelu"\n', "model.py": SEED})
    for fmt in ("text", "json"):
        result = command("check", "--format", fmt, "model.py", cwd=tmp_path)
        assert result.returncode == 1, result.stderr
        # the remedy names what `fix` would write (KA101 twice, KA103), never the default
        assert result.stdout.count('add activation=\\"gelu\\"' if fmt == "json" else 'add activation="gelu"') == 3
        assert "relu" not in result.stdout
    # without the setting, the default: the same findings, naming relu
    default = command("check", "--isolated", "model.py", cwd=tmp_path)
    assert default.stdout.count('add activation="relu"') == 3


def test_stdin_is_checked_under_its_given_name_and_configuration(tmp_path: Path) -> None:
    project(tmp_path, {"pyproject.toml": '[tool.flake8-keras-activation]\nper-file-ignores = { "tests/*" = ["KA1"] }\n'})
    named = command("check", "-", "--stdin-filename", "src/model.py", cwd=tmp_path, stdin=SEED)
    assert findings(named.stdout) == {"src/model.py": ALL}
    assert named.returncode == 1
    ignored = command("check", "-", "--stdin-filename", "tests/test_model.py", cwd=tmp_path, stdin=SEED)
    assert (ignored.returncode, ignored.stdout) == (0, "")
    anonymous = command("check", "-", cwd=tmp_path, stdin=SEED)
    assert findings(anonymous.stdout) == {"stdin": ALL}


def test_fix_of_stdin_writes_the_fixed_source_to_stdout(tmp_path: Path) -> None:
    result = command("fix", "--unsafe-fixes", "-", cwd=tmp_path, stdin=SEED)
    assert result.returncode == 0, result.stderr
    assert result.stdout == SEED.replace("Dense(20, input_dim=2)", 'Dense(20, input_dim=2, activation="relu")').replace(
        "Dense(100, input_dim=2)", 'Dense(100, activation="relu")'
    )
    assert os.listdir(tmp_path) == []
    clean = command("fix", "-", cwd=tmp_path, stdin=result.stdout)
    assert (clean.returncode, clean.stdout) == (0, result.stdout)
    broken = command("fix", "-", cwd=tmp_path, stdin=SEED + "model.add(Dense(\n")
    assert broken.returncode == 1 and broken.stdout == SEED + "model.add(Dense(\n"
    assert "does not parse" in broken.stderr and "Traceback" not in broken.stderr


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("tests/*: KA101,E501", (("tests/*", ("KA101", "E501")),)),
        ("a.py b.py:KA1 c.py: KA2, KA3", (("a.py", ("KA1",)), ("b.py", ("KA1",)), ("c.py", ("KA2", "KA3")))),
        ("\n    tests/*: KA101\n    */legacy.py:KA102\n", (("tests/*", ("KA101",)), ("*/legacy.py", ("KA102",)))),
    ],
)
def test_flake8s_per_file_ignores_syntax_is_read_as_flake8_reads_it(value: str, expected: tuple) -> None:
    from flake8_keras_activation.config import parse_per_file_ignores

    assert parse_per_file_ignores("setup.cfg", value) == expected


def test_the_language_servers_selection_is_the_commands_with_the_editors_on_top(tmp_path: Path) -> None:
    from flake8_keras_activation.config import Reloading
    from flake8_keras_activation.server.settings import read_settings, selection_for

    project(tmp_path, {"pyproject.toml": '[tool.flake8-keras-activation]\nper-file-ignores = { "tests/*" = ["KA101"] }\n'})
    configurations = Reloading()
    in_tests = str(tmp_path / "tests" / "test_model.py")
    chosen = selection_for(in_tests, read_settings({"ignore": ["KA103"]}), configurations)
    assert [chosen.wants(code) for code in ("KA101", "KA102", "KA103")] == [False, True, False]
    (tmp_path / "pyproject.toml").write_text('[tool.flake8-keras-activation]\nselect = ["KA101"]\n')
    chosen = selection_for(in_tests, read_settings({}), configurations)
    assert [chosen.wants(code) for code in ("KA101", "KA102", "KA103")] == [True, False, False]


def test_pytorch_remedies_and_fixes_name_the_configured_activation_module(tmp_path: Path) -> None:
    torch_seed = "import torch.nn as nn\n\nmodel = nn.Sequential(nn.Linear(2, 20), nn.Linear(20, 1))\n"
    project(tmp_path, {"pyproject.toml": '[tool.flake8-keras-activation]\nactivation = "gelu"\n', "model.py": torch_seed})
    result = command("check", "model.py", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    # KA103 and KA101 name the module `fix` inserts, never ReLU
    assert result.stdout.count("nn.GELU()") == 2 and "ReLU" not in result.stdout
    default = command("check", "--isolated", "model.py", cwd=tmp_path)
    assert "nn.ReLU()" in default.stdout and "GELU" not in default.stdout
    assert command("fix", "--unsafe-fixes", "model.py", cwd=tmp_path).returncode == 1
    assert "nn.Linear(2, 20), nn.GELU(), nn.Linear(20, 1)" in (tmp_path / "model.py").read_text()
