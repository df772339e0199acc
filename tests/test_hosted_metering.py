"""Hosted mode, second pass, below the web layer: every request on the host's credentials passes
the caps (embeddings, capability probes, chat), a server that bills more than tiktoken counts
cannot take concurrent sessions past the day's cap, and the host's URL and typed passwords stay
out of every message. Fakes only at the network boundary: the fake OpenAI server, and here a tiny
"costly" server that bills every prompt at one token per byte."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from chatbot.client import Backend, ChatParams, LLMClient, SDKPool
from chatbot.client.capability_book import MAX_ENTRIES, CapabilityBook
from chatbot.client.embeddings import MAX_INPUTS
from chatbot.context import AppContext, Session
from chatbot.errors import BudgetExceeded, ChatbotError, ConfigError, InvalidInput
from chatbot.i18n import Msg
from chatbot.lab import presets, votes
from chatbot.models.catalog import Catalog
from chatbot.money import billing
from chatbot.money.spending import Cap, Meter
from chatbot.playground.view_code import python_code
from chatbot.policy.fairshare import Busy, FairShare
from chatbot.policy.lru import ByteLRU
from chatbot.policy.urlguard import check_typed_url
from chatbot.sentiment.embeddings_classifier import MAX_VECTOR_BYTES, embed_pool
from chatbot.sentiment.pool import PackedTexts, Pool, parse_pool
from chatbot.settings import Settings
from chatbot.store import Store
from tests.fakes.openai_server import FakeOpenAI

MODEL = "gpt-4o-mini"


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    with FakeOpenAI(strict_models=False) as server:
        yield server


def hosted_ctx(base_url: str, tmp_path: Path, **env: str) -> AppContext:
    settings = Settings.from_env({
        "CHATBOT_HOSTED": "1", "OPENAI_API_KEY": "sk-host-secret-0001", "OPENAI_BASE_URL": base_url,
        "CHATBOT_MODEL": MODEL, "CHATBOT_DB": str(tmp_path / "lab.sqlite3"),
        "CHATBOT_MAX_RETRIES": "0", **env})
    return AppContext.create(settings, embedded=False)


def embeddings_sent(fake: FakeOpenAI) -> list[Any]:
    return fake.requests_to("/v1/embeddings")


# -- 1. every request through the caps --------------------------------------------------------


def test_embeddings_are_held_under_the_cap_and_refused_past_it(fake: FakeOpenAI,
                                                               tmp_path: Path) -> None:
    """The audit: a cap of $0.01 let 83 embedding requests through, none recorded."""
    store = Store(tmp_path / "s.sqlite3")
    meter = Meter(store, (Cap("host", 0.0005, Msg.written("anfitrión", "the host's daily cap")),))
    client = LLMClient(Backend("compatible", fake.base_url, "sk-t"), SDKPool(10, 0),
                       Catalog.load(), billing.Ledger(), max_retries=0, meter=meter)
    text = " ".join(["palabra"] * 200)  # 201 tokens: $0.000004 at text-embedding-3-small
    sent = 0
    with pytest.raises(BudgetExceeded, match="the host's daily cap"):
        for _ in range(500):
            client.embed([text] * 10, "text-embedding-3-small")
            sent += 1
    assert 0 < sent < 500 and len(embeddings_sent(fake)) == sent
    assert 0 < store.spent("host") <= 0.0005


def test_embeddings_are_priced_from_the_catalog_and_sent_in_batches(fake: FakeOpenAI) -> None:
    catalog = Catalog.load()
    info = catalog.get("text-embedding-3-small")
    assert info.known and info.input_per_1m == 0.02 and info.output_per_1m == 0.0
    assert catalog.get("text-embedding-3-large").input_per_1m == 0.13
    ledger = billing.Ledger()
    client = LLMClient(Backend("compatible", fake.base_url, "sk-t"), SDKPool(10, 0), catalog,
                       ledger, max_retries=0)
    out = client.embed([f"tweet {i}" for i in range(MAX_INPUTS + 10)], "text-embedding-3-small")
    sizes = [len(r.json["input"]) for r in embeddings_sent(fake)]
    assert sizes == [MAX_INPUTS, 10] and len(out.vectors) == MAX_INPUTS + 10
    assert out.cost_usd == pytest.approx(out.usage.prompt_tokens * 0.02 / 1e6)
    assert ledger.calls == 2 and ledger.spent_usd == pytest.approx(out.cost_usd)


def test_made_up_model_names_never_reach_the_hosts_server(fake: FakeOpenAI,
                                                          tmp_path: Path) -> None:
    """The audit: 10 made-up names sent 40 unrecorded probes to the host's server."""
    ctx = hosted_ctx(fake.base_url, tmp_path, CHATBOT_DAILY_BUDGET_USD="0.05")
    session = ctx.new_session()
    for i in range(10):
        caps = ctx.capabilities_for(session, f"made-up-{i}")
        assert caps.source == "guess"
        with pytest.raises(ConfigError, match="host's models"):
            ctx.client_for(session, f"made-up-{i}")
        with pytest.raises(ConfigError, match="host's models"):
            ctx.client_for(Session(model=f"made-up-{i}"))
    assert fake.requests == []
    assert MODEL in ctx.policy.host_models() and ctx.client_for(session, MODEL)


