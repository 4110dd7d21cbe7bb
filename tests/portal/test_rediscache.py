"""The Redis cache keeps one redis-py client per connection pool (portal/rediscache.py) and behaves as Django's."""

from __future__ import annotations

import os

import pytest

from portal.rediscache import RedisCache

pytestmark = pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs Redis (CI sets REDIS_URL)")


def test_it_stores_reads_and_deletes_through_one_client() -> None:
    cache = RedisCache(os.environ["REDIS_URL"], {"KEY_PREFIX": "test-rediscache"})

    cache.set("figures", {"organizations": 3}, 30)
    added_again = cache.add("figures", "other", 30)
    read = cache.get("figures")
    cache.delete("figures")

    assert read == {"organizations": 3} and not added_again
    assert cache.get("figures") is None
    assert cache._cache.get_client() is cache._cache.get_client(write=True)
