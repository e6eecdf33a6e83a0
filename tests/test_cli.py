"""The standalone command: the plugin's findings, flake8's selection and noqa, files, formats and exit codes."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from flake8_keras_activation import __version__
from flake8_keras_activation.cli import main
from flake8_keras_activation.codes import CODES
from tests.conftest import (
    COMMAND, SEED, bound_by_permissions, memory_capped, rule_cases, run_flake8, unmarked, without_summary
)

ROOT = Path(__file__).resolve().parent.parent
BOTTLENECK = textwrap.dedent(
    """\
    import keras
    from keras import layers

    inputs = keras.Input(shape=(784,))
    code = layers.Dense(32)(inputs)
    outputs = layers.Dense(784)(code)
    autoencoder = keras.Model(inputs, outputs)
    """
)
CLEAN = "import keras\nmodel = keras.Sequential([keras.layers.Dense(8, activation='relu'), keras.layers.Dense(1)])\n"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """The command's status, stdout and stderr, less the summary line (its own tests read it)."""
    status = main(list(args))
    captured = capsys.readouterr()
    return status, captured.out, without_summary(captured.err)


def codes_of(out: str) -> list[str]:
    return [line.split(": ", 1)[1].split()[0] for line in out.splitlines()]


def command(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """The command in a process of its own; its stderr less the summary line, as `run` gives it."""
    result = subprocess.run(
        [sys.executable, "-m", "flake8_keras_activation", *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=cwd,
        env=env,
    )
    result.stderr = without_summary(result.stderr)
    return result


# ---- the same findings as the plugin ---------------------------------------------------------


def test_check_finds_exactly_what_the_rule_tables_expect(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cases = rule_cases(with_factorizations=True)
    for number, case in enumerate(cases):
        (tmp_path / f"case_{number}.py").write_text(case.text, encoding="utf-8")
    status, out, err = run(capsys, "check", "--format", "json", "--select", "KA", str(tmp_path))
    assert (status, err) == (1, "")
    found: dict[str, list[tuple[int, int, str]]] = {case.id: [] for case in cases}
    for item in json.loads(out):
        case = cases[int(Path(item["path"]).stem.split("_")[1])]
        found[case.id].append((item["line"], item["column"] - 1, item["code"]))
    assert {k: sorted(v) for k, v in found.items()} == {case.id: sorted(case.expected) for case in cases}


def test_text_output_is_flake8s_output(capsys: pytest.CaptureFixture[str]) -> None:
    examples = str(ROOT / "examples")
    status, out, _ = run(capsys, "check", "--select", "KA", examples)
    flake8 = run_flake8([Path(examples)], "--select=KA")
    assert status == flake8.returncode == 1
    assert sorted(unmarked(out).splitlines()) == sorted(flake8.stdout.splitlines())


# ---- selection and noqa, as flake8 decides them ----------------------------------------------


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ((), ["KA103", "KA101", "KA101", "KA102"]),
        (("--select", "KA"), ["KA104", "KA103", "KA101", "KA101", "KA102"]),
        (("--select", "ka104"), ["KA104"]),
        (("--extend-select", "KA104"), ["KA104", "KA103", "KA101", "KA101", "KA102"]),
        (("--ignore", "KA101"), ["KA103", "KA102"]),
        (("--ignore", "KA1"), []),
        (("--select", "KA", "--ignore", "KA101,KA104"), ["KA103", "KA102"]),
        (("--select", "KA101", "--ignore", "KA"), ["KA101", "KA101"]),
        (("--select", "KA10", "--extend-ignore", "KA103", "--ignore", "KA102"), ["KA104", "KA101", "KA101"]),
    ],
)
def test_selection_follows_flake8(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], options: tuple[str, ...], expected: list[str]
) -> None:
    (tmp_path / "a_bottleneck.py").write_text(BOTTLENECK)
    (tmp_path / "b_seed.py").write_text(SEED)
    status, out, _ = run(capsys, "check", *options, str(tmp_path))
    assert codes_of(out) == expected
    assert status == (1 if expected else 0)