def test_a_probe_of_a_visitors_server_is_metered_and_recorded(fake: FakeOpenAI,
                                                              tmp_path: Path) -> None:
    prices = json.dumps({"my-llama": {"input_per_1m": 1.0, "output_per_1m": 1.0}})
    settings = Settings.from_env({"OPENAI_API_KEY": "sk-host-0001", "CHATBOT_PRICES": prices,
                                  "CHATBOT_DB": str(tmp_path / "lab.sqlite3")})
    ctx = AppContext.create(settings, embedded=False)
    session = Session(backend="compatible", base_url=fake.base_url, api_key="sk-visitor-0002")
    session.ledger.budget_usd = 1.0
    caps = ctx.capabilities_for(session, "my-llama")
    assert caps.source == "probe" and len(fake.requests) == 4
    assert session.ledger.calls == 4  # every probe on the session's ledger and its cap
    assert ctx.store.spent(f"session:{session.id}") > 0
    # An unpriced name under a cap: the meter refuses the probe before it is sent.
    fake.reset()
    assert ctx.capabilities_for(session, "unpriced-llama").source == "guess"
    assert fake.requests == []


def test_the_capability_book_stays_bounded_however_many_names(catalog: Catalog) -> None:
    book = CapabilityBook(catalog)
    for i in range(MAX_ENTRIES + 200):
        book.learn("compatible", "http://x/v1", f"name-{i}", "seed")
    assert len(book) == MAX_ENTRIES


