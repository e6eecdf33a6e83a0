"""confirm and --keras-confirm never import the analysed repository's code, whichever way they are run."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytest.importorskip("keras", reason="confirming needs Keras: pip install '.[runtime]'")

from flake8_keras_activation.runtime.confirm import main  # noqa: E402
from tests.conftest import COMMAND  # noqa: E402

# Packages a repository may hold that Keras would import in place of the installed ones: the
# packages Keras's deserializer imports by the name a serialized object gives (keras_cv,
# keras_hub), and Keras, its backend and NumPy themselves when the current directory comes first.
SHADOWS = ("keras_cv/__init__.py", "keras_hub/__init__.py", "keras/__init__.py", "jax/__init__.py", "numpy.py")

MODELS = textwrap.dedent(
    """\
    import keras
    from keras import layers

    plain = keras.Sequential([keras.Input(shape=(2,)), layers.Dense(3), layers.Dense(1)])
    by_function = keras.Sequential([
        keras.Input(shape=(2,)),
        layers.Dense(3, activation={"class_name": "function", "module": "keras_cv.losses", "config": "f",
                                    "registered_name": "f"}),
        layers.Dense(1),
    ])
    by_class = keras.Sequential([
        keras.Input(shape=(2,)),
        layers.Dense(3, kernel_initializer={"class_name": "Init", "module": "keras_hub.models", "config": {},
                                            "registered_name": "Init"}),
        layers.Dense(1),
    ])
    """
)


def repository(tmp_path: Path) -> Path:
    """A repository whose every shadowing package writes a marker when imported, and its models."""
    repo = tmp_path / "repo"
    for name in SHADOWS:
        path = repo / name
        path.parent.mkdir(parents=True, exist_ok=True)
        marker = name.split("/")[0].removesuffix(".py")
        path.write_text(f"import pathlib\npathlib.Path({str(tmp_path / ('imported-' + marker))!r}).write_text('ran')\n")
    (repo / "model.py").write_text(MODELS)
    return repo


def markers(tmp_path: Path) -> list[str]:
    return sorted(path.name for path in tmp_path.glob("imported-*"))


SPELLINGS = {
    "python -m flake8_keras_activation confirm": ([sys.executable, "-m", "flake8_keras_activation", "confirm"], {}),
    "PYTHONPATH=. flake8-keras-activation confirm": ([COMMAND, "confirm"], {"PYTHONPATH": "."}),
    "python -m flake8 --keras-confirm": (
        [sys.executable, "-m", "flake8", "--isolated", "--select=KA", "--keras-confirm"], {}
    ),
    "PYTHONPATH=. flake8 --keras-confirm": (
        [str(Path(sys.executable).with_name("flake8")), "--isolated", "--select=KA", "--keras-confirm"],
        {"PYTHONPATH": "."},
    ),
}


@pytest.mark.parametrize("spelling", list(SPELLINGS))
def test_the_analysed_repository_is_never_imported_under_any_documented_spelling(tmp_path: Path, spelling: str) -> None:
    repo = repository(tmp_path)
    argv, extra = SPELLINGS[spelling]
    result = subprocess.run(
        [*argv, "model.py"], cwd=repo, env={**os.environ, **extra}, capture_output=True, text=True, timeout=300,
        check=False,
    )
    assert markers(tmp_path) == [], result.stdout + result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == 1, result.stdout + result.stderr
    if "flake8 " in spelling:
        # the installed Keras measured the literal model; the others are not judged (unknown activation)
        assert "model.py:4:9: KA103 " in result.stdout and "(confirmed: one affine map 2 -> 1, rank 1)" in result.stdout
        return
    assert result.stdout.splitlines() == [
        "model.py:4: Sequential model: rebuilt from its literal layers and checked",
        "  affine end to end: one affine map 2 -> 1, rank 1",
        "  collapsed: Dense(3) (line 4) -> Dense(1) (line 4): one affine map 2 -> 1, rank 1",
        "model.py:5: Sequential model: not rebuilt: Dense(3) (line 7): activation= is a dict, which that argument "
        "does not take: Keras would deserialize it as a Keras object",
        "model.py:11: Sequential model: not rebuilt: Dense(3) (line 13): kernel_initializer= is a dict, which that "
        "argument does not take: Keras would deserialize it as a Keras object",
    ]
    assert result.stderr == ""


@pytest.mark.parametrize(
    ("runner", "expected"),
    [
        ("from flake8_keras_activation.cli import main\nsys.exit(main(['confirm', 'model.py']))",
         "flake8-keras-activation confirm: error: numpy was already imported from {repo}/numpy.py, in the directory "
         "being analysed, and Keras would use it: nothing is built; "),
        ("from flake8.main.cli import main\nsys.exit(main(['--isolated', '--select=KA', '--keras-confirm', 'model.py']))",
         "flake8-keras-activation: --keras-confirm: numpy was already imported from {repo}/numpy.py, in the directory "
         "being analysed, and Keras would use it: nothing is built; "),
    ],
    ids=["confirm", "flake8"],
)
def test_a_module_already_imported_from_the_analysed_directory_is_refused_not_used(
    tmp_path: Path, runner: str, expected: str
) -> None:
    # what another flake8 plugin importing numpy under `python -m flake8` would leave behind
    repo = repository(tmp_path)
    script = f"import sys\nsys.path.insert(0, '')\nimport numpy\n{runner}\n"
    result = subprocess.run([sys.executable, "-c", script], cwd=repo, capture_output=True, text=True, timeout=300,
                            check=False)
    assert markers(tmp_path) == ["imported-numpy"]  # the process's own doing, before any of ours
    assert result.returncode != 0
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(expected.format(repo=repo)), result.stderr
    assert "keras" not in sys.modules or "rebuilt" not in result.stdout


def test_the_current_directory_is_kept_when_it_is_where_packages_are_installed(tmp_path: Path) -> None:
    import sysconfig

    (tmp_path / "model.py").write_text(MODELS)
    result = subprocess.run(
        [sys.executable, "-m", "flake8_keras_activation", "confirm", str(tmp_path / "model.py")],
        cwd=sysconfig.get_path("purelib"), capture_output=True, text=True, timeout=300, check=False,
    )
    assert result.returncode == 1 and "affine end to end: one affine map 2 -> 1, rank 1" in result.stdout, result.stderr


def test_keras_confirm_leaves_sys_path_as_it_found_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from types import SimpleNamespace

    from flake8_keras_activation.plugin import KerasActivationChecker

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", ["", str(tmp_path), *sys.path])
    before = list(sys.path)
    KerasActivationChecker.parse_options(None, SimpleNamespace(keras_confirm=True), [])
    try:
        assert sys.path == before
    finally:
        KerasActivationChecker.confirm = False


# ---- argument values: what a layer documents, never a serialized object ---------------------------


def confirm_text(tmp_path: Path, layer: str) -> str:
    path = tmp_path / "model.py"
    path.write_text(
        "import keras\nfrom keras import layers\n"
        f"m = keras.Sequential([keras.Input(shape=(2,)), {layer}, layers.Dense(3), layers.Dense(1)])\n"
    )
    out = io.StringIO()
    main([str(path)], out=out, err=io.StringIO())
    return out.getvalue()


SERIALIZED = '{"class_name": "X", "module": "keras_cv.x", "config": {}, "registered_name": "X"}'


@pytest.mark.parametrize(
    ("layer", "expected"),
    [
        (f"layers.Dense(3, bias_regularizer={SERIALIZED})",
         "Dense(3) (line 3): bias_regularizer= is a dict, which that argument does not take"),
        (f"layers.Dense(3, None, True, 'glorot_uniform', {SERIALIZED})",
         "Dense(3) (line 3): argument 5 is a dict, which that argument does not take"),
        (f"layers.Dense(3, dtype={SERIALIZED})", "Dense(3) (line 3): dtype= is a dict"),
        (f"layers.Dense(3, activation=['relu', {SERIALIZED}])", "Dense(3) (line 3): activation= is a dict"),
        (f"layers.TimeDistributed(layers.Dense(3, activation={SERIALIZED}))",
         "Dense(3) (line 3): activation= is a dict, which that argument does not take"),
        (f"layers.Bidirectional(layers.LSTM(3, activation={SERIALIZED}))",
         "argument 1 (the wrapped LSTM's activation= is a dict, which that argument does not take"),
        (f"layers.BatchNormalization(renorm=True, renorm_clipping={SERIALIZED})",
         "renorm_clipping= holds a serialized Keras object ('class_name'), which Keras would deserialize"),
        ('layers.BatchNormalization(renorm=True, renorm_clipping={"rmax": {"registered_name": "x"}})',
         "renorm_clipping= holds a serialized Keras object ('registered_name')"),
        ("layers.Dense(3, name=b'bytes')", "name= is a bytes; only strings, numbers, booleans, None"),
        ("layers.Dense(3, name={'a', 'b'})", "name= is a set; only strings"),
        ("layers.Dense(3, name=1j)", "name= is a complex; only strings"),
    ],
    ids=["keyword", "positional", "dtype", "in-a-list", "time-distributed", "bidirectional", "documented-dict", "nested",
         "bytes", "set", "complex"],
)
def test_arguments_a_layer_does_not_document_are_refused_before_keras_sees_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, layer: str, expected: str
) -> None:
    repo = repository(tmp_path)
    monkeypatch.syspath_prepend(str(repo))  # as if run from the repository
    text = confirm_text(tmp_path, layer)
    assert markers(tmp_path) == []
    assert "model.py:3: Sequential model: not rebuilt: " in text and expected in text, text
    assert len(text.splitlines()) == 1


def test_a_dict_the_catalog_documents_is_rebuilt() -> None:
    import keras

    from flake8_keras_activation.graph import LayerConfig
    from flake8_keras_activation.runtime.rebuild import argument_problem, build_layer

    config = LayerConfig("layers.BatchNormalization", (), (("renorm", True), ("renorm_clipping", {"rmax": 3.0})))
    assert argument_problem(config) is None
    layer = build_layer(config)
    assert isinstance(layer, keras.layers.BatchNormalization) and layer.renorm_clipping["rmax"] == 3.0


def _lazy_imports_repository(tmp_path: Path) -> Path:
    """A repository holding packages named like what `fix` and `server` import lazily."""
    repo = tmp_path / "lazy"
    for name in ("libcst", "pygls"):
        (repo / name).mkdir(parents=True)
        marker = tmp_path / f"imported-{name}"
        (repo / name / "__init__.py").write_text(f"import pathlib\npathlib.Path({str(marker)!r}).write_text('ran')\n")
    (repo / "model.py").write_text("import keras\nm = keras.Sequential([keras.layers.Dense(4), keras.layers.Dense(1)])\n")
    return repo


@pytest.mark.parametrize("spelling", ["python -m", "PYTHONPATH=."])
def test_fix_and_the_server_import_their_libraries_from_the_installed_environment(tmp_path: Path, spelling: str) -> None:
    repo = _lazy_imports_repository(tmp_path)
    env = dict(os.environ)
    if spelling == "python -m":
        start = [sys.executable, "-m", "flake8_keras_activation"]
    else:
        start = [COMMAND]
        env["PYTHONPATH"] = "."
    fixed = subprocess.run(
        [*start, "fix", "--unsafe-fixes", "--diff", "model.py"], cwd=repo, env=env, capture_output=True, text=True,
        timeout=120,
    )
    assert 'activation="relu"' in fixed.stdout, fixed.stderr
    exit_message = b'{"jsonrpc": "2.0", "method": "exit"}'
    framed = b"Content-Length: %d\r\n\r\n%s" % (len(exit_message), exit_message)
    served = subprocess.run([*start, "server"], cwd=repo, env=env, input=framed, capture_output=True, timeout=120)
    assert b"Traceback" not in served.stderr, served.stderr
    assert markers(tmp_path) == []
