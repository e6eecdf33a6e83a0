"""Pathological inputs: each finishes without a traceback, through the same path flake8 takes."""

from __future__ import annotations

import ast
import textwrap
from pathlib import Path

import pytest

from flake8_keras_activation import analyze_source
from flake8_keras_activation.plugin import KerasActivationChecker
from tests.conftest import assert_no_traceback_from_us, run_flake8

HEADER = "import keras\nfrom keras import Sequential\nfrom keras.layers import Dense\n"


def plugin_findings(source: str) -> list[str]:
    """What flake8 would get from us: the checker on flake8's kind of tree and lines."""
    tree = ast.parse(source)
    return [text.split()[0] for _, _, text, _ in KerasActivationChecker(tree, source.splitlines(True)).run()]


def test_ten_thousand_dense_layers_in_one_sequential() -> None:
    source = HEADER + "model = Sequential([\n" + "".join(f"    Dense({i}),\n" for i in range(10_000)) + "])\n"
    codes = plugin_findings(source)
    assert codes.count("KA101") == 9_999 and codes.count("KA103") == 1


def test_ten_thousand_add_calls() -> None:
    source = HEADER + "model = Sequential()\n" + "".join(f"model.add(Dense({i}))\n" for i in range(10_000))
    assert plugin_findings(source).count("KA101") == 9_999


def test_ten_thousand_functional_layers() -> None:
    source = HEADER + "x = keras.Input((2,))\n" + "x = Dense(8)(x)\n" * 10_000
    assert plugin_findings(source).count("KA101") == 9_999


def test_hundred_thousand_line_file() -> None:
    model = "model = Sequential([Dense(4), Dense(1)])\n"
    source = HEADER + model + "".join(f"value_{i} = {i}\n" for i in range(100_000)) + model
    assert plugin_findings(source) == ["KA103", "KA101", "KA103", "KA101"]


def test_ten_megabyte_string_literal() -> None:
    source = HEADER + "text = '" + "x" * 10_000_000 + "'\nmodel = Sequential([Dense(4), Dense(1)])\n"
    assert plugin_findings(source) == ["KA103", "KA101"]


def test_long_sum_of_tensors_does_not_exhaust_the_stack() -> None:
    source = HEADER + "x = Dense(8)(keras.Input((2,)))\ny = " + " + ".join(["x"] * 2_000) + "\nz = Dense(3)(y)\n"
    assert plugin_findings(source) == ["KA101"]


def test_deep_but_parsable_nesting() -> None:
    depth = 150
    source = HEADER + "model = Sequential([" + "(" * depth + "Dense(4)" + ")" * depth + ", Dense(1)])\n"
    assert "KA101" in plugin_findings(source)


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("nesting-beyond-the-parser", (HEADER + "x = " + "(" * 1000 + "1" + ")" * 1000 + "\n").encode()),
        ("cr-line-endings", (HEADER + "model = Sequential([Dense(4), Dense(1)])\n").replace("\n", "\r").encode()),
        ("mixed-line-endings", (HEADER + "model = Sequential([Dense(4),\r\n Dense(1)])\r").encode()),
        ("utf-16-bytes", (HEADER + "model = Sequential([Dense(4), Dense(1)])\n").encode("utf-16")),
        ("latin-1-without-cookie", (HEADER + "# caf\xe9\nmodel = Sequential([Dense(4), Dense(1)])\n").encode("latin-1")),
        ("binary-garbage", bytes(range(256)) * 64),
    ],
)
def test_through_real_flake8_without_a_traceback(tmp_path: Path, name: str, data: bytes) -> None:
    path = tmp_path / f"{name}.py"
    path.write_bytes(data)
    result = run_flake8([path], "--select=KA,E902,E999")
    assert result.returncode in (0, 1)
    assert_no_traceback_from_us(result.stdout + result.stderr)


def test_dynamic_code_is_silent() -> None:
    source = textwrap.dedent(
        """
        import keras
        layer_names = ["Dense", "Dense"]
        model = keras.Sequential([getattr(keras.layers, name)(8) for name in layer_names])
        model2 = keras.Sequential(eval("[keras.layers.Dense(8), keras.layers.Dense(1)]"))
        exec("model3 = keras.Sequential([keras.layers.Dense(8), keras.layers.Dense(1)])")
        """
    )
    assert analyze_source(source) == []


def test_record_versions_keep_their_effects_and_find_their_common_version() -> None:
    import ast as _ast

    from flake8_keras_activation.source.values import AddOp, Const, Record

    origin = _ast.parse("Sequential()").body[0]
    base = Record(origin, "sequential")
    one = base.with_ops(AddOp(Const(1), origin))
    two = one.with_ops(AddOp(Const(2), origin))
    other = one.with_ops(AddOp(Const(3), origin))  # a branch off an older version
    assert [op.value.value for op in one.ops] == [1]
    assert [op.value.value for op in two.ops] == [1, 2]
    assert [op.value.value for op in other.ops] == [1, 3]
    assert base.ops == ()
    from flake8_keras_activation.source.values import common_version

    assert common_version(two, other) is one
    assert [op.value.value for op in two.since(one)] == [2]
    assert common_version(base, two) is base


def test_an_add_chain_inside_branches_and_loops_keeps_every_layer() -> None:
    source = HEADER + "model = Sequential()\n" + "".join(
        f"if flag:\n    model.add(Dense({i}))\nelse:\n    model.add(Dense({i}, activation='relu'))\n"
        for i in range(300)
    ) + "for _ in range(2):\n    model.add(Dense(3))\nmodel.add(Dense(1))\n"
    codes = plugin_findings(source)
    # the linear arm of every `if` feeds the next layer whichever arm adds it, and the looped
    # Dense(3) feeds itself and Dense(1)
    assert codes.count("KA101") == 300 + 1


def test_an_elif_chain_of_two_thousand_arms_is_read_without_running_out_of_stack() -> None:
    # each `elif` nests one level deeper in the syntax tree (Python itself parses no more than about
    # 2,500); read three frames per arm, it raised RecursionError and the file got no findings
    arms = "".join(f"elif k == {i}:\n    x = Dense({i})(x)\n" for i in range(1, 2_000))
    source = HEADER + "x = Dense(4)(inputs)\nif k == 0:\n    x = Dense(2)(x)\n" + arms + "out = Dense(1)(Dense(8)(x))\n"
    found = {(f.line, f.code) for f in analyze_source(source)}
    last = source.count("\n")
    assert (last, "KA101") in found  # the Dense(8) of the last line, after the chain, collapses into Dense(1)
