"""Discover the files under raw/: one entry per directory entry, with its hash or a quarantine reason.

A real download folder holds anything: names that are not UTF-8 (what ``unzip`` leaves for an archive
made on a Chinese Windows machine), control characters, very long names, folders nested past
``PATH_MAX``, FIFOs, sockets, devices, symlinks in and out. Discovery walks with directory file
descriptors (``openat``), so no path length limit applies, never follows a symlink out of raw/, never
opens a FIFO in blocking mode, and accounts for every entry: a loadable file (with its sha256) or a
quarantine reason. Paths are kept as the bytes the file system holds (lossless) plus a readable form.
"""

from __future__ import annotations

import hashlib
import os
import stat
import struct
import time
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path

# Reasons decided before the parser sees the bytes (docs/operations.md lists them all).
UNREADABLE = "unreadable"
OVERSIZED = "oversized"
SYMLINK_OUTSIDE = "symlink_outside_raw"
EMPTY = "empty"
NOT_A_REGULAR_FILE = "not_a_regular_file"
CHANGED = "changed_during_refresh"

# How a path's bytes were made readable (raw.reports.file_name_decoding), from most to least faithful.
UTF8 = "utf-8"  # the bytes are UTF-8: the readable form is the name itself
GB18030 = "gb18030"  # not UTF-8, but decodes cleanly as GB18030/GBK: a guess, flagged
ESCAPED = "escaped"  # neither: the bytes that are not UTF-8 are shown as \xNN
_DECODING_RANK = {UTF8: 0, GB18030: 1, ESCAPED: 2}

_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
# O_NONBLOCK: opening a FIFO must not wait for a writer; O_NOFOLLOW: never a symlink swapped in.
_FILE_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC
_KINDS = {
    stat.S_IFIFO: "a FIFO (named pipe)",
    stat.S_IFSOCK: "a socket",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
    stat.S_IFDIR: "a directory",
}


class NotRegularFile(OSError):
    """The path names something other than a regular file (FIFO, socket, device, directory)."""


@dataclass(frozen=True, slots=True)
class RawFile:
    """One directory entry under raw/ (slots: a refresh holds one per file, 100,000 and more)."""

    relpath: str  # relative to raw/, '/'-separated, as Python decodes it (non-UTF-8 bytes: surrogates)
    size: int
    sha256: str | None  # None when the entry is not read (quarantined during discovery)
    reason: str | None = None  # quarantine reason found during discovery
    message: str | None = None
    target: str | None = None  # a symlink inside raw/: the file it resolves to, relative to raw/
    stat_key: bytes | None = None  # pack_stat_key(dev, inode, size, mtime_ns, ctime_ns) when hashed
    hashed_at: int | None = None  # time.time_ns() when its bytes were hashed (maybe a past refresh)
    hashed_now: bool = False  # False: the hash came from the cache (hash_cache.py), not a read

    @property
    def path_bytes(self) -> bytes:
        """The path exactly as the file system holds it (lossless)."""
        return os.fsencode(self.relpath)

    @property
    def open_path(self) -> bytes:
        """What to open (relative to raw/): the resolved target of a symlink, else the entry itself."""
        return os.fsencode(self.target if self.target is not None else self.relpath)

    @property
    def display(self) -> str:
        return readable_path(self.path_bytes)[0]

    @property
    def decoding(self) -> str:
        return readable_path(self.path_bytes)[1]

    @property
    def name(self) -> str:
        """Readable base name."""
        return self.display.rsplit("/", 1)[-1]


def _clean_guess(text: str) -> bool:
    """A GB18030 decoding worth showing: printable, no private-use or unassigned characters, and at
    least one CJK ideograph (random bytes often decode as GB18030 too)."""
    if not text.isprintable():
        return False
    if any(unicodedata.category(ch) in ("Co", "Cn", "Cs") for ch in text):
        return False
    return any("\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff" for ch in text)


