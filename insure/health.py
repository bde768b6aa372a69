"""Liveness and readiness probes for load balancers and orchestrators."""

from __future__ import annotations

import anyio
import msgspec
from litestar import Controller, Request, Response, get

from insure import db
from insure.openapi import problems
from insure.web.problems import problem


class Health(msgspec.Struct):
    status: str


class Readiness(msgspec.Struct):
    status: str
    database: str
    broker: str
    database_engine: str  # "sqlite" or "postgres": which kind of database this process is really using


def _broker_ping() -> None:
    from insure.worker import celery_app

    with celery_app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)


class HealthController(Controller):
    tags = ["operations"]

    @get("/health", summary="Liveness: the process answers")
    async def health(self) -> Health:
        return Health(status="ok")

    @get(
        "/ready",
        responses=problems(503),
        summary="Readiness: database and broker reachable",
        description="200 when both answer; 503 problem details naming the failing part (`database` or `broker`).",
    )
    async def ready(self, request: Request) -> Response[Readiness]:
        failing = []
        try:
            with anyio.fail_after(3):
                await db.ping()
        except Exception:
            failing.append("database")
        try:
            await anyio.to_thread.run_sync(_broker_ping)
        except Exception:
            failing.append("broker")
        if failing:
            return problem(
                request,
                503,
                "not_ready",
                "Not ready",
                f"unreachable: {', '.join(failing)}",
                [{"field": part, "code": "unreachable", "message": f"{part} is unreachable"} for part in failing],
            )
        return Response(Readiness(status="ready", database="ok", broker="ok", database_engine=db.engine().engine_type))
