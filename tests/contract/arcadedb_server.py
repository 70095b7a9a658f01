"""Run an ArcadeDB server with its Bolt plugin on loopback, as a child process of the tests.

    python arcadedb_server.py ROOT_DIR BOLT_PORT HTTP_PORT PASSWORD DATABASE

A JVM cannot be restarted inside one Python process, and the restart test needs a restart, so
the server lives in its own process, stopped by its PID. Prints READY when Bolt accepts.
"""

from __future__ import annotations

import contextlib
import signal
import sys
import time


def main() -> None:
    root, bolt_port, http_port, password, database = sys.argv[1:6]
    from arcadedb_embedded import ArcadeDBServer

    server = ArcadeDBServer(
        root_path=root,
        root_password=password,
        config={
            "host": "127.0.0.1",
            "http_port": int(http_port),
            "server_plugins": "Bolt:com.arcadedb.bolt.BoltProtocolPlugin",
            "bolt_port": int(bolt_port),
            "bolt_host": "127.0.0.1",
        },
    )
    server.start()
    with contextlib.suppress(Exception):  # it exists already after a restart
        server.create_database(database)
    print("READY", flush=True)
    stop = False

    def on_term(*_: object) -> None:
        nonlocal stop
        stop = True

    signal.signal(signal.SIGTERM, on_term)
    while not stop:
        time.sleep(0.2)
    server.stop()


if __name__ == "__main__":
    main()
