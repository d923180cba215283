"""The ``dbt`` that dagster-dbt runs when a warm dbt process is waiting (``dbt_warm``).

This file is also the body of the executable that ``dbt_warm`` writes (its first lines name the
socket and the real dbt), so it uses the standard library only and runs under ``python -I -S``.

It hands its arguments, working folder, environment and standard streams to the warm process, which
forks a child that runs them with dbt already imported, and exits with that child's exit status. A
signal it receives (dagster-dbt sends SIGINT to stop a run) goes to the child. When no warm process
answers, nothing has run yet and it becomes the real dbt (``exec``), exactly as without it.
"""

import contextlib
import json
import os
import signal
import socket
import struct
import sys

SOCKET = ""  # set by the generated executable
REAL_DBT = ""  # set by the generated executable
HEADER = struct.Struct("!Q")  # the request's length
STARTED = struct.Struct("!cq")  # b"R" and the pid of the child that runs dbt
STATUS = struct.Struct("!i")  # the child's exit status


def _recv_exactly(conn: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = conn.recv(size - len(data))
        if not chunk:
            break
        data += chunk
    return data


def _exec_real(argv: list[str]) -> None:
    os.execv(REAL_DBT, [REAL_DBT, *argv])


def main(argv: list[str]) -> int:
    child = 0
    early: list[int] = []  # signals that came before the child was known

    def forward(signum, _frame):
        if not child:
            early.append(signum)
            return
        with contextlib.suppress(ProcessLookupError):
            os.kill(child, signum)

    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, forward)
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        conn.connect(SOCKET)
        request = json.dumps({"argv": argv, "cwd": os.getcwd(), "env": dict(os.environ)}).encode()
        socket.send_fds(conn, [HEADER.pack(len(request))], [0, 1, 2])
        conn.sendall(request)
        started = _recv_exactly(conn, STARTED.size)
    except OSError:
        started = b""
    if len(started) != STARTED.size:  # no warm process took the command: nothing ran
        conn.close()
        _exec_real(argv)
    _, child = STARTED.unpack(started)
    for signum in early:
        forward(signum, None)
    status = _recv_exactly(conn, STATUS.size)
    if len(status) != STATUS.size:
        sys.stderr.write("govreport: the warm dbt process stopped before dbt finished\n")
        return 2
    (code,) = STATUS.unpack(status)
    return code if code >= 0 else 128 - code  # killed by a signal: as a shell reports it


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
