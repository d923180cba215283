"""Discover the files under raw/: one entry per file, with its hash or a quarantine reason."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

# Reasons decided before the parser sees the bytes (docs/operations.md lists them all).
UNREADABLE = "unreadable"
OVERSIZED = "oversized"
SYMLINK_OUTSIDE = "symlink_outside_raw"
EMPTY = "empty"


@dataclass(frozen=True)
class RawFile:
    relpath: str  # relative to raw/, POSIX separators; any characters (spaces, quotes, newlines)
    size: int
    sha256: str | None  # None when the file could not be read
    reason: str | None = None  # quarantine reason found during discovery
    message: str | None = None

    @property
    def name(self) -> str:
        return self.relpath.rsplit("/", 1)[-1]


def _hash(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _walk(raw_dir: Path) -> Iterator[Path]:
    # os.walk does not follow directory symlinks; file symlinks are checked one by one below.
    for root, dirs, names in os.walk(raw_dir):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(names):
            if not name.startswith("."):  # .gitkeep, editor swap files
                yield Path(root) / name


def discover(raw_dir: Path, max_bytes: int) -> list[RawFile]:
    """Every visible file under ``raw_dir``, sorted by path, hashed (streamed) or with a reason."""
    raw_dir = raw_dir.resolve()
    out: list[RawFile] = []
    for path in _walk(raw_dir):
        rel = path.relative_to(raw_dir).as_posix()
        if path.is_symlink():
            target = path.resolve()
            if not target.is_relative_to(raw_dir):
                out.append(
                    RawFile(rel, 0, None, SYMLINK_OUTSIDE, f"symlink to {target} (outside raw/) not followed")
                )
                continue
        try:
            size = path.stat().st_size
            if size == 0:
                out.append(RawFile(rel, 0, None, EMPTY, "zero-byte file"))
                continue
            if size > max_bytes:
                out.append(
                    RawFile(rel, size, None, OVERSIZED, f"{size} bytes exceeds the {max_bytes}-byte limit")
                )
                continue
            out.append(RawFile(rel, size, _hash(path)))
        except OSError as exc:
            out.append(RawFile(rel, 0, None, UNREADABLE, f"{type(exc).__name__}: {exc.strerror or exc}"))
    return out
