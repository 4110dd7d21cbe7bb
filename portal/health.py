"""What /healthz reports: the database, Redis (when configured) and whether migrations are applied."""

from __future__ import annotations

import redis
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor

OK = "ok"


def check_database() -> str:
    try:
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # noqa: BLE001 - any failure means unhealthy; say which
        return f"error: {exc.__class__.__name__}"
    return OK


def check_migrations() -> str:
    try:
        connection = connections[DEFAULT_DB_ALIAS]
        executor = MigrationExecutor(connection)
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except Exception as exc:  # noqa: BLE001
        return f"error: {exc.__class__.__name__}"
    return OK if not plan else f"pending: {len(plan)}"


def check_redis() -> str:
    if not settings.REDIS_URL:
        return "not configured"
    try:
        client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=2)
        client.ping()
    except redis.RedisError as exc:
        return f"error: {exc.__class__.__name__}"
    return OK


def health_report() -> tuple[bool, dict[str, str]]:
    """Return whether the portal is healthy and the state of each part."""
    report = {"database": check_database(), "redis": check_redis()}
    report["migrations"] = check_migrations() if report["database"] == OK else "unknown"
    healthy = all(value in (OK, "not configured") for value in report.values())
    return healthy, report