def readable_component(raw: bytes) -> tuple[str, str]:
    try:
        return raw.decode("utf-8"), UTF8
    except UnicodeDecodeError:
        pass
    try:
        text = raw.decode("gb18030")
    except UnicodeDecodeError:
        text = None
    if text is not None and _clean_guess(text):
        return text, GB18030
    return raw.decode("utf-8", "backslashreplace"), ESCAPED


def readable_path(raw: bytes) -> tuple[str, str]:
    """A readable form of a path's bytes, and how it was made (``utf-8``, ``gb18030``, ``escaped``).

    Each component is decoded on its own: a GBK name inside a UTF-8 folder reads as both.
    The readable form may be ambiguous (a UTF-8 name can contain a literal ``\\xff``): the bytes are
    the lossless key.
    """
    parts, how = [], UTF8
    for component in raw.split(b"/"):
        text, decoding = readable_component(component)
        parts.append(text)
        if _DECODING_RANK[decoding] > _DECODING_RANK[how]:
            how = decoding
    return "/".join(parts), how


def least_faithful(decodings: list[str]) -> str:
    return max(decodings, key=_DECODING_RANK.__getitem__, default=UTF8)


def printable(text: str) -> str:
    """``text`` with control characters (newlines, tabs, escapes) shown as ``\\n``, ``\\x1b``."""
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in text)


def open_under(root: Path | str | bytes, rel: bytes) -> int:
    """Open the regular file ``rel`` under ``root`` for reading, one component at a time.

    No path length limit applies (each step is an ``openat``); no component may be a symlink
    (symlinks are resolved during discovery); a FIFO is never waited on. Raises ``OSError``
    (``NotRegularFile`` when the entry is not a regular file). Returns a file descriptor.
    """
    fd = os.open(os.fsencode(root), _DIR_FLAGS)
    try:
        parts = [p for p in rel.split(b"/") if p]
        if not parts:
            raise NotRegularFile(f"{root!r} is a directory")
        for part in parts[:-1]:
            nxt = os.open(part, _DIR_FLAGS, dir_fd=fd)
            os.close(fd)
            fd = nxt
        file_fd = os.open(parts[-1], _FILE_FLAGS, dir_fd=fd)
    finally:
        os.close(fd)
    try:
        st = os.fstat(file_fd)
        if not stat.S_ISREG(st.st_mode):
            raise NotRegularFile(f"not a regular file: {_KINDS.get(stat.S_IFMT(st.st_mode), 'special')}")
        os.set_blocking(file_fd, True)
    except BaseException:
        os.close(file_fd)
        raise
    return file_fd


def read_limited(fd: int, limit: int) -> bytes:
    """Read at most ``limit + 1`` bytes from ``fd`` (so a file that grew past ``limit`` shows it)."""
    chunks, total = [], 0
    while total <= limit:
        block = os.read(fd, min(1 << 20, limit + 1 - total))
        if not block:
            break
        chunks.append(block)
        total += len(block)
    return b"".join(chunks)


def _hash_fd(fd: int) -> str:
    digest = hashlib.sha256()
    while block := os.read(fd, 1 << 20):
        digest.update(block)
    return digest.hexdigest()


def _error(exc: OSError) -> str:
    return f"{type(exc).__name__}: {exc.strerror or exc}"


@dataclass(frozen=True)
class Entry:
    """One directory entry seen by the walk (not yet classified)."""

    rel: bytes  # path relative to raw/
    dir_fd: int  # open descriptor of its directory (valid while the walk is at this entry)
    name: bytes
    lstat: os.stat_result | None  # None when the entry could not be stat'ed
    error: OSError | None = None