class CostlyServer:
    """Answers every chat request after a pause, billing its prompt at one token per byte (the
    most any byte-level tokenizer can count) and the whole max_tokens as output."""

    def __init__(self, latency: float) -> None:
        self.billed: list[tuple[int, int]] = []
        self.latency = latency
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["content-length"])))
                time.sleep(outer.latency)
                prompt = sum(4 + sum(len(str(v).encode()) for v in m.values())
                             for m in body["messages"])
                out = int(body.get("max_tokens") or body.get("max_completion_tokens") or 16)
                outer.billed.append((prompt, out))
                data = json.dumps({
                    "id": "c", "object": "chat.completion", "created": 0, "model": body["model"],
                    "choices": [{"index": 0, "finish_reason": "length",
                                 "message": {"role": "assistant", "content": "x " * out}}],
                    "usage": {"prompt_tokens": prompt, "completion_tokens": out,
                              "total_tokens": prompt + out}}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_fifty_fresh_sessions_on_a_costly_server_stay_within_the_days_cap(tmp_path: Path) -> None:
    """The audit recorded $0.135 against $0.05: holds counted with tiktoken, the server billed
    more. Held at the most the server can bill, the day stays within its cap."""
    server = CostlyServer(latency=0.3)
    try:
        daily = 0.01
        ctx = hosted_ctx(server.base_url, tmp_path, CHATBOT_DAILY_BUDGET_USD=str(daily))
        prompt = [{"role": "user", "content": "¿Qué tal? " * 300}]

        def one(_: int) -> str:
            try:
                ctx.client_for(ctx.new_session()).chat(prompt, ChatParams(MODEL, max_tokens=50))
                return "ok"
            except BudgetExceeded:
                return "refused"

        with ThreadPoolExecutor(50) as pool:
            answers = list(pool.map(one, range(50)))
        catalog = Catalog.load()
        spent = sum(billing.cost(catalog, MODEL, p, c) or 0.0 for p, c in server.billed)
        assert "ok" in answers and "refused" in answers
        assert spent <= daily
        assert ctx.store.spent(f"host:{time.strftime('%Y-%m-%d', time.gmtime())}") == (
            pytest.approx(spent))
    finally:
        server.close()


# -- 2. fair share ------------------------------------------------------------------------------


def test_a_session_runs_at_most_its_share_and_others_are_not_held() -> None:
    fair = FairShare({"simulations": 1, "experiments": 2})
    with fair.admit("alice", "simulations"):
        with pytest.raises(Busy, match="at most 1 per session"), fair.admit("alice", "simulations"):
            pass
        with fair.admit("bob", "simulations"):  # another visitor is served meanwhile
            assert fair.running("bob", "simulations") == 1
    with fair.admit("alice", "simulations"):  # released, even after a refusal
        pass
    assert fair.running("alice", "simulations") == 0 and not fair._running


# -- 3. bounded disk and memory ----------------------------------------------------------------


def test_a_preset_too_large_to_load_is_not_written() -> None:
    with pytest.raises(InvalidInput, match="system_prompt"):
        presets.dump("persona", {"name": "x", "system_prompt": "a" * 5_000_000,
                                 "greeting": "", "temperature": 1, "max_tokens": 64})


def test_a_vote_keeps_a_bounded_prompt_and_refuses_results_that_are_not_a_list() -> None:
    answers = [{"config": "A · local"}, {"config": "B · local"}]
    kept = votes.add_vote([], "p" * 1_000_000, answers, "A")
    assert len(kept[0]["prompt"]) == votes.MAX_PROMPT_CHARS
    assert kept[0]["prompt_chars"] == 1_000_000 and len(kept[0]["prompt_sha256"]) == 64
    for bad in ("not a list", [1, 2], [{"no": "config"}]):
        with pytest.raises(InvalidInput):
            votes.add_vote([], "p", bad, "A")  # type: ignore[arg-type]


def test_the_lru_drops_the_least_recently_used_by_bytes() -> None:
    import numpy as np

    cache: ByteLRU[str, Any] = ByteLRU(3 * 1024 * 1024)
    for name in ("a", "b", "c"):
        cache[name] = np.zeros(1024 * 1024 // 8)  # 1 MB each
    assert cache["a"] is not None  # a is now the most recently used
    cache["d"] = np.zeros(1024 * 1024 // 8)
    assert set(cache) == {"a", "c", "d"} and cache.bytes <= 3 * 1024 * 1024
    cache["huge"] = np.zeros(4 * 1024 * 1024 // 8)  # larger than the budget: not kept
    assert "huge" not in cache


def test_a_parsed_pool_is_packed_and_reads_back_the_same() -> None:
    rows = ["text,label"] + [f"tweet {i} 🎉 ñandú,{('positive', 'neutral', 'negative')[i % 3]}"
                             for i in range(3000)]
    pool = parse_pool("\n".join(rows).encode(), "p.csv")
    assert pool.texts[0] == "tweet 0 🎉 ñandú" and pool.texts[-1] == "tweet 2999 🎉 ñandú"
    assert list(pool.texts[1:3]) == ["tweet 1 🎉 ñandú", "tweet 2 🎉 ñandú"]
    assert pool.labels.count("neutral") == 1000 and pool.labels[2] == "negative"
    assert hash(pool) == hash(parse_pool("\n".join(rows).encode(), "p.csv"))
    text_bytes = sum(len(t.encode()) for t in pool.texts)
    assert isinstance(pool.texts, PackedTexts) and pool.texts.nbytes < text_bytes + 8 * 3001


def test_a_pool_too_large_for_memory_is_refused_after_one_batch(fake: FakeOpenAI,
                                                                monkeypatch: pytest.MonkeyPatch
                                                                ) -> None:
    rows = 5_000
    pool = Pool(tuple(f"tweet {i}" for i in range(rows)), ("positive",) * rows, "big.csv")
    monkeypatch.setattr("chatbot.sentiment.embeddings_classifier.MAX_VECTOR_BYTES", rows * 32 * 4 // 2)
    client = LLMClient(Backend("compatible", fake.base_url, "sk-t"), SDKPool(10, 0),
                       Catalog.load(), billing.Ledger(), max_retries=0)
    with pytest.raises(InvalidInput, match=r"big\.csv"):
        embed_pool(client, "text-embedding-3-small", pool)
    assert len(embeddings_sent(fake)) == 1
    assert MAX_VECTOR_BYTES // (1536 * 4) < 283_000  # the audit's pool would be refused


# -- 4. the host's URL hidden, typed passwords never shown -------------------------------------


def test_the_hosts_url_is_in_no_message_or_code(tmp_path: Path) -> None:
    host_url = "http://127.0.0.1:9/v1"  # nothing listens there
    ctx = hosted_ctx(host_url, tmp_path, CHATBOT_DAILY_BUDGET_USD="1")
    session = ctx.new_session()
    with pytest.raises(ChatbotError) as err:
        ctx.client_for(session).chat([{"role": "user", "content": "hola"}],
                                     ChatParams(MODEL, max_tokens=5))
    assert "Cannot connect" in err.value.said("en") and "127.0.0.1:9" not in str(err.value)
    backend = ctx.backend_for(session, wait=False)
    code = python_code(backend, ChatParams(MODEL), [{"role": "user", "content": "hola"}],
                       caps=ctx.capabilities_for(session, probe=False), lang="es")
    assert 'base_url=os.environ["OPENAI_BASE_URL"]' in code and "127.0.0.1:9" not in code
    assert "127.0.0.1:9" not in str(backend.name) + ctx.status_markdown(session)


@pytest.mark.parametrize("typed", ["http://ana:s3cretpw@example.com:abc/v1",
                                   "http://ana:s3cretpw@[::1/v1", "ftp://ana:s3cretpw@x/v1"])
def test_a_password_in_a_typed_url_is_never_repeated(typed: str) -> None:
    settings = Settings.from_env({"GRADIO_SERVER_NAME": "0.0.0.0"})
    with pytest.raises(InvalidInput) as err:
        check_typed_url(settings, typed)
    assert "s3cretpw" not in str(err.value)
    label = str(Backend("compatible", "http://ana:s3cretpw@example.com/v1", visitor=True).name)
    assert "s3cretpw" not in label and "example.com" in label


def test_listening_on_the_lan_outside_hosted_mode_warns_about_fine_tuning() -> None:
    lan = Settings.from_env({"GRADIO_SERVER_NAME": "0.0.0.0", "OPENAI_API_KEY": "sk-h-0001"})
    assert any("fine-tuning" in w and " / " not in w for w in lan.start_warnings("en"))
    hosted = Settings.from_env({"GRADIO_SERVER_NAME": "0.0.0.0", "OPENAI_API_KEY": "sk-h-0001",
                                "CHATBOT_HOSTED": "1"})
    assert hosted.start_warnings("es") == []
    assert Settings.from_env({"OPENAI_API_KEY": "sk-h-0001"}).start_warnings("es") == []
