"""The state replicas on several machines share: `--state redis://HOST:PORT/DB`.

Keys, under `ndt-customer:<dataset>:` (overlay.namespace: replicas serving the same dataset
share one state; another dataset on the same database keeps its own):
    ver      "epoch:seq:added" (overlay.Version), bumped by every write and reset
    rows     hash id -> b"seq:ordinal:" + the profile's bytes (nothing after: deleted)
    log      sorted set of ids by the seq that last changed them (what a pull reads)
    tokens   hash token -> "seq:id";  tlog: sorted set of tokens by seq
    journal  list of entries, newest last, trimmed to the journal's size

A pull runs as one Lua script (a consistent snapshot); a write WATCHes `ver`, pulls, lets the
store decide and commits in MULTI, retrying when another replica wrote in between; a reset is
one script. The per-request check is one GET of `ver`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

import redis
from redis.exceptions import RedisError, WatchError

from mock_server.overlay import (
    Change,
    Decide,
    Entry,
    Pulled,
    SharedState,
    StateError,
    Version,
    decode_entry,
    describe,
    encode_entry,
)
from mock_server.problems import ApiProblem

log = logging.getLogger("ndt.mock")
T = TypeVar("T")
TIMEOUT_SECONDS = 5.0

PULL = """
local ver = redis.call('GET', KEYS[1]) or '0:0:0'
local epoch = string.match(ver, '^(%d+):')
local since = ARGV[2]
if epoch ~= ARGV[1] then since = '-1' end
local function latest(zset, hash)
  local names = redis.call('ZRANGEBYSCORE', zset, '(' .. since, '+inf')
  local values = {}
  for i = 1, #names, 500 do
    local part = redis.call('HMGET', hash, unpack(names, i, math.min(i + 499, #names)))
    for _, v in ipairs(part) do values[#values + 1] = v end
  end
  return {names, values}
end
local rows = latest(KEYS[3], KEYS[2])
local tokens = latest(KEYS[5], KEYS[4])
return {ver, rows[1], rows[2], tokens[1], tokens[2]}
"""
RESET = """
local ver = redis.call('GET', KEYS[1]) or '0:0:0'
local epoch, seq = string.match(ver, '^(%d+):(%d+):')
redis.call('DEL', KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6])
local new = (tonumber(epoch) + 1) .. ':' .. (tonumber(seq) + 1) .. ':0'
redis.call('SET', KEYS[1], new)
return new
"""
JOURNAL = """
local ver = redis.call('GET', KEYS[1]) or '0:0:0'
if string.match(ver, '^(%d+):') ~= ARGV[1] then return 0 end
redis.call('RPUSH', KEYS[2], unpack(ARGV, 3))
redis.call('LTRIM', KEYS[2], -tonumber(ARGV[2]), -1)
return 1
"""


class RedisState(SharedState):
    buffered_journal = True

    def __init__(self, url: str, space: str) -> None:
        self.where = describe(url)
        self.kind = f"shared through {self.where}"
        try:
            self._redis = redis.Redis.from_url(
                url, socket_timeout=TIMEOUT_SECONDS, socket_connect_timeout=TIMEOUT_SECONDS
            )
            self._redis.ping()
        except (RedisError, ValueError) as exc:
            raise StateError(f"cannot reach the shared state at {self.where}: {exc}") from None
        prefix = f"ndt-customer:{space}:"
        self._ver, self._rows, self._log = prefix + "ver", prefix + "rows", prefix + "log"
        self._tokens, self._tlog = prefix + "tokens", prefix + "tlog"
        self._journal = prefix + "journal"
        self._pull_script = self._redis.register_script(PULL)
        self._reset_script = self._redis.register_script(RESET)
        self._journal_script = self._redis.register_script(JOURNAL)

    def _call(self, action: Callable[[], T]) -> T:
        """A Redis error mid-run is the contract's 500 unavailable, never a traceback."""
        try:
            return action()
        except WatchError:
            raise
        except RedisError as exc:
            log.warning("shared state at %s: %s", self.where, exc)
            raise ApiProblem(
                500, f"The mock's shared state ({self.where}) is unavailable; try again later."
            ) from None

    def maybe_changed(self, seen: Version) -> bool:
        now = self._call(lambda: self._redis.get(self._ver))
        return Version.parse(now) != seen

    def pull(self, seen: Version) -> Pulled:
        return self._call(lambda: self._pull(seen))

    def _pull(self, seen: Version) -> Pulled:
        keys = [self._ver, self._rows, self._log, self._tokens, self._tlog]
        answer: list[Any] = self._pull_script(keys=keys, args=[seen.epoch, seen.seq])
        ver, ids, rows, token_names, owners = answer
        version = Version.parse(ver)
        changes = []
        for customer_id, row in zip(ids, rows, strict=True):
            _seq, ordinal, raw = bytes(row).split(b":", 2)
            changes.append(Change(customer_id.decode(), int(ordinal), raw or None))
        tokens = [
            (token.decode(), bytes(owner).split(b":", 1)[1].decode())
            for token, owner in zip(token_names, owners, strict=True)
        ]
        return Pulled(version, version.epoch != seen.epoch, changes, tokens)

    def write(self, seen: Version, decide: Decide) -> Version | None:
        while True:
            try:
                return self._call(lambda: self._try_write(seen, decide))
            except WatchError:  # another replica wrote after our pull: pull and decide again
                continue

    def _try_write(self, seen: Version, decide: Decide) -> Version | None:
        with self._redis.pipeline() as pipe:
            pipe.watch(self._ver)  # type: ignore[no-untyped-call]
            pulled = self._pull(seen)
            decided = decide(pulled)
            if decided is None:
                pipe.unwatch()
                return None
            old = pulled.version
            version = Version(old.epoch, old.seq + 1, decided.added)
            pipe.multi()
            for change in decided.changes:
                head = f"{version.seq}:{change.ordinal}:".encode()
                pipe.hset(self._rows, change.id, head + (change.raw or b""))
                pipe.zadd(self._log, {change.id: version.seq})
            for token, owner in decided.tokens:
                pipe.hset(self._tokens, token, f"{version.seq}:{owner}")
                pipe.zadd(self._tlog, {token: version.seq})
            pipe.set(self._ver, version.text())
            pipe.execute()
            return version

    def reset(self) -> Version:
        keys = [self._ver, self._rows, self._log, self._tokens, self._tlog, self._journal]
        return Version.parse(self._call(lambda: self._reset_script(keys=keys)))

    def journal_append(self, epoch: int, entries: list[Entry], keep: int) -> None:
        if not entries:
            return
        args: list[Any] = [epoch, keep, *(encode_entry(e) for e in entries)]
        self._call(lambda: self._journal_script(keys=[self._ver, self._journal], args=args))

    def journal_recent(self, limit: int) -> list[Entry]:
        raw = self._call(lambda: self._redis.lrange(self._journal, -limit, -1))
        return [decode_entry(item if isinstance(item, bytes) else item.encode()) for item in raw]

    def close(self) -> None:
        self._redis.close()
