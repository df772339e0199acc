"""The SQLite store: schema on first start, holds that stop concurrent writers overrunning a cap
(threads and processes), stale holds billed, conversations that survive a reopen."""

from __future__ import annotations

import multiprocessing
import sqlite3
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from chatbot import store as store_module
from chatbot.errors import ConfigError
from chatbot.store import Store


def test_schema_created_on_first_start_in_wal_mode(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "lab.sqlite3"
    Store(path)
    db = sqlite3.connect(path)
    tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"spend", "hold", "conversation"} <= tables
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    Store(path)  # a second start keeps what is there


def test_unwritable_location_is_a_config_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(ConfigError, match="CHATBOT_DB"):
        Store(blocker / "lab.sqlite3")


def test_hold_refuses_past_the_limit_and_names_the_scope(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.db")
    first, refused = store.hold(0.6, {"day": 1.0, "session:a": 5.0})
    assert first and not refused
    second, refused = store.hold(0.6, {"day": 1.0, "session:a": 5.0})
    assert second is None and set(refused) == {"day"}
    assert refused["day"] == pytest.approx(0.4)
    store.settle(first, 0.1, ["day", "session:a"])  # the real cost frees the rest
    third, _ = store.hold(0.6, {"day": 1.0})
    assert third is not None
    assert store.spent("day") == pytest.approx(0.1)
    assert store.spent("session:a") == pytest.approx(0.1)


def _spend_until_refused(path: str, worst: float, cost: float) -> int:
    store, calls = Store(Path(path)), 0
    while True:
        hold_id, _ = store.hold(worst, {"day": 1.0})
        if hold_id is None:
            return calls
        store.settle(hold_id, cost, ["day"])
        calls += 1


def test_concurrent_threads_never_pass_the_cap(tmp_path: Path) -> None:
    path = str(tmp_path / "s.db")
    Store(Path(path))
    with ThreadPoolExecutor(8) as pool:
        calls = sum(pool.map(lambda _: _spend_until_refused(path, 0.05, 0.03), range(8)))
    spent = Store(Path(path)).spent("day")
    assert spent <= 1.0 + 1e-9
    assert calls == round(spent / 0.03)
    assert spent > 0.9  # the cap is used, not refused early


def test_concurrent_processes_never_pass_the_cap(tmp_path: Path) -> None:
    path = str(tmp_path / "s.db")
    Store(Path(path))
    with multiprocessing.get_context("spawn").Pool(4) as pool:
        calls = sum(pool.starmap(_spend_until_refused, [(path, 0.1, 0.07)] * 4))
    spent = Store(Path(path)).spent("day")
    assert spent <= 1.0 + 1e-9 and calls == round(spent / 0.07)


def test_a_stale_hold_is_billed_at_its_worst_case(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    store = Store(tmp_path / "s.db")
    store.hold(0.5, {"day": 1.0})  # its process "dies": never settled
    later = time.time() + store_module.HOLD_TTL_S + 1
    monkeypatch.setattr(store_module.time, "time", lambda: later)
    hold_id, _ = store.hold(0.1, {"day": 1.0})
    assert hold_id is not None
    assert store.spent("day") == pytest.approx(0.5)


def test_conversation_survives_reopen(tmp_path: Path) -> None:
    Store(tmp_path / "s.db").save_conversation("tg:1", {"history": [{"role": "user",
                                                                      "content": "hola"}]})
    assert Store(tmp_path / "s.db").load_conversation("tg:1") == {
        "history": [{"role": "user", "content": "hola"}]}
    assert Store(tmp_path / "s.db").load_conversation("tg:2") is None
