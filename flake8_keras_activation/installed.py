"""Keras, its backend and our other lazy imports from the installed environment, never from the
directory being analysed.

`python -m flake8_keras_activation confirm` and `python -m flake8 --keras-confirm` run with the
current directory first on `sys.path` (so does `PYTHONPATH=.`): a repository's own `keras/`,
`numpy.py` or `jax/` would be imported in place of the installed packages, and run. Nothing here
imports Keras: the flake8 path imports this module only for --keras-confirm.
"""

from __future__ import annotations

import contextlib
import glob
import importlib.machinery
import os
import site
import sys
import sysconfig
from typing import Iterator, Sequence

# Top-level names Keras 3 and its backends import, at start-up or lazily: its requirements, the
# optional modules of keras/src/utils/module_utils.py, the backends, and the packages its
# deserializer imports by name (keras/src/saving/serialization_lib.py, _retrieve_class_or_fn).
# A module of these names already imported from the analysed directory would be used by Keras.
KERAS_IMPORTS = frozenset(
    (
        "keras keras_cv keras_hub keras_nlp tf_keras tensorflow tensorflow_io torch torch_xla jax jaxlib "
        "numpy ml_dtypes scipy h5py optree tree namex absl rich packaging opt_einsum grain orbax "
        "tf2onnx jax2onnx ai_edge_litert"
    ).split()
)

_OWN = __name__.split(".", 1)[0]
_PTH_LIMIT = 1 << 16  # bytes of a .pth file read: the environment's own files, a few lines each


class Shadowed(Exception):
    """A module Keras would use was already imported from the analysed directory; the message says which."""


def _real(path: str) -> str:
    return os.path.normcase(os.path.realpath(path))


def installed_locations() -> frozenset[str]:
    """The interpreter's own directories: the standard library, site-packages (the user's too), and
    the directories their .pth files add (an editable install), as `site` adds them at start-up."""
    places = {sysconfig.get_path(key) for key in ("stdlib", "platstdlib", "purelib", "platlib")}
    places.update(getattr(site, "getsitepackages", list)())
    if site.ENABLE_USER_SITE:
        places.add(site.getusersitepackages())
    for directory in [place for place in places if place]:
        for pth in sorted(glob.glob(os.path.join(glob.escape(directory), "*.pth"))):
            try:
                with open(pth, encoding="utf-8", errors="replace") as handle:
                    lines = handle.read(_PTH_LIMIT).splitlines()
            except OSError:
                continue
            for line in lines:
                # as site.addpackage reads them: comments and `import` lines are not directories
                if line.strip() and not line.startswith(("#", "import ", "import\t")):
                    places.add(os.path.join(directory, line.rstrip()))
    return frozenset(_real(place) for place in places if place)


def _current_directory() -> str | None:
    try:
        return _real(os.getcwd())
    except OSError:  # the directory was removed under us: only relative entries can name it
        return None


def untrusted_directories(installed: frozenset[str]) -> frozenset[str]:
    """The current directory and the running script's, unless the environment installed them.

    `python -m` puts the current directory first on sys.path, `python script.py` the script's
    directory, and `PYTHONPATH=.` the current directory again; with `-P` or PYTHONSAFEPATH
    (Python 3.11) the interpreter adds neither, and an entry naming one is the user's own.
    """
    found = set()
    cwd = _current_directory()
    if cwd is not None:
        found.add(cwd)
    script = sys.argv[0] if sys.argv else ""
    if not getattr(sys.flags, "safe_path", False) and script not in ("", "-c", "-m") and os.path.isfile(script):
        found.add(_real(os.path.dirname(os.path.abspath(script))))
    return frozenset(found - installed)


def _is_untrusted(entry: str, untrusted: frozenset[str]) -> bool:
    if not entry or not os.path.isabs(entry):
        return True  # "" and "." (and any relative entry) mean whatever the current directory is
    return _real(entry) in untrusted


def _where(module: object) -> list[str]:
    """The directories a top-level module was imported from: the sys.path entries that hold it."""
    origin = getattr(module, "__file__", None)
    if isinstance(origin, str):
        directory = os.path.dirname(origin)
        if os.path.basename(origin).startswith("__init__."):
            directory = os.path.dirname(directory)
        return [directory]
    # a namespace package: each of its portions lies in one entry
    return [os.path.dirname(part) for part in list(getattr(module, "__path__", None) or []) if isinstance(part, str)]


def shadowing_modules(untrusted: frozenset[str], trusted_path: Sequence[str]) -> list[tuple[str, str]]:
    """(name, file) of each module already imported from an untrusted directory that Keras would
    use: one of the names Keras imports, or one the installed environment also provides."""
    found = []
    for name, module in list(sys.modules.items()):
        if "." in name or name in ("__main__", "__mp_main__", _OWN) or module is None:
            continue
        places = _where(module)
        if not places or not any(_real(place) in untrusted for place in places):
            continue
        if name in KERAS_IMPORTS or importlib.machinery.PathFinder.find_spec(name, list(trusted_path)) is not None:
            found.append((name, str(getattr(module, "__file__", None) or places[0])))
    return sorted(found)


@contextlib.contextmanager
def installed_only() -> Iterator[None]:
    """sys.path without the current or the script's directory inside the block; restored after.

    Modules already imported cannot be undone: if one of them came from such a directory and
    would stand in for Keras, its backend or a package they import, `Shadowed` is raised before
    anything else is imported.
    """
    saved = list(sys.path)
    untrusted = untrusted_directories(installed_locations())
    trusted = [entry for entry in saved if not _is_untrusted(entry, untrusted)]
    shadows = shadowing_modules(untrusted, trusted)
    if shadows:
        name, where = shadows[0]
        more = f" (and {', '.join(n for n, _ in shadows[1:])})" if len(shadows) > 1 else ""
        raise Shadowed(
            f"{name} was already imported from {where}{more}, in the directory being analysed, and Keras "
            "would use it: nothing is built; run from another directory, or without it on sys.path "
            "(the installed command rather than python -m, no PYTHONPATH=., or python -P)"
        )
    sys.path[:] = trusted
    try:
        yield
    finally:
        sys.path[:] = saved


def keep_to_installed() -> None:
    """For a command that runs no code of the user's (`fix`, `server`): the current and the
    script's directory leave sys.path for the rest of the process, so that what it imports lazily
    (libcst, pygls, tomli) is the installed package, never a directory of the repository it reads."""
    untrusted = untrusted_directories(installed_locations())
    sys.path[:] = [entry for entry in sys.path if not _is_untrusted(entry, untrusted)]
