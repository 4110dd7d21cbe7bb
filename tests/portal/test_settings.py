"""Settings come from the environment: with none, the embedded default; in production mode (DEBUG=0), a loud
failure when something needed is missing, and Django's deployment checks pass when it is all there.

Each test starts `manage.py` in a fresh process, since settings are read once at start."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

from django.conf import settings

REPO = Path(settings.BASE_DIR)
# Every variable portal/settings.py reads, so that the developer's or CI's environment cannot leak in.
STRIPPED_VARIABLES = {
    "DEBUG",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "CSRF_TRUSTED_ORIGINS",
    "SITE_URL",
    "DATABASE_URL",
    "CONN_MAX_AGE",
    "REDIS_URL",
    "CELERY_TASK_ALWAYS_EAGER",
    "MEDIA_ROOT",
    "PRIVATE_MEDIA_ROOT",
    "EMAIL_URL",
    "DEFAULT_FROM_EMAIL",
    "API_ANON_RATE",
    "API_USER_RATE",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "LOG_LEVEL",
    # The browser tests set this in the test process; Django's deployment checks rightly warn about it.
    "DJANGO_ALLOW_ASYNC_UNSAFE",
}
PRINT_SETTINGS = """
import json
from django.conf import settings
print(json.dumps({
    "engine": settings.DATABASES["default"]["ENGINE"],
    "cache": settings.CACHES["default"]["BACKEND"],
    "eager": settings.CELERY_TASK_ALWAYS_EAGER,
    "broker": settings.CELERY_BROKER_URL,
    "debug": settings.DEBUG,
}))
"""


def manage(*args: str, **environment: str) -> subprocess.CompletedProcess[str]:
    env = {name: value for name, value in os.environ.items() if name not in STRIPPED_VARIABLES}
    env.update(environment)
    return subprocess.run(  # noqa: S603 - our own interpreter and manage.py, fixed arguments
        [sys.executable, "manage.py", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def production_key() -> str:
    return secrets.token_urlsafe(64)


def test_check_passes_with_no_environment() -> None:
    result = manage("check")

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_no_environment_means_embedded_default() -> None:
    result = manage("shell", "-c", PRINT_SETTINGS)

    assert result.returncode == 0, result.stderr
    embedded = json.loads(result.stdout.strip().splitlines()[-1])
    assert embedded == {
        "engine": "django.db.backends.sqlite3",
        "cache": "django.core.cache.backends.locmem.LocMemCache",
        "eager": True,
        "broker": "memory://",
        "debug": True,
    }


def test_redis_url_makes_redis_the_cache_and_broker() -> None:
    result = manage("shell", "-c", PRINT_SETTINGS, REDIS_URL="redis://127.0.0.1:6379/3")

    assert result.returncode == 0, result.stderr
    shape = json.loads(result.stdout.strip().splitlines()[-1])
    assert shape["cache"] == "portal.rediscache.RedisCache"
    assert shape["broker"] == "redis://127.0.0.1:6379/3"
    assert shape["eager"] is False


def test_production_mode_without_secret_key_fails_loudly() -> None:
    result = manage("check", DEBUG="0", ALLOWED_HOSTS="portal.example.org")

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY" in result.stderr


def test_production_mode_with_short_secret_key_fails_loudly() -> None:
    result = manage("check", DEBUG="0", SECRET_KEY="too-short", ALLOWED_HOSTS="portal.example.org")

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY" in result.stderr


def test_production_mode_without_allowed_hosts_fails_loudly() -> None:
    result = manage("check", DEBUG="0", SECRET_KEY=production_key())

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "ALLOWED_HOSTS" in result.stderr


def test_production_mode_passes_deployment_checks() -> None:
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="0",
        SECRET_KEY=production_key(),
        ALLOWED_HOSTS="portal.example.org",
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
