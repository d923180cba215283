"""The compiled parser (dagster_project/govreport/native.py): used when current, same output as the
interpreted one, and never used when its sources changed since the build."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from dagster_project.govreport import build_native, native

ROOT = Path(__file__).resolve().parents[2]

# Parses every fixture and seed, prints which kind of parser ran and a digest of everything it returned.
_DIGEST = """
import hashlib, sys
from pathlib import Path
from dagster_project.govreport import native
from dagster_project.govreport.parse import parse_bytes
root = Path(sys.argv[1])
files = sorted(p for p in (root / "tests" / "fixtures").rglob("*") if p.is_file() and p.suffix != ".json")
files += sorted((root / "raw").glob("*.txt"))
h = hashlib.sha256()
for p in files:
    r = parse_bytes(p.read_bytes(), p.name)
    h.update(repr((r.status, r.record, sorted(r.provenance.items()), r.issues)).encode())
print(native.status().split()[0], len(files), h.hexdigest())
"""


def _digest(env_value: str) -> tuple[str, int, str]:
    env = {**os.environ, native.ENV: env_value}
    out = subprocess.run(
        [sys.executable, "-c", _DIGEST, str(ROOT)], env=env, capture_output=True, text=True, check=True
    )
    kind, n, digest = out.stdout.split()
    return kind, int(n), digest


def test_compiled_when_the_machine_can_compile() -> None:
    """`make env` builds the modules; a stale or missing build on a machine that can compile is a bug
    (or a parser source edited without `make native`)."""
    if (why := build_native.cannot_build()) is not None:
        pytest.skip(f"{why}: the parser runs interpreted")
    assert native.status().startswith("compiled"), native.status()
    from dagster_project.govreport import parse, tokens

    assert Path(parse.__file__).is_relative_to(native.NATIVE_DIR)
    assert Path(tokens.__file__).suffix != ".py"


def test_compiled_and_interpreted_parse_alike() -> None:
    if not native.status().startswith("compiled"):
        pytest.skip(f"parser not compiled here: {native.status()}")
    compiled, interpreted = _digest("1"), _digest("0")
    assert compiled[0] == "compiled" and interpreted[0] == "interpreted"
    assert compiled[1] > 60
    assert compiled[2] == interpreted[2]


def _manifest(tmp_path: Path, **changes) -> Path:
    files = {f"{native.PACKAGE}.{m}": f"{m}.so" for m in native.COMPILED}
    for rel in files.values():
        (tmp_path / rel).write_bytes(b"")
    manifest = {
        "tag": native.build_tag(),
        "mypy": "x",
        "sources": native.source_digests(),
        "files": files,
    } | changes
    path = tmp_path / "manifest.json"
    path.write_text(json.dumps(manifest), encoding="utf-8")
    return path


@pytest.fixture
def fake_build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(native, "NATIVE_DIR", tmp_path)
    monkeypatch.setattr(native, "MANIFEST", tmp_path / "manifest.json")
    monkeypatch.delenv(native.ENV, raising=False)
    return tmp_path


def test_a_current_build_is_served(fake_build: Path) -> None:
    _manifest(fake_build)
    files, status, warn = native._check()
    assert files is not None and not warn and status.startswith("compiled")
    assert files[f"{native.PACKAGE}.parse"] == fake_build / "parse.so"


def test_an_edited_source_is_not_served(fake_build: Path) -> None:
    digests = native.source_digests() | {"tokens": "0" * 64}
    _manifest(fake_build, sources=digests)
    files, status, warn = native._check()
    assert files is None and warn
    assert "sources changed since the build: tokens" in status


def test_a_build_for_another_interpreter_is_not_served(fake_build: Path) -> None:
    _manifest(fake_build, tag=".cpython-312-x86_64-linux-gnu.so")
    files, status, warn = native._check()
    assert files is None and warn and "compiled for .cpython-312" in status


def test_a_missing_module_is_not_served(fake_build: Path) -> None:
    _manifest(fake_build)
    (fake_build / "align.so").unlink()
    files, status, warn = native._check()
    assert files is None and warn and "missing" in status


def test_no_build_and_opt_out_are_quiet(fake_build: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    files, status, warn = native._check()
    assert files is None and not warn and "not compiled" in status
    _manifest(fake_build)
    monkeypatch.setenv(native.ENV, "0")
    files, status, warn = native._check()
    assert files is None and not warn and status == f"interpreted ({native.ENV}=0)"


def test_a_compiled_failure_is_parsed_again_interpreted() -> None:
    """What ``parse_bytes`` does when compiled code raises: the interpreted twin parses the file, the
    result is in the compiled module's own types and says what happened."""
    from dagster_project.govreport import parse, record

    seed = sorted((ROOT / "raw").glob("*.txt"))[0]
    data = seed.read_bytes()
    direct = parse.parse_bytes(data, seed.name)
    again = parse.retry_interpreted(data, seed.name, TypeError("list object expected; got tuple"))
    assert type(again) is record.ParseResult and again.status == record.PARSED
    assert again.record == direct.record
    assert again.provenance == direct.provenance
    assert all(type(src) is record.CellSource for src in again.provenance.values())
    assert all(type(i) is record.Issue for i in again.issues)
    assert again.issues[:-1] == direct.issues
    note = again.issues[-1]
    assert note.code == "compiled_parser_error" and "TypeError: list object expected" in note.message
    assert sys.modules[f"{native.PACKAGE}_interpreted.parse"].__file__.endswith("parse.py")


def test_the_retry_keeps_a_failure_a_failure() -> None:
    from dagster_project.govreport import parse, record

    again = parse.retry_interpreted(b"\x00\x01binary\xff" * 50, "x.bin", TypeError("t"))
    assert again.status != record.PARSED
    assert not any(i.code == "compiled_parser_error" for i in again.issues)
