"""Liveness (the process answers) and readiness (the database answers and every migration is applied)."""

from __future__ import annotations

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, JsonResponse


def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


def readyz(request: HttpRequest) -> JsonResponse:
    connection = connections[DEFAULT_DB_ALIAS]
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        executor = MigrationExecutor(connection)
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except Exception as exc:  # any database failure means "not ready", never a 500
        return JsonResponse(
            {"status": "unavailable", "database": "unreachable", "detail": type(exc).__name__}, status=503
        )
    if pending:
        return JsonResponse(
            {
                "status": "unavailable",
                "database": "ok",
                "pending_migrations": [f"{m.app_label}.{m.name}" for m, _ in pending],
            },
            status=503,
        )
    return JsonResponse({"status": "ok", "database": "ok", "vendor": connection.vendor})
