"""The state every `--workers` process of one machine shares: one SQLite file in WAL mode.

The parent creates the file fresh in the run's private temporary folder before it starts
the workers (`create`): a restart begins from the dataset, as a single process does, nothing
is left behind after the run, and two mocks on one machine never share one by accident.

WAL lets readers go on while one process writes; `PRAGMA data_version` changes when another
connection commits, and reading it touches only the WAL's shared memory, so the check each
request makes costs microseconds and no I/O. Writes take the write lock first
(`BEGIN IMMEDIATE`), read what they have not seen and decide inside that transaction.
Durability is not wanted (the overlay dies with the run): `synchronous = OFF`.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

from mock_server.overlay import (
    Change,
    Decide,
    Entry,
    Pulled,
    SharedState,
    StateError,
    Version,
    decode_entry,
    encode_entry,
)
from mock_server.problems import ApiProblem

SCHEMA = """
CREATE TABLE IF NOT EXISTS version(
    one INTEGER PRIMARY KEY CHECK (one = 1), epoch INTEGER, seq INTEGER, added INTEGER);
INSERT OR IGNORE INTO version VALUES (1, 0, 0, 0);
CREATE TABLE IF NOT EXISTS rows(id TEXT PRIMARY KEY, seq INTEGER, ordinal INTEGER, raw BLOB);
CREATE INDEX IF NOT EXISTS rows_seq ON rows(seq);
CREATE TABLE IF NOT EXISTS tokens(token TEXT PRIMARY KEY, id TEXT, seq INTEGER);
CREATE INDEX IF NOT EXISTS tokens_seq ON tokens(seq);
CREATE TABLE IF NOT EXISTS journal(n INTEGER PRIMARY KEY AUTOINCREMENT, entry BLOB);
"""
log = logging.getLogger("ndt.mock")
BUSY_MS = 10_000  # a writer waits this long for another's lock (they hold it for microseconds)


def create(path: Path) -> str:
    """A new, empty state file (any older one at `path` removed); its `--state` value."""
    for old in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        old.unlink(missing_ok=True)
    SqliteState(str(path)).close()
    return f"sqlite:{path}"


class SqliteState(SharedState):
    kind = "shared by the workers (SQLite, WAL)"
    buffered_journal = True

    def __init__(self, path: str) -> None:
        try:
            self._db = sqlite3.connect(
                path, isolation_level=None, check_same_thread=False, timeout=BUSY_MS / 1000
            )
            self._db.execute("PRAGMA journal_mode = WAL")
            self._db.execute("PRAGMA synchronous = OFF")
            self._db.executescript(SCHEMA)
        except sqlite3.Error as exc:
            raise StateError(f"{path}: cannot open the shared state ({exc})") from None
        self._lock = threading.Lock()  # one connection; admin calls may come from threads
        self._data_version = -1
        self._path = path

    @contextlib.contextmanager
    def _locked(self) -> Iterator[sqlite3.Connection]:
        """The connection, under the lock; a failing file (full disk, held lock) is the
        contract's 500 unavailable, never a traceback."""
        with self._lock:
            try:
                yield self._db
            except sqlite3.Error as exc:
                log.warning("shared state %s: %s", self._path, exc)
                raise ApiProblem(
                    500, "The mock's shared state (its SQLite file) is unavailable; try again."
                ) from None

    def maybe_changed(self, seen: Version) -> bool:
        with self._locked():
            now = int(self._db.execute("PRAGMA data_version").fetchone()[0])
        if now == self._data_version:
            return False
        self._data_version = now
        return True

    def _version(self) -> Version:
        epoch, seq, added = self._db.execute("SELECT epoch, seq, added FROM version").fetchone()
        return Version(epoch, seq, added)

    def _pull(self, seen: Version) -> Pulled:
        """Inside a transaction: one snapshot."""
        version = self._version()
        full = version.epoch != seen.epoch
        since = -1 if full else seen.seq
        if not full and since == version.seq:
            return Pulled(version, False)
        changes = [
            Change(row[0], row[1], row[2])
            for row in self._db.execute(
                "SELECT id, ordinal, raw FROM rows WHERE seq > ? ORDER BY seq", (since,)
            )
        ]
        tokens = [
            (row[0], row[1])
            for row in self._db.execute(
                "SELECT token, id FROM tokens WHERE seq > ? ORDER BY seq", (since,)
            )
        ]
        return Pulled(version, full, changes, tokens)

    def pull(self, seen: Version) -> Pulled:
        with self._locked():
            self._db.execute("BEGIN")
            try:
                return self._pull(seen)
            finally:
                self._db.execute("COMMIT")

    def write(self, seen: Version, decide: Decide) -> Version | None:
        with self._locked():
            self._db.execute("BEGIN IMMEDIATE")
            try:
                pulled = self._pull(seen)
                decided = decide(pulled)
                if decided is None:
                    self._db.execute("COMMIT")
                    return None
                old = pulled.version
                version = Version(old.epoch, old.seq + 1, decided.added)
                self._db.executemany(
                    "INSERT OR REPLACE INTO rows VALUES (?, ?, ?, ?)",
                    [(c.id, version.seq, c.ordinal, c.raw) for c in decided.changes],
                )
                self._db.executemany(
                    "INSERT OR REPLACE INTO tokens VALUES (?, ?, ?)",
                    [(token, owner, version.seq) for token, owner in decided.tokens],
                )
                self._db.execute(
                    "UPDATE version SET seq = ?, added = ?", (version.seq, version.added)
                )
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")
            return version

    def reset(self) -> Version:
        with self._locked():
            self._db.execute("BEGIN IMMEDIATE")
            try:
                for sql in (
                    "DELETE FROM rows",
                    "DELETE FROM tokens",
                    "DELETE FROM journal",
                    "UPDATE version SET epoch = epoch + 1, seq = seq + 1, added = 0",
                ):
                    self._db.execute(sql)
                version = self._version()
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")
            return version

    def journal_append(self, epoch: int, entries: list[Entry], keep: int) -> None:
        with self._locked():
            self._db.execute("BEGIN IMMEDIATE")
            try:
                if self._version().epoch == epoch:
                    self._db.executemany(
                        "INSERT INTO journal(entry) VALUES (?)",
                        [(encode_entry(e),) for e in entries],
                    )
                    self._db.execute(
                        "DELETE FROM journal WHERE n <= (SELECT max(n) FROM journal) - ?",
                        (keep,),
                    )
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def journal_recent(self, limit: int) -> list[Entry]:
        with self._locked():
            rows = self._db.execute(
                "SELECT entry FROM journal ORDER BY n DESC LIMIT ?", (limit,)
            ).fetchall()
        return [decode_entry(row[0]) for row in reversed(rows)]

    def close(self) -> None:
        with self._locked():
            self._db.close()