NOQA_VARIANTS = {
    "bare": "model.add(Dense(100, input_dim=2))  # noqa",
    "one-code": "model.add(Dense(100, input_dim=2))  # noqa: KA102",
    "no-space": "model.add(Dense(100, input_dim=2))  # noqa:KA101",
    "two-codes": "model.add(Dense(100, input_dim=2))  # noqa: KA101,KA102",
    "space-separated": "model.add(Dense(100, input_dim=2))  # noqa: KA101 KA102",
    "prefix": "model.add(Dense(100, input_dim=2))  # noqa: KA1",
    "lower-case": "model.add(Dense(100, input_dim=2))  # NOQA:ka101",
    "other-code": "model.add(Dense(100, input_dim=2))  # noqa: E501",
    "space-before-colon": "model.add(Dense(100, input_dim=2))  # noqa : KA101",
    "in-a-string": "model.add(Dense(100, input_dim=2)); note = '# noqa: KA101'",
    "no-space-after-hash": "model.add(Dense(100, input_dim=2))  #noqa",
}


def test_noqa_comments_silence_what_flake8_silences(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for name, line in NOQA_VARIANTS.items():
        (tmp_path / f"{name}.py").write_text(SEED.replace("model.add(Dense(100, input_dim=2))", line))
    (tmp_path / "file-level.py").write_text("# flake8: noqa\n" + SEED)
    (tmp_path / "file-level-with-codes.py").write_text("# flake8: noqa: KA101\n" + SEED)
    _, out, _ = run(capsys, "check", "--select", "KA", str(tmp_path))
    flake8 = run_flake8([tmp_path], "--select=KA")
    assert sorted(unmarked(out).splitlines()) == sorted(flake8.stdout.splitlines())
    reported_on_line_6 = {Path(line.split(":")[0]).stem for line in out.splitlines() if ":6:" in line}
    # codes are compared as written, as flake8 does: `ka101` silences nothing
    assert reported_on_line_6 == {"one-code", "no-space", "lower-case", "other-code", "in-a-string",
                                  "no-space-after-hash"}
    assert "file-level" not in out


HEADER = "from keras.models import Sequential\nfrom keras.layers import Dense\n"
# Statements over several lines, with a `# noqa` on one of them: which finding it silences is
# flake8's decision, read by running flake8 7 on them (the test compares with it).
NOQA_ACROSS_LINES = {
    # a backslash continues the statement: the comment on its last line covers its first
    "backslash": "model = Sequential([Dense(4), \\\n    Dense(1)])  # noqa: KA101\n",
    "backslash-blanket": "model = Sequential([Dense(4), \\\n    Dense(1)])  # NOQA\n",
    "backslash-to-a-comment": "model = Sequential([Dense(4), Dense(1)]) \\\n    # noqa: KA101\n",
    "backslash-classic-mac": "model = Sequential([Dense(4), \\\r    Dense(1)])  # noqa: KA101\r",
    # inside brackets each line is its own: the comment covers only its line
    "brackets": "model = Sequential([Dense(4),\n    Dense(1)])  # noqa: KA101\n",
    # a string that goes on to later lines joins them, and a `# noqa` in it counts
    "string-after": 'model = Sequential([Dense(4), Dense(1)]); s = """\nabc"""  # noqa: KA101\n',
    "noqa-in-a-string": 'model = Sequential([Dense(4), Dense(1)]); s = """\n# noqa: KA101\n"""\n',
    "continued-one-line-string": 'model = Sequential([Dense(4), Dense(1)]); s = "abc\\\ndef"  # noqa: KA101\n',
    # the first `# noqa` of the lines decides, even one in a string for another code
    "first-one-decides": 's = """# noqa: E501\n"""; model = Sequential([Dense(4), Dense(1)])  # noqa: KA101\n',
    # one code, `KA101KA102`, as flake8 reads the list: nothing silenced
    "codes-without-separator": "model = Sequential([Dense(4), Dense(1)])  # noqa:KA101KA102\n",
    # the next statement's comment is not this one's
    "next-statement": "if True:\n    model = Sequential([Dense(4), \\\n        Dense(1)])\n    x = 1  # noqa: KA101\n",
}


def test_noqa_on_statements_over_several_lines_is_where_flake8_looks(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for name, text in NOQA_ACROSS_LINES.items():
        ending = "\r" if name.endswith("classic-mac") else "\n"
        (tmp_path / f"{name}.py").write_bytes((HEADER.replace("\n", ending) + text).encode())
    _, out, _ = run(capsys, "check", "--select", "KA", str(tmp_path))
    flake8 = run_flake8([tmp_path], "--select=KA")
    assert sorted(unmarked(out).splitlines()) == sorted(flake8.stdout.splitlines())
    with_ka101 = {Path(line.split(":")[0]).stem for line in out.splitlines() if " KA101 " in line}
    assert with_ka101 == {"brackets", "first-one-decides", "codes-without-separator", "next-statement"}


# ---- files -------------------------------------------------------------------------------------


def test_directories_are_walked_without_the_usual_excludes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "pkg" / "sub").mkdir(parents=True)
    (tmp_path / "pkg" / "sub" / "model.py").write_text(SEED)
    (tmp_path / "pkg" / "model.ipynb").write_text(
        json.dumps({"cells": [{"cell_type": "code", "source": SEED, "metadata": {}, "outputs": []}],
                    "metadata": {}, "nbformat": 4, "nbformat_minor": 5})
    )
    (tmp_path / "pkg" / "notes.txt").write_text(SEED)
    for skipped in (".git", ".hg", ".tox", ".nox", ".venv", "venv", "__pycache__", "node_modules", "build", "dist",
                    "thing.egg-info", ".ipynb_checkpoints"):
        (tmp_path / skipped).mkdir()
        (tmp_path / skipped / "model.py").write_text(SEED)
    (tmp_path / "env").mkdir()
    (tmp_path / "env" / "pyvenv.cfg").write_text("home = /usr/bin\n")
    (tmp_path / "env" / "model.py").write_text(SEED)
    (tmp_path / "environment").mkdir()
    (tmp_path / "environment" / "model.py").write_text(SEED)
    _, out, _ = run(capsys, "check", str(tmp_path))
    checked = sorted({line.split(":")[0] for line in out.splitlines()})
    assert checked == [str(tmp_path / p) for p in ("environment/model.py", "pkg/model.ipynb", "pkg/sub/model.py")]


def test_named_files_are_checked_whatever_their_name(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "build").mkdir()
    script = tmp_path / "build" / "train"
    script.write_text(SEED)
    status, out, _ = run(capsys, "check", str(script))
    assert status == 1
    assert codes_of(out) == ["KA103", "KA101", "KA101", "KA102"]


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_git_ignored_paths_are_skipped_unless_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _git(tmp_path, "init", "-q")
    (tmp_path / ".gitignore").write_text("generated/\n*_scratch.py\n")
    (tmp_path / "generated").mkdir()
    (tmp_path / "generated" / "model.py").write_text(SEED)
    (tmp_path / "try_scratch.py").write_text(SEED)
    (tmp_path / "model.py").write_text(SEED)
    _, out, _ = run(capsys, "check", str(tmp_path))
    assert sorted({line.split(":")[0] for line in out.splitlines()}) == [str(tmp_path / "model.py")]
    _, out, _ = run(capsys, "check", str(tmp_path / "try_scratch.py"))
    assert codes_of(out) == ["KA103", "KA101", "KA101", "KA102"]


def test_walking_works_without_git(tmp_path: Path) -> None:
    (tmp_path / ".gitignore").write_text("*.py\n")
    (tmp_path / "model.py").write_text(SEED)
    env = {**os.environ, "PATH": str(tmp_path / "nothing-here")}
    result = command("check", str(tmp_path), env=env)
    assert (result.returncode, result.stderr) == (1, "")
    assert result.stdout.count(" KA101 ") == 2


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("undecodable.py", SEED.encode() + b"# \xff\xfe\n",
         "cannot be decoded as utf-8: 'utf-8' codec can't decode byte 0xff in position 180: invalid start byte"),
        ("bad-cookie.py", b"# -*- coding: klingon -*-\n" + SEED.encode(),
         "cannot tell its encoding: unknown encoding: klingon"),
        ("null-byte.py", SEED.encode() + b"\x00\n", "does not parse: source code string cannot contain null bytes"),
        ("syntax.py", SEED.encode() + b"model.add(Dense(\n", "does not parse: '(' was never closed (line 8)"),
    ],
)
def test_bad_files_are_one_line_errors_and_the_others_still_checked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, data: bytes, message: str
) -> None:
    bad = tmp_path / name
    bad.write_bytes(data)
    good = tmp_path / "zz_good.py"
    good.write_text(SEED)
    status, out, err = run(capsys, "check", str(tmp_path))
    assert status == 1
    assert err == f"{bad}: error: {message}\n"
    assert codes_of(out) == ["KA103", "KA101", "KA101", "KA102"]


