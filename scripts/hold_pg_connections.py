#!/usr/bin/env python3
"""Hold N idle PostgreSQL connections for SECONDS (or until SIGTERM/SIGINT): a busy server for CI.

    scripts/hold_pg_connections.py 60 3600 [--url postgres://postgres@127.0.0.1:5432/postgres] [--ready-file F]

`.ci/run` runs the PostgreSQL phase of the suite with 60 of the server's connections taken this way, so every
run proves that Insure's pools (DB_POOL_MIN/DB_POOL_MAX) fit beside other clients. The connections show in
pg_stat_activity with application_name ``hold_pg_connections``. Exits 1 if it cannot open all N.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import asyncpg  # noqa: E402

from insure.db import postgres_config  # noqa: E402

APPLICATION_NAME = "hold_pg_connections"


async def hold(count: int, seconds: float, url: str, ready_file: Path | None) -> int:
    config = postgres_config(url)
    connections: list[asyncpg.Connection] = []
    try:
        for _ in range(count):
            connections.append(await asyncpg.connect(**config, server_settings={"application_name": APPLICATION_NAME}))
    except Exception as exc:
        print(f"hold_pg_connections: opened {len(connections)} of {count}: {exc}", file=sys.stderr)
        for conn in connections:
            await conn.close()
        return 1
    print(f"hold_pg_connections: holding {count} connections for {seconds:g} s", flush=True)
    if ready_file:
        ready_file.write_text(f"{count}\n")
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    # sample the server's connection count on one held connection, to report the peak at the end
    peak = 0
    deadline = loop.time() + seconds
    while not stop.is_set() and loop.time() < deadline:
        with contextlib.suppress(Exception):
            peak = max(
                peak,
                await connections[0].fetchval(
                    "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'"
                ),
            )
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=min(0.5, max(0.0, deadline - loop.time())))
    limit = await connections[0].fetchval("SHOW max_connections")
    print(
        f"hold_pg_connections: peak {peak} client connections on the server (max_connections {limit}), "
        f"{count} of them held here, so at most {peak - count} by everything else",
        flush=True,
    )
    for conn in connections:
        with contextlib.suppress(Exception):
            await conn.close()
    print("hold_pg_connections: released", flush=True)
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("count", type=int, help="connections to open and keep idle")
    parser.add_argument("seconds", type=float, help="how long to hold them (SIGTERM ends sooner)")
    parser.add_argument("--url", default="postgres://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--ready-file", type=Path, help="written once all connections are open")
    args = parser.parse_args()
    return asyncio.run(hold(args.count, args.seconds, args.url, args.ready_file))


if __name__ == "__main__":
    sys.exit(main())