def walk(raw_dir: Path) -> Iterator[Entry]:
    """Every visible entry under ``raw_dir`` except directories, in a stable order: a folder's entries
    sorted by name bytes, its files before its subfolders (like ``os.walk``).

    Directories are descended, never through a symlink; names starting with ``.`` (``.gitkeep``,
    editor swap files, hidden folders) are skipped. A directory that cannot be listed is yielded as an
    entry with its error, so it is accounted for. Entries that vanish while walking are skipped.
    """
    try:
        root = os.open(os.fsencode(raw_dir), _DIR_FLAGS)
    except OSError as exc:
        raise OSError(exc.errno, f"cannot open the raw folder {raw_dir} (GOVREPORT_RAW)") from exc
    # One frame per open directory: (its path with a trailing '/', its fd, the subfolders left).
    stack: list[tuple[bytes, int, Iterator[bytes]]] = []
    try:
        subdirs = yield from _list(b"", root)
        stack.append((b"", root, iter(subdirs)))
        while stack:
            prefix, fd, pending = stack[-1]
            name = next(pending, None)
            if name is None:
                stack.pop()
                if fd != root:
                    os.close(fd)
                continue
            try:
                child = os.open(name, _DIR_FLAGS, dir_fd=fd)
            except FileNotFoundError:
                continue  # removed while walking: no longer an entry of raw/
            except OSError as exc:
                yield Entry(prefix + name, fd, name, None, exc)
                continue
            try:
                subdirs = yield from _list(prefix + name + b"/", child)
            except BaseException:
                os.close(child)
                raise
            stack.append((prefix + name + b"/", child, iter(subdirs)))
    finally:
        for _, fd, _ in stack:
            if fd != root:
                os.close(fd)
        os.close(root)


def _list(prefix: bytes, fd: int):
    """Yield the non-directory entries of the directory ``fd``; return its subfolder names."""
    try:
        names = sorted(os.fsencode(n) for n in os.listdir(fd))
    except OSError as exc:
        if not prefix:
            raise  # raw/ itself cannot be listed: nothing can be accounted for
        yield Entry(prefix.rstrip(b"/"), fd, b"", None, exc)
        return []
    subdirs = []
    for name in names:
        if name.startswith(b"."):
            continue
        try:
            st = os.stat(name, dir_fd=fd, follow_symlinks=False)
        except FileNotFoundError:
            continue
        except OSError as exc:
            yield Entry(prefix + name, fd, name, None, exc)
            continue
        if stat.S_ISDIR(st.st_mode):
            subdirs.append(name)
        else:
            yield Entry(prefix + name, fd, name, st)
    return subdirs


def _resolve_link(raw_real: bytes, entry: Entry) -> tuple[bytes | None, bytes]:
    """(the link's target relative to raw/ or None when outside, the absolute resolved target)."""
    target = os.readlink(entry.name, dir_fd=entry.dir_fd)
    parent = os.path.dirname(entry.rel)
    resolved = os.path.realpath(os.path.join(raw_real, parent, target))
    if resolved == raw_real or resolved.startswith(raw_real + b"/"):
        return resolved[len(raw_real) + 1 :], resolved
    return None, resolved


# A cached hash is trusted only for a file whose status last changed this long before it was hashed:
# a change within the same timestamp tick as the hashing could leave every stat field equal
# ("racily clean", as git calls it). See hash_cache.py.
RACY_NS = 2_000_000_000


# A file's stat key as one bytes object: a refresh holds one per file, and five Python ints in a
# tuple took 236 bytes of the ~880 each file cost the load at 100,000 files (this: 73).
_STAT_KEY = struct.Struct("<QQqqq")  # dev, inode, size, mtime_ns, ctime_ns


def pack_stat_key(dev: int, ino: int, size: int, mtime_ns: int, ctime_ns: int) -> bytes:
    return _STAT_KEY.pack(dev, ino, size, mtime_ns, ctime_ns)


def unpack_stat_key(key: bytes) -> tuple[int, int, int, int, int]:
    """(dev, inode, size, mtime_ns, ctime_ns)."""
    return _STAT_KEY.unpack(key)