def test_unreadable_and_missing_paths_are_reported(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "dangling.py").symlink_to(tmp_path / "gone.py")
    status, out, err = run(capsys, "check", str(tmp_path), str(tmp_path / "missing.py"))
    assert (status, out) == (1, "")
    assert err.splitlines() == [
        f"{tmp_path / 'missing.py'}: error: no such file or directory",
        f"{tmp_path / 'dangling.py'}: error: cannot be read: No such file or directory",
    ]


def test_a_directory_that_cannot_be_listed_is_named_and_fails_the_run(tmp_path: Path) -> None:
    preexec = bound_by_permissions()
    locked = tmp_path / "locked"
    locked.mkdir()
    (locked / "model.py").write_text(SEED)  # the only file: the walk used to exit 0 in silence
    locked.chmod(0)
    try:
        for verb in ("check", "fix"):
            result = subprocess.run([COMMAND, verb, str(tmp_path)], capture_output=True, text=True, timeout=120,
                                    check=False, preexec_fn=preexec)
            assert result.returncode == 1, result.stderr
            assert result.stderr.splitlines()[0] == f"{locked}: error: cannot be read: Permission denied"
            assert "Traceback" not in result.stderr
    finally:
        locked.chmod(0o755)
    assert (locked / "model.py").read_text() == SEED


