"""What must outlive a session or a restart, in one SQLite file (standard library only).

Money held and spent per scope ("day:2026-12-01" for the host's daily cap, "session:<id>" for one
browser session, "tg:<user id>" for one Telegram user) and Telegram conversations. Every change is
one short `BEGIN IMMEDIATE` transaction on a fresh connection, so threads and processes writing at
once (two app workers, the app and the bot) serialise on SQLite's own lock instead of overrunning.
"""

from __future__ import annotations

import json
import sqlite3
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from chatbot.errors import ConfigError

BUSY_TIMEOUT_S = 10.0  # how long a writer waits for another one before giving up
HOLD_TTL_S = 3600.0  # a hold older than this belongs to a process that died: counted as spent

SCHEMA = """
CREATE TABLE IF NOT EXISTS spend (
    scope TEXT PRIMARY KEY, usd REAL NOT NULL DEFAULT 0, calls INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS hold (
    id TEXT NOT NULL, scope TEXT NOT NULL, usd REAL NOT NULL, created REAL NOT NULL,
    PRIMARY KEY (id, scope));
CREATE INDEX IF NOT EXISTS hold_scope ON hold (scope);
CREATE TABLE IF NOT EXISTS conversation (
    chat TEXT PRIMARY KEY, data TEXT NOT NULL, updated REAL NOT NULL);
"""


class Store:
    """One SQLite file; the schema is created on first use. Holds no connection between calls."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with self._connect() as db:
                db.execute("PRAGMA journal_mode=WAL")
                db.executescript(SCHEMA)
        except (OSError, sqlite3.Error) as exc:
            raise ConfigError.keyed("store.cannot_open", "store.check_db", path=path,
                                    reason=exc) from None

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
        db.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_S * 1000)}")
        return db

    def _read(self, sql: str, *args: Any) -> tuple[Any, ...] | None:
        db = self._connect()
        try:
            return db.execute(sql, args).fetchone()
        finally:
            db.close()

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One transaction that takes the write lock first, so its reads stay true until commit."""
        db = self._connect()
        try:
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")
        finally:
            db.close()

    # -- money ----------------------------------------------------------------------------------

    @staticmethod
    def _committed(db: sqlite3.Connection, scope: str) -> float:
        spent = db.execute("SELECT usd FROM spend WHERE scope=?", (scope,)).fetchone()
        held = db.execute("SELECT COALESCE(SUM(usd), 0) FROM hold WHERE scope=?",
                          (scope,)).fetchone()
        return (spent[0] if spent else 0.0) + held[0]

    @staticmethod
    def _add(db: sqlite3.Connection, scope: str, usd: float, calls: int) -> None:
        db.execute("INSERT INTO spend (scope, usd, calls) VALUES (?, ?, ?) ON CONFLICT(scope) "
                   "DO UPDATE SET usd = usd + excluded.usd, calls = calls + excluded.calls",
                   (scope, usd, calls))

    def _expire(self, db: sqlite3.Connection, now: float) -> None:
        """Holds of a process that died mid-call are billed at their worst case, never dropped."""
        stale = db.execute("SELECT scope, SUM(usd) FROM hold WHERE created < ? GROUP BY scope",
                           (now - HOLD_TTL_S,)).fetchall()
        for scope, usd in stale:
            self._add(db, scope, usd, 0)
        db.execute("DELETE FROM hold WHERE created < ?", (now - HOLD_TTL_S,))

    def hold(self, usd: float, limits: Mapping[str, float]) -> tuple[str | None, dict[str, float]]:
        """Set `usd` aside in every scope, unless one would pass its limit.

        Returns (hold id, {}) on success, or (None, {scope: what is left}) naming the scopes
        that refused, so the caller can say which cap was hit.
        """
        now = time.time()
        with self._write() as db:
            self._expire(db, now)
            left = {scope: max(0.0, limit - self._committed(db, scope))
                    for scope, limit in limits.items()}
            refused = {scope: value for scope, value in left.items() if usd > value + 1e-12}
            if refused:
                return None, refused
            hold_id = uuid.uuid4().hex
            db.executemany("INSERT INTO hold (id, scope, usd, created) VALUES (?, ?, ?, ?)",
                           [(hold_id, scope, usd, now) for scope in limits])
            return hold_id, {}

    def settle(self, hold_id: str | None, usd: float, scopes: Sequence[str]) -> None:
        """Release the hold and add what the call really cost to every scope, in one step."""
        with self._write() as db:
            if hold_id is not None:
                db.execute("DELETE FROM hold WHERE id=?", (hold_id,))
            for scope in scopes:
                self._add(db, scope, usd, 1)

    def spent(self, scope: str) -> float:
        row = self._read("SELECT usd FROM spend WHERE scope=?", scope)
        return row[0] if row else 0.0

    # -- conversations --------------------------------------------------------------------------

    def save_conversation(self, chat: str, data: Mapping[str, Any]) -> None:
        with self._write() as db:
            db.execute("INSERT INTO conversation (chat, data, updated) VALUES (?, ?, ?) "
                       "ON CONFLICT(chat) DO UPDATE SET data=excluded.data, "
                       "updated=excluded.updated", (chat, json.dumps(data), time.time()))

    def load_conversation(self, chat: str) -> dict[str, Any] | None:
        row = self._read("SELECT data FROM conversation WHERE chat=?", chat)
        return json.loads(row[0]) if row else None
