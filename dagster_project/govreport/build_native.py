"""Compile the parser's pure modules with mypyc into ``_native/`` (see ``native.py``).

``python -m dagster_project.govreport.build_native``: exit status 0 when the build is current or was
made, 0 with a message when this machine cannot compile (no C compiler or no Python headers: the
parser then runs interpreted, same output),
1 when a build was attempted and failed. The new files replace the old ones only once all of them
are built, and the manifest is written last.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

from dagster_project.govreport import native

GROUP = f"{native.PACKAGE}.parser"  # the shared library mypyc builds beside the per-module shims


def compiler() -> str | None:
    cc = (os.environ.get("CC") or sysconfig.get_config_var("CC") or "cc").split()[0]
    return shutil.which(cc)


def cannot_build() -> str | None:
    """Why this machine cannot compile extension modules (None: it can)."""
    if compiler() is None:
        return "no C compiler found"
    if not (Path(sysconfig.get_paths()["include"]) / "Python.h").exists():
        return "no Python headers (Python.h) for this interpreter"
    return None


def current() -> bool:
    return native._check()[0] is not None


def build() -> Path:
    """Build into a temporary folder and move the result into place; returns the manifest."""
    from mypy.version import __version__ as mypy_version
    from mypyc.build import mypycify
    from setuptools import Distribution

    root = native.HERE.parents[1]  # the project root: module names follow from paths under it
    sources = [str((native.HERE / f"{m}.py").relative_to(root)) for m in native.COMPILED]
    digests = native.source_digests()
    config = root / "pyproject.toml"
    with tempfile.TemporaryDirectory(prefix="govreport-native-") as tmp:
        work = Path(tmp)
        cwd = os.getcwd()
        os.chdir(root)
        try:
            extensions = mypycify(
                ["--config-file", str(config), *sources],
                opt_level="3",
                target_dir=str(work / "c"),
                group_name=GROUP,
            )
            dist = Distribution({"name": "govreport-native", "ext_modules": extensions})
            cmd = dist.get_command_obj("build_ext")
            cmd.build_lib = str(work / "lib")
            cmd.build_temp = str(work / "obj")
            cmd.parallel = os.cpu_count() or 1
            dist.run_command("build_ext")
        finally:
            os.chdir(cwd)
        lib = work / "lib"
        files = {}
        for ext in extensions:
            rel = Path(*ext.name.split(".")).with_suffix("")
            (found,) = lib.glob(f"{rel}.*")
            files[ext.name] = str(found.relative_to(lib))
        staged = native.NATIVE_DIR.with_name("_native.new")
        shutil.rmtree(staged, ignore_errors=True)
        shutil.copytree(lib, staged)
    manifest = {
        "tag": native.build_tag(),
        "mypy": mypy_version,
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "sources": digests,
        "files": files,
    }
    if native.source_digests() != digests:
        shutil.rmtree(staged)
        raise RuntimeError("a parser source changed during the build; run it again")
    (staged / "manifest.json").write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    old = native.NATIVE_DIR.with_name("_native.old")
    shutil.rmtree(old, ignore_errors=True)
    if native.NATIVE_DIR.exists():
        native.NATIVE_DIR.rename(old)
    staged.rename(native.NATIVE_DIR)
    shutil.rmtree(old, ignore_errors=True)
    return native.MANIFEST


def main() -> int:
    if os.environ.get(native.ENV, "1") == "0":
        print(f"parser: not compiled ({native.ENV}=0)")
        return 0
    if current():
        native.MANIFEST.touch()  # newer than the sources make compares it with: asked once per change
        print("parser: compiled modules are current")
        return 0
    if (why := cannot_build()) is not None:
        print(f"parser: {why}; the parser runs interpreted (same output, slower)")
        return 0
    start = time.perf_counter()
    try:
        build()
    except (Exception, SystemExit) as exc:  # mypyc exits on type errors; say so and keep the old state
        why = f"{type(exc).__name__}: {exc}"
        print(f"parser: compiling failed ({why}); the parser runs interpreted", file=sys.stderr)
        return 1
    took = time.perf_counter() - start
    print(f"parser: compiled {len(native.COMPILED)} modules with mypyc in {took:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