def test_a_file_a_thousand_directories_deep_is_walked_to_and_checked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    deep = tmp_path
    for _ in range(1000):  # one at a time: os.makedirs recurses too
        deep = deep / "d"
        deep.mkdir()
    (deep / "model.py").write_text(SEED)
    try:
        for path in (tmp_path, deep / "model.py"):
            status, out, err = run(capsys, "check", str(path))
            assert (status, err) == (1, "")
            assert codes_of(out) == ["KA103", "KA101", "KA101", "KA102"]
    finally:  # from the bottom up: shutil.rmtree, which pytest cleans with, recurses as well
        (deep / "model.py").unlink()
        while deep != tmp_path:
            deep.rmdir()
            deep = deep.parent


def test_no_traceback_from_the_real_command_on_bad_input(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_bytes(b"\xff\xfe\x00garbage")
    (tmp_path / "b.ipynb").write_text("[1, 2")
    (tmp_path / "c.ipynb").write_text('{"cells": [{"cell_type": "code", "source": ["x = ("]}]}')
    result = command("check", str(tmp_path))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert len(result.stderr.splitlines()) == 3


# ---- formats, exit codes, entry points -----------------------------------------------------------


def test_json_output_lists_findings_with_one_based_columns(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "seed.py"
    path.write_text(SEED)
    status, out, _ = run(capsys, "check", "--format", "json", str(path))
    assert status == 1
    assert json.loads(out)[1] == {
        "path": str(path),
        "cell": None,
        "line": 5,
        "column": 11,
        "code": "KA101",
        "name": "collapsing-hidden-layer",
        "message": 'Dense(20) has no activation and feeds Dense(100) (line 6): the two collapse into one affine map; '
        'add activation="relu"',
    }


def test_clean_files_exit_zero_silently(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "clean.py").write_text(CLEAN)
    assert run(capsys, "check", str(tmp_path)) == (0, "", "")
    assert run(capsys, "check", "--format", "json", str(tmp_path)) == (0, "[]\n", "")


def test_exit_zero_keeps_the_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "seed.py").write_text(SEED)
    status, out, _ = run(capsys, "check", "--exit-zero", str(tmp_path))
    assert status == 0
    assert len(out.splitlines()) == 4


@pytest.mark.parametrize(
    "args",
    [
        (),
        ("check", "--format", "xml", "x.py"),
        ("check", "--jobs", "0", "x.py"),
        ("check", "--bogus", "x.py"),
        ("fix", "--activation", "linear", "x.py"),
        ("fix", "--activation", "re lu", "x.py"),
        ("confirm", "--call", "no_colon"),
        ("lint", "x.py"),
        ("check", "--select", "E501", "x.py"),
        ("check", "--ignore", "KA1O1", "x.py"),
        ("fix", "--extend-select", "KA105", "x.py"),
        ("check", "--select", "KA101,KB", "x.py"),
        ("confirm", "--call", "m:f", "--input-shape", "0"),
        ("confirm", "--call", "m:f", "--input-shape", "five"),
    ],
)
def test_usage_errors_exit_two(args: tuple[str, ...]) -> None:
    result = command(*args)
    assert result.returncode == 2
    assert "usage:" in result.stderr
    assert "Traceback" not in result.stderr


def test_version_and_console_script() -> None:
    script = Path(sys.executable).with_name("flake8-keras-activation")
    assert script.exists(), "the package is installed with its console script"
    result = subprocess.run([str(script), "--version"], capture_output=True, text=True, check=False)
    assert (result.returncode, result.stdout) == (0, f"flake8-keras-activation {__version__}\n")


def test_help_lists_every_command_and_each_command_has_its_own() -> None:
    # a run builds only its command's parser: the top level must still show all of them
    result = command("--help")
    assert result.returncode == 0
    listed = [line.split()[0] for line in result.stdout.splitlines() if line[:4] == "    " and line[4:5].isalpha()]
    assert listed == ["check", "fix", "explain", "server", "confirm"]
    for name, option in (("check", "--add-noqa"), ("fix", "--diff"), ("explain", "code"), ("server", "--stdio"),
                         ("confirm", "--input-shape")):
        shown = command(name, "--help")
        assert shown.returncode == 0 and shown.stdout.startswith(f"usage: flake8-keras-activation {name} ")
        assert option in shown.stdout


@pytest.mark.parametrize("columns", ["50", "120"])
def test_help_is_as_wide_as_columns_says(columns: str) -> None:
    # argparse is told the width without shutil; the figure must be the one shutil would give
    result = command("check", "--help", env={**os.environ, "COLUMNS": columns})
    usage, _, described = result.stdout.partition("\n\n")  # a usage group is never broken
    assert usage.startswith("usage: ")
    widths = [len(line) for line in described.splitlines()]
    assert max(widths) <= int(columns) - 2
    assert max(widths) > int(columns) - 20, "the text fills the width it is given"


def test_explain_prints_the_documentation(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "explain", "ka101")
    assert status == 0
    code = CODES["KA101"]
    headings = ["What it does", "Why is this bad?", "Example", "Use instead", "Fix safety", "Known limits"]
    assert [line for line in out.splitlines() if line in headings] == headings
    assert out.startswith(f"KA101 ({code.slug}): {code.summary}\n")
    assert textwrap.indent(code.example, "    ") in out
    assert "`# noqa: KA101`" in out, "code spans are never broken across lines"
    assert run(capsys, "explain", "misplaced-input-shape")[1].startswith("KA102 ")


def test_explain_without_a_code_lists_them(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "explain")
    assert status == 0
    assert [line.split()[0] for line in out.splitlines()[: len(CODES)]] == list(CODES)


def test_explain_of_an_unknown_code_exits_two(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "explain", "KA999") == (
        2, "", f"flake8-keras-activation explain: unknown code 'KA999'; the codes are {', '.join(CODES)}\n"
    )


def test_confirm_without_its_runtime_says_so_in_one_line(tmp_path: Path) -> None:
    # the runtime half cannot be imported (Keras missing, or the module not installed)
    probe = (
        "import sys\n"
        "sys.modules['flake8_keras_activation.runtime'] = None\n"
        "from flake8_keras_activation.cli import main\n"
        f"sys.exit(main(['confirm', {str(tmp_path / 'model.py')!r}]))\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=False)
    assert result.returncode == 2
    assert len(result.stderr.splitlines()) == 1
    assert result.stderr.startswith(
        "flake8-keras-activation confirm needs Keras: pip install 'flake8-keras-activation[runtime]'"
    )


@pytest.mark.parametrize(
    ("args", "loaded"),
    [
        (["check", "{seed}"], []),
        (["check", "--format", "sarif", "{seed}"], []),
        (["explain", "KA101"], []),
        (["fix", "--diff", "{seed}"], ["libcst"]),
    ],
)
def test_commands_never_import_tensorflow_nor_pygls_and_only_fix_imports_libcst(
    tmp_path: Path, args: list[str], loaded: list[str]
) -> None:
    seed = tmp_path / "seed.py"
    seed.write_text(SEED)
    argv = [arg.format(seed=seed) for arg in args]
    probe = (
        "import sys, contextlib, io\n"
        "from flake8_keras_activation.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):\n"
        f"    main({argv!r})\n"
        "print(sorted(m for m in ('tensorflow', 'keras', 'libcst', 'jax', 'torch', 'pygls', 'lsprotocol') if m in sys.modules))\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == repr(loaded)


def test_check_agrees_with_flake8_on_a_file_with_form_feeds(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = SEED.replace("model = Sequential()\n", "\x0c\n" * 6 + "def build():\n    model = Sequential()\n")
    source = source.replace("\nmodel.add", "\n    model.add") + "    return model\n"
    path = tmp_path / "paged.py"
    path.write_text(source)
    _, out, _ = run(capsys, "check", str(path))
    assert sorted(unmarked(out).splitlines()) == sorted(run_flake8([path], "--select=KA").stdout.splitlines())
    assert out


def test_characters_the_terminal_cannot_show_are_escaped_not_fatal(tmp_path: Path) -> None:
    path = tmp_path / "modèle.py"
    path.write_text(SEED.replace("model = ", "modèle = ").replace("model.add", "modèle.add"), encoding="utf-8")
    env = {**os.environ, "PYTHONIOENCODING": "ascii"}
    result = command("check", str(tmp_path), env=env)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "mod\\xe8le.py:5:" in result.stdout
    as_json = command("check", "--format", "json", str(tmp_path), env=env)
    assert json.loads(as_json.stdout)[0]["path"] == str(path)


# ---- paths that are not regular files, and files too large to read -------------------------------


def _special_files(tmp_path: Path) -> list[tuple[Path, str]]:
    """A FIFO, a socket and a device, each named like a Python file, with the kind we report."""
    import socket

    made = []
    if hasattr(os, "mkfifo"):
        os.mkfifo(tmp_path / "fifo.py")
        made.append((tmp_path / "fifo.py", "a FIFO"))
    if hasattr(socket, "AF_UNIX") and len(str(tmp_path / "sock.py")) < 100:
        server = socket.socket(socket.AF_UNIX)
        server.bind(str(tmp_path / "sock.py"))
        made.append((tmp_path / "sock.py", "a socket"))
    if os.path.exists("/dev/zero"):
        (tmp_path / "zero.py").symlink_to("/dev/zero")  # reading it would never end
        made.append((tmp_path / "zero.py", "a character device"))
    if not made:
        pytest.skip("this system has neither FIFOs, Unix sockets nor /dev/zero")
    return made


@pytest.mark.parametrize("verb", ["check", "fix"])
def test_fifos_sockets_and_devices_are_skipped_with_a_message_never_opened(tmp_path: Path, verb: str) -> None:
    special = _special_files(tmp_path)
    (tmp_path / "model.py").write_text(SEED)
    for paths in ([str(tmp_path)], [str(path) for path, _ in special]):
        # a FIFO opened for reading blocks until a writer comes: the timeout turns a hang into a failure
        result = subprocess.run(
            [sys.executable, "-m", "flake8_keras_activation", verb, *paths],
            capture_output=True, text=True, timeout=60, check=False,
        )
        assert result.returncode == 1
        assert "Traceback" not in result.stderr
        for path, kind in special:
            assert f"{path}: error: skipped: {kind}, not a regular file" in result.stderr.splitlines()
    if verb == "fix":  # the safe fix, KA102's
        assert "model.add(Dense(100))" in (tmp_path / "model.py").read_text()


def test_a_file_over_the_analysis_limit_is_skipped_with_one_line_and_no_findings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from flake8_keras_activation.screen import LIMIT_TEXT, MAX_SYNTAX_UNITS

    path = tmp_path / "generated.py"
    models = MAX_SYNTAX_UNITS // 7 + 1  # each line: one newline, three calls, two commas, a bracket
    path.write_text(SEED + "".join(f"m{i} = Sequential([Dense(20, input_dim=2), Dense(1)])\n" for i in range(models)))
    status, out, err = run(capsys, "check", str(path))
    assert (status, out) == (1, "")
    assert err == f"{path}: error: skipped: {LIMIT_TEXT}\n"
    result = run_flake8([path], "--select=KA")
    assert (result.returncode, result.stdout) == (0, "")
    assert result.stderr == f"{path}: flake8-keras-activation skipped it: {LIMIT_TEXT}\n"


def test_a_long_string_literal_is_within_the_limit(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "data.py"
    path.write_text(SEED + "blob = '" + "a" * 10_000_000 + "'\n")
    assert codes_of(run(capsys, "check", str(path))[1]) == ["KA103", "KA101", "KA101", "KA102"]


def test_a_file_over_the_read_limit_is_skipped_unread(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from flake8_keras_activation.documents import MAX_FILE_BYTES

    path = tmp_path / "huge.py"
    with open(path, "wb") as stream:
        stream.truncate(MAX_FILE_BYTES + 1)  # sparse: costs no disk
    status, _, err = run(capsys, "check", str(path))
    assert status == 1
    assert err == f"{path}: error: skipped: {MAX_FILE_BYTES + 1} bytes, over the limit of {MAX_FILE_BYTES} bytes\n"


@pytest.mark.skipif(not os.path.exists("/dev/zero") or sys.platform != "linux", reason="needs /dev/zero and RLIMIT_AS")
@pytest.mark.parametrize("verb", ["check", "fix"])
def test_stdin_over_the_read_limit_is_one_line_and_exit_2(verb: str) -> None:
    from flake8_keras_activation.documents import MAX_FILE_BYTES

    with open("/dev/zero", "rb") as endless:
        result = subprocess.run(
            [COMMAND, verb, "-", "--stdin-filename", "model.py"],
            stdin=endless, capture_output=True, timeout=120, check=False, preexec_fn=memory_capped,
        )
    assert (result.returncode, result.stdout) == (2, b"")
    assert result.stderr.decode() == f"model.py: error: skipped: over the limit of {MAX_FILE_BYTES} bytes\n"


def test_analysis_work_grows_linearly_with_the_number_of_models() -> None:
    from flake8_keras_activation.source import analyze_source
    from tests.conftest import bytecodes

    def work(models: int) -> int:
        text = "import keras\nfrom keras.layers import Dense\n" + "".join(
            f"m{i} = keras.Sequential([Dense(20, input_dim=2), Dense(1)])\n" for i in range(models)
        )
        assert len(analyze_source(text)) == 2 * models
        return bytecodes(lambda: analyze_source(text))

    small, large = work(100), work(800)
    assert large < 8 * small * 1.3, (small, large)  # 8 times the models; quadratic would be 64 times


def test_an_unknown_code_is_named_in_the_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stop:
        main(["check", "--select", "KA1,XY12", "x.py"])
    assert stop.value.code == 2
    assert f"unknown code or prefix XY12 (the codes are {', '.join(CODES)})" in capsys.readouterr().err


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_a_git_ignored_directory_named_on_the_command_line_is_checked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _git(tmp_path, "init", "-q")
    (tmp_path / ".gitignore").write_text("generated/\n")
    (tmp_path / "generated").mkdir()
    (tmp_path / "generated" / "model.py").write_text(SEED)
    status, out, err = run(capsys, "check", str(tmp_path / "generated"))
    assert (status, codes_of(out), err) == (1, ["KA103", "KA101", "KA101", "KA102"], "")
    assert run(capsys, "check", str(tmp_path))[1] == ""  # walked from above, it stays ignored


def test_nothing_checked_is_said_on_stderr(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "notes.txt").write_text("no code here")
    for verb in ("check", "fix"):
        status, out, err = run(capsys, verb, str(tmp_path))
        assert (status, out) == (0, "")
        assert err == f"flake8-keras-activation: nothing checked: no Python file or notebook in {tmp_path}\n"


def test_confirm_input_shape_without_call_is_a_usage_error() -> None:
    result = command("confirm", "--input-shape", "5", "x.py")
    assert (result.returncode, result.stderr) == (
        2, "flake8-keras-activation confirm: error: --input-shape is for the model of --call\n"
    )


def test_an_excluded_file_named_on_the_command_line_is_said_to_be_excluded(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.flake8-keras-activation]\nextend-exclude = ["*.ipynb"]\n')
    (tmp_path / "explore.ipynb").write_text('{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}')
    result = command("check", "explore.ipynb", cwd=tmp_path)
    assert (result.returncode, result.stdout) == (0, "")
    assert result.stderr == "flake8-keras-activation: nothing checked: explore.ipynb is excluded by the configuration\n"
    # an empty directory beside it is still named as such
    (tmp_path / "empty").mkdir()
    result = command("check", "explore.ipynb", "empty", cwd=tmp_path)
    assert result.stderr.splitlines() == [
        "flake8-keras-activation: nothing checked: explore.ipynb is excluded by the configuration",
        "flake8-keras-activation: nothing checked: no Python file or notebook in empty",
    ]


def test_explain_aligns_every_name_of_the_list(capsys: pytest.CaptureFixture[str]) -> None:
    out = run(capsys, "explain")[1].splitlines()[: len(CODES)]
    starts = {line.index(code.summary) for line, code in zip(out, CODES.values())}
    assert len(starts) == 1, out