def stat_key(st: os.stat_result) -> bytes:
    return pack_stat_key(st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


def trusted(key: bytes, cached: tuple | None) -> str | None:
    """The cached sha256 when ``cached`` = (stat key, hashed_at, sha256) still describes the file."""
    if cached is None:
        return None
    old_key, hashed_at, sha = cached
    if old_key != key or unpack_stat_key(key)[4] >= hashed_at - RACY_NS:
        return None
    return sha


def discover(raw_dir: Path, max_bytes: int, known: Mapping[bytes, tuple] | None = None) -> list[RawFile]:
    """Every visible entry under ``raw_dir``, hashed (streamed) or with a quarantine reason.

    ``known`` maps a path's bytes to (stat key, hashed_at, sha256) from an earlier refresh: a regular
    file whose device, inode, size, mtime and ctime are all unchanged keeps its hash unread.
    """
    known = known or {}
    raw_dir = raw_dir.resolve()
    raw_real = os.fsencode(raw_dir)
    out: list[RawFile] = []
    for entry in walk(raw_dir):
        rel = os.fsdecode(entry.rel)
        if entry.lstat is None:
            assert entry.error is not None
            out.append(RawFile(rel, 0, None, UNREADABLE, _error(entry.error)))
            continue
        mode = entry.lstat.st_mode
        target: bytes | None = None
        st = entry.lstat
        if stat.S_ISLNK(mode):
            try:
                target, resolved = _resolve_link(raw_real, entry)
            except OSError as exc:
                out.append(RawFile(rel, 0, None, UNREADABLE, f"symlink: {_error(exc)}"))
                continue
            # Inside raw/ the target is shown relative to it (messages do not depend on where raw/ is).
            shown = printable(readable_path(resolved if target is None else b"raw/" + target)[0])
            if target is None:
                out.append(
                    RawFile(rel, 0, None, SYMLINK_OUTSIDE, f"symlink to {shown} (outside raw/) not followed")
                )
                continue
            try:
                st = os.stat(resolved)
            except FileNotFoundError:
                out.append(RawFile(rel, 0, None, UNREADABLE, f"dangling symlink: {shown} does not exist"))
                continue
            except OSError as exc:
                out.append(RawFile(rel, 0, None, UNREADABLE, f"symlink to {shown}: {_error(exc)}"))
                continue
            mode = st.st_mode
            if stat.S_ISDIR(mode):
                message = f"symlink to the folder {shown}: its files are listed under their own paths"
                out.append(RawFile(rel, 0, None, NOT_A_REGULAR_FILE, message))
                continue
        if not stat.S_ISREG(mode):
            kind = _KINDS.get(stat.S_IFMT(mode), "a special file")
            out.append(RawFile(rel, 0, None, NOT_A_REGULAR_FILE, f"{kind}, not a regular file; never read"))
            continue
        size = st.st_size
        if size == 0:
            out.append(RawFile(rel, 0, None, EMPTY, "zero-byte file"))
            continue
        if size > max_bytes:
            message = f"{size} bytes exceeds the {max_bytes}-byte limit"
            out.append(RawFile(rel, size, None, OVERSIZED, message))
            continue
        key = stat_key(st)
        sha = trusted(key, known.get(entry.rel))
        link = os.fsdecode(target) if target is not None else None
        if sha is not None:
            out.append(RawFile(rel, size, sha, target=link, stat_key=key, hashed_at=known[entry.rel][1]))
            continue
        open_rel = target if target is not None else entry.rel
        hashed_at = time.time_ns()
        try:
            fd = open_under(raw_dir, open_rel)
        except FileNotFoundError:
            continue  # removed while walking
        except OSError as exc:
            out.append(RawFile(rel, size, None, UNREADABLE, _error(exc)))
            continue
        try:
            now = os.fstat(fd)  # what was opened: the cache keeps the stat of the bytes hashed
            digest = _hash_fd(fd)
        except OSError as exc:
            out.append(RawFile(rel, size, None, UNREADABLE, _error(exc)))
            continue
        finally:
            os.close(fd)
        fresh = RawFile(rel, size, digest, target=link, stat_key=stat_key(now), hashed_at=hashed_at)
        out.append(replace(fresh, hashed_now=True))
    return out


def fingerprint_entries(raw_dir: Path) -> Iterator[bytes]:
    """One line per entry (path bytes, type, size, mtime) without reading any file: for the sensor."""
    for entry in walk(raw_dir):
        st = entry.lstat
        if st is None:
            yield entry.rel + b"\0error\n"
        else:
            yield entry.rel + f"\0{stat.S_IFMT(st.st_mode)}\0{st.st_size}\0{st.st_mtime_ns}\n".encode()
