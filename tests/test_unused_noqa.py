"""KA900: a `# noqa` code of ours that silences nothing, reported (when selected) by the command and
by flake8 alike, and taken out of its comment by `fix` as a safe fix, as ruff's RUF100 does."""

from __future__ import annotations

import os
import subprocess
import textwrap
from pathlib import Path

from tests.conftest import COMMAND, run_flake8, unmarked

MODEL = textwrap.dedent(
    """\
    import keras
    from keras import layers

    model = keras.Sequential([
        keras.Input(shape=(4,)),
        layers.Dense(16),  # noqa: KA101
        layers.Dense(8, activation="relu"),  # noqa: E501, KA101
        layers.Dense(4, activation="relu"),  # noqa: KA102 the shape was moved
        layers.Dense(3, activation="relu"),  # noqa:KA101,KA102
        layers.Dense(2, activation="relu"),  # noqa
        layers.Dense(2, activation="relu"),  # noqa: E501
        layers.Dense(1, activation="sigmoid"),
    ])
    label = "# noqa: KA101"
    """
)
# what `fix` leaves: the used KA101 (line 6), the bare `# noqa`, other tools' codes and the string
FIXED = (
    MODEL.replace("# noqa: E501, KA101", "# noqa: E501")
    .replace("# noqa: KA102 the shape was moved", "# the shape was moved")
    .replace("  # noqa:KA101,KA102", "")
)


def command(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if key not in ("NO_COLOR", "FORCE_COLOR")}
    return subprocess.run([COMMAND, *args], cwd=cwd, capture_output=True, text=True, check=False, env=env,
                          timeout=120)


def test_unused_codes_of_ours_are_reported_when_selected_and_used_ones_are_not(tmp_path: Path) -> None:
    (tmp_path / "model.py").write_text(MODEL)
    result = command("check", "--isolated", "--extend-select", "KA900", "model.py", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert result.stdout.splitlines() == [
        "model.py:7:42: KA900 [*] unused noqa: KA101 silences nothing here; remove it from the comment",
        "model.py:8:42: KA900 [*] unused noqa: KA102 silences nothing here; remove it from the comment",
        "model.py:9:42: KA900 [*] unused noqa: KA101, KA102 silence nothing here; remove it from the comment",
    ]
    # off by default, like KA104 and KA210
    assert command("check", "--isolated", "model.py", cwd=tmp_path).stdout == ""


def test_flake8_reports_the_same_unused_codes_when_selected_and_none_by_default(tmp_path: Path) -> None:
    (tmp_path / "model.py").write_text(MODEL)
    ours = command("check", "--isolated", "--extend-select", "KA900", "model.py", cwd=tmp_path)
    flake8 = run_flake8([tmp_path / "model.py"], "--select=KA", "--extend-select=KA900")
    assert sorted(flake8.stdout.replace(str(tmp_path) + "/", "").splitlines()) == sorted(
        unmarked(ours.stdout).splitlines()
    )
    assert run_flake8([tmp_path / "model.py"]).stdout == ""


def test_fix_takes_the_unused_codes_out_and_leaves_everything_else(tmp_path: Path) -> None:
    path = tmp_path / "model.py"
    path.write_text(MODEL)
    # a safe fix: made without --unsafe-fixes
    result = command("fix", "--isolated", "--extend-select", "KA900", "model.py", cwd=tmp_path)
    assert (result.returncode, result.stderr) == (1, "Rewriting model.py\n")
    assert path.read_text() == FIXED
    again = command("check", "--isolated", "--extend-select", "KA900", "model.py", cwd=tmp_path)
    assert (again.returncode, again.stdout) == (0, "")
    assert command("fix", "--isolated", "--extend-select", "KA900", "model.py", cwd=tmp_path).returncode == 0


def test_a_code_is_used_wherever_flake8_reads_it_and_whatever_the_selection(tmp_path: Path) -> None:
    source = textwrap.dedent(
        """\
        import keras
        from keras import layers

        inputs = keras.Input(shape=(784,))
        code = layers.Dense(32)(inputs)  # noqa: KA104
        outputs = layers.Dense(784)(code)
        model = keras.Model(inputs, outputs)
        other = keras.Sequential([keras.Input(shape=(4,)), layers.Dense(8), \\
                                  layers.Dense(1)])  # noqa: KA1
        """
    )
    (tmp_path / "model.py").write_text(source)
    # KA104 is off by default, yet its comment silences it when it is selected (in another run, in
    # flake8 with --extend-select): not unused; the second comment covers a backslash-continued
    # statement whose first line holds the KA101, as flake8 reads it
    result = command("check", "--isolated", "--extend-select", "KA900", "model.py", cwd=tmp_path)
    assert (result.returncode, result.stdout) == (0, ""), result.stdout
    moved = source.replace("  # noqa: KA104", "").replace("code)\n", "code)  # noqa: KA104\n")
    (tmp_path / "model.py").write_text(moved)
    result = command("check", "--isolated", "--extend-select", "KA900", "model.py", cwd=tmp_path)
    assert result.stdout.splitlines() == [
        "model.py:6:36: KA900 [*] unused noqa: KA104 silences nothing here; remove it from the comment"
    ]


def test_a_noqa_for_ka900_silences_it(tmp_path: Path) -> None:
    source = MODEL.replace("# noqa: E501, KA101", "# noqa: E501, KA101, KA900")
    (tmp_path / "model.py").write_text(source)
    result = command("check", "--isolated", "--select", "KA900", "model.py", cwd=tmp_path)
    assert [line.split(":")[1] for line in result.stdout.splitlines()] == ["8", "9"]


def test_flake8_reads_the_comments_for_ka900_under_every_selection_that_names_it(tmp_path: Path) -> None:
    # the plugin reads the comments only when a --select or --extend-select names KA900 or a
    # prefix of it: each such selection reports the same, any other reports none
    (tmp_path / "model.py").write_text(MODEL)
    expected = {line for line in unmarked(
        command("check", "--isolated", "--extend-select", "KA900", "model.py", cwd=tmp_path).stdout
    ).splitlines() if " KA900 " in line}
    assert len(expected) == 3

    def ka900(*args: str) -> set[str]:
        out = run_flake8([tmp_path / "model.py"], *args).stdout.replace(str(tmp_path) + "/", "")
        return {line for line in out.splitlines() if " KA900 " in line}

    for selection in (["--select=KA"], ["--select=KA9"], ["--select=E,KA900"], ["--extend-select=KA900"],
                      ["--select=E", "--extend-select=KA9"]):
        assert ka900(*selection) == expected, selection
    for selection in ([], ["--select=KA1"], ["--select=E,F"], ["--extend-select=KA104"], ["--extend-select=ka9"]):
        assert ka900(*selection) == set(), selection
