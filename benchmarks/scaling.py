"""How the analysis scales: time per syntax unit on generated programs from 1 KB to the size limit.

Each family repeats one construct real code repeats (layers in a list, `add` calls, functional
layers, `if` statements, loops, subclasses of subclasses, functions that build on each other's
models, compile calls, module-level names) n times, for n doubling from about 1 KB of source up
to the analysis's limit (`screen.MAX_SYNTAX_UNITS`). The time of `analyze_source` (parse included)
divided by the file's syntax units should stay flat: a family whose time per unit at the largest
size is more than 3 times its smallest is printed as SUPERLINEAR and makes the script exit 1.

    .venv/bin/python benchmarks/scaling.py                # every family, up to the limit (minutes)
    .venv/bin/python benchmarks/scaling.py --max-kb 256   # up to 256 KB of source
    .venv/bin/python benchmarks/scaling.py --only subclass-chain
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
from pathlib import Path
from typing import Callable

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flake8_keras_activation.screen import MAX_SYNTAX_UNITS  # noqa: E402
from flake8_keras_activation.source import analyze_source  # noqa: E402

HEAD = "import keras\nfrom keras import layers\n\n"


def _lines(*parts: str) -> str:
    return HEAD + "\n".join(parts) + "\n"


FAMILIES: dict[str, Callable[[int], str]] = {
    "sequential-list": lambda n: _lines(
        "model = keras.Sequential([", *["    layers.Dense(8),"] * n, "])"
    ),
    "add-chain": lambda n: _lines("model = keras.Sequential()", *["model.add(layers.Dense(8))"] * n),
    "functional-chain": lambda n: _lines(
        "x = inputs = keras.Input(shape=(8,))", *["x = layers.Dense(8)(x)"] * n, "model = keras.Model(inputs, x)"
    ),
    "if-chain": lambda n: _lines(
        "x = inputs = keras.Input(shape=(8,))",
        *[f"if flag{i}:\n    x = layers.Dense(8)(x)" for i in range(n)],
        "model = keras.Model(inputs, x)",
    ),
    "names-and-ifs": lambda n: _lines(
        *[f"name{i} = {i}" for i in range(n)],
        "model = keras.Sequential()",
        *[f"if name{i}:\n    model.add(layers.Dense(8))" for i in range(n)],
    ),
    "elif-chain": lambda n: _lines(
        "model = keras.Sequential()",
        "if k == 0:\n    model.add(layers.Dense(8))",
        *[f"elif k == {i}:\n    model.add(layers.Dense({i}))" for i in range(1, n)],
    ),
    "loops": lambda n: _lines(
        "model = keras.Sequential()", *["for _ in range(3):\n    model.add(layers.Dense(8))"] * n
    ),
    "try-chain": lambda n: _lines(
        "model = keras.Sequential()", *["try:\n    model.add(layers.Dense(8))\nexcept ValueError:\n    pass"] * n
    ),
    "subclass-chain": lambda n: _lines(
        "class C0(keras.Model):\n    def call(self, x):\n        return layers.Dense(4)(x)",
        *[f"class C{i}(C{i - 1}):\n    pass" for i in range(1, n)],
    ),
    "subclasses": lambda n: _lines(
        *[
            f"class M{i}(keras.Model):\n    def __init__(self):\n        super().__init__()\n"
            f"        self.a = layers.Dense(8)\n        self.b = layers.Dense(1)\n"
            f"    def call(self, x):\n        return self.b(self.a(x))"
            for i in range(n)
        ]
    ),
    "function-chain": lambda n: _lines(
        "def f0():\n    return keras.Sequential([layers.Dense(8)])",
        *[f"def f{i}():\n    m = f{i - 1}()\n    m.add(layers.Dense(8))\n    return m" for i in range(1, n)],
    ),
    "compiles": lambda n: _lines(
        "model = keras.Sequential([layers.Dense(8, activation='relu'), layers.Dense(1)])",
        *["model.compile(optimizer='adam', loss='mse', metrics=['mae'])"] * n,
    ),
    "many-models": lambda n: _lines(
        *[f"m{i} = keras.Sequential([layers.Dense(8), layers.Dense(1)])" for i in range(n)]
    ),
    "factories": lambda n: _lines(
        *[f"def build{i}():\n    return keras.Sequential([layers.Dense(8), layers.Dense(1)])" for i in range(n)],
        *[f"m{i} = build{i}()\nm{i}.compile(loss='mse')" for i in range(n)],
    ),
    "passed-models": lambda n: _lines(
        "def train(model):\n    model.compile(optimizer='adam', loss='mse')",
        *[f"m{i} = keras.Model(inputs, layers.Dense(1)(inputs))\ntrain(m{i})" for i in range(n)],
    ),
    "nested-functions": lambda n: _lines(
        *[" " * (4 * i) + f"def f{i}(x):" for i in range(min(n, 90))],
        " " * (4 * min(n, 90)) + "return layers.Dense(8)(x)",
        *[f"y{i} = layers.Dense(8)(x{i})" for i in range(max(0, n - 90))],
    ),
    "fits": lambda n: _lines(
        "(x, y), _ = keras.datasets.mnist.load_data()",
        "model = keras.Sequential([layers.Flatten(), layers.Dense(10, activation='softmax')])",
        "model.compile(loss='sparse_categorical_crossentropy')",
        *["model.fit(x[:100], y[:100])"] * n,
    ),
}


def units(text: str) -> int:
    return sum(text.count(mark) for mark in "\n(,[")


def measure(make: Callable[[int], str], max_kb: int) -> list[tuple[int, int, float]]:
    """(source bytes, syntax units, seconds) for n doubling from about 1 KB to the limits."""
    rows = []
    n = 1
    while len(make(n)) < 1024:
        n *= 2
    while True:
        text = make(n)
        if units(text) > MAX_SYNTAX_UNITS or len(text) > max_kb * 1024:
            break
        gc.collect()
        gc.disable()  # as the command and flake8 run the analysis (documents.py, plugin.py)
        try:
            start = time.perf_counter()
            analyze_source(text)
            rows.append((len(text), units(text), time.perf_counter() - start))
        finally:
            gc.enable()
        n *= 2
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-kb", type=int, default=1 << 20, help="largest source, in KB (default: the limit)")
    parser.add_argument("--only", action="append", choices=sorted(FAMILIES), help="one family (repeatable)")
    args = parser.parse_args(argv)
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    worst = []
    for name in args.only or FAMILIES:
        rows = measure(FAMILIES[name], args.max_kb)
        per_unit = [seconds / unit * 1e6 for _, unit, seconds in rows]
        # the smallest sizes are too quick to time well: compare with the median of the first three
        base = sorted(per_unit[:3])[len(per_unit[:3]) // 2]
        growth = per_unit[-1] / base if base else 1.0
        verdict = "SUPERLINEAR" if growth > 3 else "flat"
        print(f"{name:18} {verdict:11} x{growth:4.1f}  " + "  ".join(
            f"{size // 1024}KB:{us:.1f}us" for (size, _, _), us in zip(rows, per_unit)
        ))
        if growth > 3:
            worst.append(name)
    return 1 if worst else 0


if __name__ == "__main__":
    sys.exit(main())
