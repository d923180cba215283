"""A dbt process started before its command, so that dbt's imports overlap the steps before dbt's.

dagster-dbt runs every dbt command as a new process, which spends about 1.5 s importing dbt before it
reads the project; in a one-report refresh that is time on the path to the published copy. A run
starts ``WarmDbt`` when it sets up its dbt resource: a process that imports dbt at once (while the
load and the analysis steps run) and then waits on a Unix socket. dagster-dbt is given a small
executable in place of ``dbt`` (``dbt_warm_client``); it passes its arguments, environment, working
folder and standard streams to the warm process, which forks a child that runs exactly that dbt
command (``dbt.cli.main``, what the ``dbt`` script runs) and reports the child's exit status once
the child has exited, so the DuckDB file is closed before the client ends. Signals to the client go to
the child. When the warm process is not there, the client becomes the real dbt (``exec``).

One warm process serves one command. This module imports no Dagster.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import traceback
from dataclasses import dataclass
from pathlib import Path

from dagster_project import dbt_warm_client as client

MODULE = "dagster_project.dbt_warm"
# What ``dbt build`` imports, loaded before the command arrives (the rest is ~5% of dbt's import time).
PRELOAD = ("dbt.cli.main", "dbt.task.build", "dbt.adapters.duckdb")
PARENT_POLL_S = 1.0  # how often a waiting warm process checks that the run that started it is alive
MAX_SOCKET_PATH = 100  # a Unix socket path holds 108 bytes on Linux, 104 on macOS
ENABLE_ENV = "GOVREPORT_DBT_WARM"  # "0": run dbt as dagster-dbt does, a new process per command


@dataclass
class WarmDbt:
    """One warm dbt process and the executable that hands it a command."""

    folder: Path
    executable: str  # what dagster-dbt runs in place of dbt
    process: subprocess.Popen

    @classmethod
    def start(cls, real_dbt: str, entry: str | None = None) -> WarmDbt | None:
        """Start a warm dbt process; None where it cannot work (no fork or Unix sockets, an
        interpreter path a script's first line cannot name, or ``GOVREPORT_DBT_WARM=0``).
        ``entry`` (``module:command``, a Click command) replaces dbt, for tests of the handover."""
        if os.environ.get(ENABLE_ENV, "1") == "0" or not _supported():
            return None
        python = sys.executable
        if not python or " " in python or len(python) > 120:
            return None
        folder = Path(tempfile.mkdtemp(prefix="govreport-dbt-"))
        sock = folder / "s"
        if len(str(sock)) > MAX_SOCKET_PATH:
            shutil.rmtree(folder, ignore_errors=True)
            return None
        executable = folder / "dbt"
        executable.write_text(_client_script(python, str(sock), real_dbt), encoding="utf-8")
        executable.chmod(0o700)
        # The socket listens before the process starts, so a client that comes early waits in its
        # backlog instead of finding no socket; the process holds the only copy once started.
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            listener.bind(str(sock))
            listener.listen(1)
            env = dict(os.environ, PYTHONUNBUFFERED="1")  # as dagster-dbt runs dbt: each line at once
            process = subprocess.Popen(
                [python, "-m", MODULE, str(listener.fileno()), str(os.getpid()), str(folder)]
                + ([entry] if entry else []),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                env=env,
                pass_fds=[listener.fileno()],
            )
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        finally:
            listener.close()
        return cls(folder, str(executable), process)

    def stop(self) -> None:
        """End the warm process (if it still waits) and remove its folder."""
        if self.process.poll() is None:
            self.process.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=30)
        shutil.rmtree(self.folder, ignore_errors=True)


def _supported() -> bool:
    return hasattr(os, "fork") and hasattr(socket, "AF_UNIX") and hasattr(socket, "send_fds")


def _client_script(python: str, sock: str, real_dbt: str) -> str:
    source = Path(client.__file__).read_text(encoding="utf-8")
    for name, value in (("SOCKET", sock), ("REAL_DBT", real_dbt)):
        placeholder = f'{name} = ""'
        if placeholder not in source:
            raise RuntimeError(f"{client.__file__} no longer has the line {placeholder!r}")
        source = source.replace(placeholder, f"{name} = {value!r}", 1)
    return f"#!{python} -IS\n{source}"


# --- the warm process ------------------------------------------------------------------------------


def serve(
    fd: int, parent: int, folder: Path, preload: tuple[str, ...] = PRELOAD, entry: str = "dbt.cli.main:cli"
) -> int:
    """Import dbt, run the one command that arrives on the listening socket ``fd``, and exit; or, when
    the process ``parent`` is gone (it ended without running dbt or stopping this one), remove
    ``folder`` (the socket and the client) and exit."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a Ctrl-C is for the child running dbt
    listener = socket.socket(fileno=fd)
    for name in preload:
        importlib.import_module(name)
    module, _, name = entry.partition(":")
    command = getattr(importlib.import_module(module), name)
    listener.settimeout(PARENT_POLL_S)
    while True:
        try:
            conn, _ = listener.accept()
            break
        except TimeoutError:
            if os.getppid() != parent:
                shutil.rmtree(folder, ignore_errors=True)
                return 0
    listener.close()
    conn.settimeout(None)
    request, fds = _receive(conn)
    child = os.fork()
    if child == 0:
        conn.close()  # the client sees the end of the socket only when this process is done
        _run_child(request, fds, command)  # never returns
    for fd in fds:
        os.close(fd)
    conn.sendall(client.STARTED.pack(b"R", child))
    _, status = os.waitpid(child, 0)
    # Only now, with the child gone and its files (the DuckDB database) closed, does the client end.
    conn.sendall(client.STATUS.pack(os.waitstatus_to_exitcode(status)))
    conn.close()
    return 0


def _receive(conn: socket.socket) -> tuple[dict, list[int]]:
    header, fds, _, _ = socket.recv_fds(conn, client.HEADER.size, 3)
    header += client._recv_exactly(conn, client.HEADER.size - len(header))
    (size,) = client.HEADER.unpack(header)
    return json.loads(client._recv_exactly(conn, size)), fds


def _run_child(request: dict, fds: list[int], command) -> None:
    """In the forked child: take the client's streams, folder and environment, run the command, exit
    with its status (what ``sys.exit(cli())`` of the ``dbt`` script gives)."""
    code = 1
    try:
        for target, fd in zip((0, 1, 2), fds, strict=True):
            if fd != target:
                os.dup2(fd, target)
                os.close(fd)
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        sys.argv = ["dbt", *request["argv"]]
        try:
            command.main(args=request["argv"], prog_name="dbt")
            code = 0
        except SystemExit as exc:
            if exc.code is None or isinstance(exc.code, int):
                code = exc.code or 0
            else:
                print(exc.code, file=sys.stderr)
    except BaseException:
        traceback.print_exc()
    finally:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):
                stream.flush()
        os._exit(code)


def main(argv: list[str]) -> int:
    """``python -m dagster_project.dbt_warm LISTENING_FD PARENT_PID FOLDER [ENTRY]``."""
    fd, parent, folder = int(argv[0]), int(argv[1]), Path(argv[2])
    if len(argv) > 3:
        return serve(fd, parent, folder, preload=(), entry=argv[3])
    return serve(fd, parent, folder)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
