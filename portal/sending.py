"""The sending limit: every message the portal sends, of every kind, from every process and worker, takes a place
under one limit before it goes.

Mail providers cap what a sender sends per minute, per hour and per day, across everything it sends. The limit here
holds those caps (settings.SENDING_PER_MINUTE, SENDING_PER_HOUR, SENDING_PER_DAY, each 0 for none) as sliding
windows, and spaces messages out to SENDING_PER_SECOND, all counted together in Redis, so that campaigns, statement
outreach, notifications and account mail share them. Each message takes the next free moment (a campaign may add
its own pace, newsletters.models.Campaign.rate_limit) and is logged at that moment; a window that is full answers
with the moment a place frees up instead.

Two kinds of mail share the limit. Bulk mail (a campaign's deliveries) may fill each window only up to its cap less
SENDING_RESERVE_PERCENT of it: what is left is kept for mail a person is waiting for (a password reset, a sign-up
confirmation, an invitation, a notification), which may use the whole cap. A campaign that reaches its share waits,
and says until when; a person's mail is never held back by a campaign.

Written here rather than taken from a library: the portal needs several windows and a pace counted in one atomic
step in Redis, a share held back for one kind of mail, and the moment a place frees up; the rate-limit libraries
for Django (django-ratelimit, allauth's) answer only yes or no for one window.
"""

from __future__ import annotations

import datetime
import math
import secrets
import threading
import time
from dataclasses import dataclass
from enum import Enum
from functools import cache

import redis
from django.conf import settings
from django.utils import timezone

# The sliding windows, in seconds, and the settings that cap them.
WINDOWS = ((60, "SENDING_PER_MINUTE"), (3600, "SENDING_PER_HOUR"), (86400, "SENDING_PER_DAY"))
LOG_KEY = "portal:sending:log"
PACE_KEY = "portal:sending:pace"


class Kind(Enum):
    BULK = "bulk"  # a campaign: keeps clear of the reserve
    PERSONAL = "personal"  # account mail, invitations, notifications: may use the whole cap


class LimitReached(Exception):
    """A window is full for this kind of mail: nothing was reserved. `until` is when a place frees up."""

    def __init__(self, until: datetime.datetime) -> None:
        super().__init__(f"the sending limit is reached until {until.isoformat()}")
        self.until = until

    @property
    def seconds(self) -> float:
        return max(0.0, (self.until - timezone.now()).total_seconds())


@dataclass(frozen=True)
class Window:
    seconds: int
    cap: int  # the whole cap (0: none)

    def allowed(self, kind: Kind) -> int:
        """How many messages of `kind` the window may hold."""
        if kind is Kind.PERSONAL:
            return self.cap
        return self.cap - math.ceil(self.cap * settings.SENDING_RESERVE_PERCENT / 100)


def windows() -> list[Window]:
    return [Window(seconds, cap) for seconds, name in WINDOWS if (cap := getattr(settings, name, 0))]


# KEYS: the log of messages (a sorted set of moments), then the pace keys (the next free moment under each pace).
# ARGV: a member name unique to this message, the number of windows, each window's length and how many messages it
# may hold (all in microseconds and messages), then each pace's interval in microseconds.
# Returns {"wait", microseconds until the reserved moment} or {"full", microseconds until a place frees up}, in the
# server's clock. Integers are formatted by hand: Lua 5.1 would print them with 14 significant digits.
_RESERVE_SCRIPT = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000000 + tonumber(clock[2])
local log = KEYS[1]
local slot = now
for index = 2, #KEYS do
  local free = tonumber(redis.call('GET', KEYS[index]) or '0')
  if free > slot then slot = free end
end
local count = tonumber(ARGV[2])
local longest = 0
local full = 0
for w = 0, count - 1 do
  local length = tonumber(ARGV[3 + 2 * w])
  local allowed = tonumber(ARGV[4 + 2 * w])
  if length > longest then longest = length end
  local since = '(' .. string.format('%.0f', slot - length)
  local held = redis.call('ZCOUNT', log, since, '+inf')
  if held >= allowed then
    local free_at = slot + length
    if allowed > 0 then
      local oldest = redis.call('ZRANGEBYSCORE', log, since, '+inf', 'WITHSCORES', 'LIMIT', held - allowed, 1)
      free_at = tonumber(oldest[2]) + length
    end
    if free_at > full then full = free_at end
  end
