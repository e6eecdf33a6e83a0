"""The real-code corpus for the benchmark: the source distributions of four Keras projects and of
one PyTorch project (timm), which the PyTorch front end reads.

The sdists are fetched once into a cache directory outside the repository
(default ``~/.cache/flake8-keras-activation/corpus``, or ``$KA_BENCH_CACHE``) and
unpacked to ``<cache>/<name>-<version>/``; later calls reuse them.

How they are fetched: ``pip download --no-binary :all:`` cannot be used, because pip
always prepares the metadata of an sdist before saving it, which runs the project's build
backend, and that fails for keras and keras-hub outside their own source checkouts.  So
the archive's address and sha256 are read from PyPI's standard simple index (the JSON form
of PEP 691, the same listing pip reads), the archive is downloaded with urllib and its hash
checked.  Nothing from the archives is executed; they are only unpacked and read.

Run ``python benchmarks/corpus.py`` to fetch the corpus and print its size.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import sys
import tarfile
import tempfile
import urllib.request
import zipfile
from pathlib import Path

PACKAGES: tuple[tuple[str, str], ...] = (
    ("keras", "3.15.1"),
    ("tf-keras", "2.21.0"),
    ("keras-hub", "0.32.0"),
    ("keras-tuner", "1.4.8"),
    ("timm", "1.0.31"),
)


def _index_urls() -> tuple[str, str]:
    """PyPI's simple index and JSON API, as the installed pip knows them (no host written here)."""
    from pip._internal.models.index import PyPI

    return PyPI.simple_url.rstrip("/") + "/", PyPI.pypi_url.rstrip("/") + "/{name}/json"


_SIMPLE_INDEX, _PROJECT_JSON = _index_urls()
_TIMEOUT = 120
_SDIST_SUFFIXES = (".tar.gz", ".zip")


def cache_dir() -> Path:
    """The benchmark's cache root (created on demand)."""
    override = os.environ.get("KA_BENCH_CACHE")
    if override:
        root = Path(override).expanduser()
    else:
        root = Path.home() / ".cache" / "flake8-keras-activation" / "corpus"
    root.mkdir(parents=True, exist_ok=True)
    return root


def _normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _is_sdist_of(filename: str, name: str, version: str) -> bool:
    for suffix in _SDIST_SUFFIXES:
        if filename.endswith(suffix):
            stem = filename[: -len(suffix)]
            head, sep, ver = stem.rpartition("-")
            return bool(sep) and ver == version and _normalize(head) == _normalize(name)
    return False


def _get_json(url: str, accept: str = "application/json") -> dict:
    request = urllib.request.Request(url, headers={"Accept": accept})
    with urllib.request.urlopen(request, timeout=_TIMEOUT) as response:
        return json.load(response)


def _find_sdist(name: str, version: str) -> tuple[str, str, str]:
    """(filename, url, sha256) of the sdist of name==version on the index."""
    errors = []
    try:
        listing = _get_json(
            _SIMPLE_INDEX + _normalize(name) + "/", accept="application/vnd.pypi.simple.v1+json"
        )
        for entry in listing.get("files", []):
            if _is_sdist_of(entry["filename"], name, version):
                return entry["filename"], entry["url"], entry.get("hashes", {}).get("sha256", "")
        errors.append("simple index: no sdist listed")
    except Exception as exc:  # fall back to the project's JSON page
        errors.append(f"simple index: {exc}")
    try:
        project = _get_json(_PROJECT_JSON.format(name=_normalize(name)))
        for entry in project.get("releases", {}).get(version, []):
            if entry.get("packagetype") == "sdist":
                return entry["filename"], entry["url"], entry.get("digests", {}).get("sha256", "")
        errors.append("project JSON: no sdist listed")
    except Exception as exc:
        errors.append(f"project JSON: {exc}")
    raise RuntimeError(f"cannot find the sdist of {name}=={version} on PyPI: " + "; ".join(errors))


def _download(url: str, dest: Path, sha256: str) -> None:
    tmp = dest.with_name(dest.name + ".part")
    digest = hashlib.sha256()
    with urllib.request.urlopen(url, timeout=_TIMEOUT) as response, open(tmp, "wb") as out:
        while True:
            chunk = response.read(1 << 16)
            if not chunk:
                break
            digest.update(chunk)
            out.write(chunk)
    if sha256 and digest.hexdigest() != sha256:
        tmp.unlink()
        raise RuntimeError(f"sha256 mismatch for {url}")
    tmp.replace(dest)


def _unpack(archive: Path, staging: Path) -> None:
    if archive.name.endswith(".zip"):
        with zipfile.ZipFile(archive) as zf:
            for member in zf.namelist():
                target = (staging / member).resolve()
                if not target.is_relative_to(staging.resolve()):
                    raise RuntimeError(f"unsafe path in {archive.name}: {member}")
            zf.extractall(staging)
        return
    with tarfile.open(archive) as tf:
        if hasattr(tarfile, "data_filter"):
            tf.extractall(staging, filter="data")
        else:  # old patch releases without extraction filters: check paths ourselves
            for member in tf.getmembers():
                target = (staging / member.name).resolve()
                if not target.is_relative_to(staging.resolve()) or member.issym() or member.islnk():
                    raise RuntimeError(f"unsafe member in {archive.name}: {member.name}")
            tf.extractall(staging)


def ensure_package(name: str, version: str, *, verbose: bool = True) -> Path:
    """``<cache>/<name>-<version>/`` holding the unpacked sdist; fetched only the first time."""
    root = cache_dir()
    target = root / f"{name}-{version}"
    if target.is_dir():
        return target
    downloads = root / "sdists"
    downloads.mkdir(exist_ok=True)
    filename, url, sha256 = _find_sdist(name, version)
    archive = downloads / filename
    if not archive.is_file():
        if verbose:
            print(f"downloading {filename} ...", file=sys.stderr, flush=True)
        _download(url, archive, sha256)
    staging = Path(tempfile.mkdtemp(prefix=f".{name}-", dir=root))
    try:
        _unpack(archive, staging)
        entries = list(staging.iterdir())
        # An sdist holds one top-level folder, name-version/; keep its contents.
        source = entries[0] if len(entries) == 1 and entries[0].is_dir() else staging
        source.rename(target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


def corpus_roots(*, verbose: bool = True) -> list[Path]:
    """The unpacked source trees, one per package, fetching what is missing."""
    return [ensure_package(name, version, verbose=verbose) for name, version in PACKAGES]


def corpus_files(*, verbose: bool = True) -> list[Path]:
    """Every ``.py`` file of the corpus, sorted."""
    files: list[Path] = []
    for root in corpus_roots(verbose=verbose):
        files.extend(path for path in root.rglob("*.py") if path.is_file())
    return sorted(files)


def main() -> int:
    roots = corpus_roots()
    files = corpus_files(verbose=False)
    for root in roots:
        count = sum(1 for f in files if f.is_relative_to(root))
        print(f"{root.name:24} {count:6d} .py files")
    total_lines = 0
    for path in files:
        with open(path, "rb") as fh:
            total_lines += sum(1 for _ in fh)
    print(f"{'total':24} {len(files):6d} .py files, {total_lines} lines, in {cache_dir()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
