"""Load the parser's compiled modules when they are present and built from the current sources.

``python -m dagster_project.govreport.build_native`` (run by ``make env``) compiles the pure parsing
modules listed in ``COMPILED`` with mypyc into ``_native/`` beside this file and writes a manifest
with the SHA-256 of each source it compiled. Importing the ``govreport`` package installs a finder
that serves those extension modules in place of the ``.py`` files, but only when every source still
matches its digest and the build is for this interpreter. Otherwise (no build, no C compiler, a
source edited since, ``GOVREPORT_NATIVE=0``) the modules are imported from source as usual; the
output is the same either way (tests/unit/test_native.py), only the speed differs.
"""

from __future__ import annotations

import hashlib
import importlib.abc
import importlib.machinery
import importlib.util
import json
import os
import sys
import types
import warnings
from pathlib import Path

PACKAGE = __name__.rpartition(".")[0]
HERE = Path(__file__).resolve().parent
NATIVE_DIR = HERE / "_native"
MANIFEST = NATIVE_DIR / "manifest.json"
ENV = "GOVREPORT_NATIVE"

# The parse path: pure Python with annotations mypyc can compile (the readers use bs4 and pdfplumber,
# the renderer only builds test corpora; both stay interpreted).
COMPILED = (
    "align", "decode", "fees", "identities", "labels", "metadata", "normalize", "parse", "readings",
    "record", "sections", "segment", "solve", "template", "tokens", "values",
)  # fmt: skip


def source_digests() -> dict[str, str]:
    return {m: hashlib.sha256((HERE / f"{m}.py").read_bytes()).hexdigest() for m in COMPILED}


def build_tag() -> str:
    """What a build must match: the interpreter's extension suffix (version, ABI, platform)."""
    return importlib.machinery.EXTENSION_SUFFIXES[0]


class _Finder(importlib.abc.MetaPathFinder):
    def __init__(self, files: dict[str, Path]) -> None:
        self.files = files

    def find_spec(self, fullname, path=None, target=None):
        file = self.files.get(fullname)
        return None if file is None else importlib.util.spec_from_file_location(fullname, file)


_state: dict[str, str] = {}


def status() -> str:
    """``compiled (mypyc X)`` or ``interpreted (<why>)``: what this process parses with."""
    return _state.get("status", "interpreted (native loader not installed)")


def _check() -> tuple[dict[str, Path] | None, str, bool]:
    """(files to serve, status, whether the reason deserves a warning)."""
    if os.environ.get(ENV, "1") == "0":
        return None, f"interpreted ({ENV}=0)", False
    if not MANIFEST.exists():
        return None, "interpreted (not compiled: make env builds it when a C compiler is present)", False
    try:
        manifest = json.loads(MANIFEST.read_text(encoding="utf-8"))
        if (tag := manifest["tag"]) != build_tag():
            return None, f"interpreted (compiled for {tag}, this interpreter is {build_tag()})", True
        if (built := manifest["sources"]) != (now := source_digests()):
            stale = sorted(m for m, d in now.items() if built.get(m) != d)
            why = f"interpreted (sources changed since the build: {', '.join(stale)}; run `make native`)"
            return None, why, True
        files = {name: NATIVE_DIR / rel for name, rel in manifest["files"].items()}
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return None, f"interpreted (unreadable manifest: {exc})", True
    if missing := [str(f) for f in files.values() if not f.exists()]:
        return None, f"interpreted (missing {', '.join(missing)})", True
    return files, f"compiled (mypyc {manifest.get('mypy', '?')})", False


def compiled() -> bool:
    return status().startswith("compiled")


def interpreted(module: str) -> types.ModuleType:
    """The interpreted twin of one parser module, imported from its source on first use under the package
    name ``<package>_interpreted`` (its relative imports stay inside the twin), for a retry when compiled
    code raised: mypyc checks annotations at run time where Python does not."""
    twin = f"{PACKAGE}_interpreted"
    if twin not in sys.modules:
        # The package's own file gives it a loader (its data files are found through it); the module
        # is made but not run, so the twin installs no finder.
        spec = importlib.util.spec_from_file_location(
            twin, HERE / "__init__.py", submodule_search_locations=[str(HERE)]
        )
        assert spec is not None
        sys.modules[twin] = importlib.util.module_from_spec(spec)
    return importlib.import_module(f"{twin}.{module}")


def install() -> None:
    """Put the finder first on ``sys.meta_path`` when the build is usable (once per process)."""
    if "status" in _state:
        return
    files, why, warn = _check()
    _state["status"] = why
    if warn:
        warnings.warn(f"govreport parser: {why}", RuntimeWarning, stacklevel=2)
    if files is not None:
        already = [m for m in files if m in sys.modules]
        if already:  # imported from source before the finder existed: keep one kind per process
            _state["status"] = f"interpreted (imported before the loader: {', '.join(already)})"
            return
        sys.meta_path.insert(0, _Finder(files))