end
if full > 0 then
  return {'full', string.format('%.0f', full - now)}
end
for index = 2, #KEYS do
  local interval = tonumber(ARGV[2 + 2 * count + index - 1])
  local ttl = math.ceil((slot - now + interval) / 1000) + 60000
  redis.call('SET', KEYS[index], string.format('%.0f', slot + interval), 'PX', string.format('%.0f', ttl))
end
if count > 0 then
  redis.call('ZADD', log, string.format('%.0f', slot), ARGV[1])
  redis.call('ZREMRANGEBYSCORE', log, '-inf', string.format('%.0f', now - longest))
  redis.call('PEXPIRE', log, string.format('%.0f', math.ceil((slot - now + longest) / 1000) + 60000))
end
return {'wait', string.format('%.0f', slot - now)}
"""


@cache
def _redis() -> redis.Redis | None:
    return redis.Redis.from_url(settings.REDIS_URL) if settings.REDIS_URL else None


class SendingLimit:
    """The limit as one sender sees it: its kind of mail and its own paces (key, messages per second) besides the
    portal's. A campaign's senders each hold one; a notification takes one for its message."""

    def __init__(self, kind: Kind, paces: list[tuple[str, float]] | None = None) -> None:
        self.kind = kind
        rates = [(PACE_KEY, float(settings.SENDING_PER_SECOND)), *(paces or [])]
        self.paces = [(key, 1 / rate) for key, rate in rates if rate]
        self.windows = windows()
        self.redis = _redis()
        limited = self.paces or self.windows
        self.script = self.redis.register_script(_RESERVE_SCRIPT) if self.redis is not None and limited else None

    def reserve(self) -> float:
        """Take the next free moment for one message; return the seconds to wait for it (0 without limits). Raises
        LimitReached, reserving nothing, when a window is full for this kind of mail."""
        if not (self.paces or self.windows):
            return 0.0
        if self.script is None:
            return _IN_PROCESS.reserve(self)
        args: list[str | int] = [secrets.token_hex(8), len(self.windows)]
        for window in self.windows:
            args += [window.seconds * 1_000_000, window.allowed(self.kind)]
        args += [round(interval * 1_000_000) for _key, interval in self.paces]
        verdict, micros = self.script(keys=[LOG_KEY, *(key for key, _interval in self.paces)], args=args)
        seconds = int(micros) / 1_000_000
        if verdict == b"full":
            raise LimitReached(timezone.now() + datetime.timedelta(seconds=seconds))
        return seconds


class _InProcess:
    """The same limit without Redis (the embedded default, where every task runs in the one process)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.log: list[float] = []
        self.free: dict[str, float] = {}

    def reserve(self, limit: SendingLimit) -> float:
        with self.lock:
            now = time.time()
            slot = max([now, *(self.free.get(key, 0.0) for key, _interval in limit.paces)])
            full = 0.0
            for window in limit.windows:
                held = sorted(moment for moment in self.log if moment > slot - window.seconds)
                allowed = window.allowed(limit.kind)
                if len(held) >= allowed:
                    free_at = held[len(held) - allowed] + window.seconds if allowed > 0 else slot + window.seconds
                    full = max(full, free_at)
            if full:
                raise LimitReached(timezone.now() + datetime.timedelta(seconds=full - now))
            for key, interval in limit.paces:
                self.free[key] = slot + interval
            if limit.windows:
                longest = max(window.seconds for window in limit.windows)
                self.log = [moment for moment in self.log if moment > now - longest] + [slot]
            return slot - now


_IN_PROCESS = _InProcess()


def take_place(kind: Kind = Kind.PERSONAL) -> None:
    """Wait for one message's place under the limit (a second or so at most, the pace's), or raise LimitReached."""
    wait = SendingLimit(kind).reserve()
    if wait > 0:
        time.sleep(wait)
