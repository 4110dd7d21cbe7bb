"""The portal's production settings with STATIC_ROOT taken from BENCH_STATIC_ROOT, so that bench/pages.py can
collect static files into a temporary folder instead of the project's own staticfiles/."""

from __future__ import annotations

import os

from portal.settings import *  # noqa: F403

STATIC_ROOT = os.environ["BENCH_STATIC_ROOT"]
