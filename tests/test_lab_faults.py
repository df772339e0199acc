"""The error simulator: the app's real client against the loopback endpoint that fails on
purpose; attempts and waits as they happened, and the Chat tab's line at the end."""

from collections.abc import Iterator

import pytest

from chatbot.chat.turn import error_notice
from chatbot.client import SDKPool
from chatbot.errors import (
    AuthError,
    BackendTimeout,
    ContextTooLong,
    QuotaExceeded,
    RateLimited,
    ServerError,
    StreamCut,
)
from chatbot.i18n import say
from chatbot.lab.fault_server import FAILURES, FaultServer
from chatbot.lab.simulate import LABELS, SIMULATED_KEY, Run, simulate, timeline_markdown
from chatbot.lab.snippets import snippet
from chatbot.models.catalog import Catalog

TITLES = {"bad_key": AuthError.title_key, "rate_limit": RateLimited.title_key,
          "quota": QuotaExceeded.title_key, "server_error": ServerError.title_key,
          "timeout": BackendTimeout.title_key, "context": ContextTooLong.title_key}


@pytest.fixture(scope="module")
def server() -> Iterator[FaultServer]:
    faults = FaultServer(hang_s=3.0)
    yield faults
    faults.close()


def run(server: FaultServer, failure: str, retries: int = 2) -> Run:
    return simulate(server, failure, SDKPool(1.5, retries), Catalog.load(), retries)


def attempts(r: Run) -> list[str]:
    """What the server did with each attempt, as an English reader reads it."""
    return [m.what if isinstance(m.what, str) else m.what.said("en")
            for m in r.timeline if m.who == "server"]


def waits(r: Run) -> list[float]:
    return [m.wait_s for m in r.timeline if m.wait_s is not None]


@pytest.mark.parametrize("lang", ["es", "en"])
def test_every_failure_has_a_label_and_a_snippet_in_one_language(lang: str) -> None:
    assert set(LABELS) == set(FAILURES)
    for failure in FAILURES:
        code = snippet(failure, lang)
        compile(code, failure, "exec")
        assert "openai" in code and "«" not in code and " / " not in code
    assert "# reintentos a mano" in snippet("rate_limit", "es")
    assert "# retries by hand" in snippet("rate_limit", "en")


@pytest.mark.parametrize("failure", ["bad_key", "quota", "context"])
def test_what_a_retry_cannot_mend_is_tried_once(server: FaultServer, failure: str) -> None:
    r = run(server, failure)
    assert len(attempts(r)) == 1 and not waits(r)
    assert r.final.startswith(f"⚠️ **{say('es', TITLES[failure])}:**")


def test_rate_limit_waits_what_retry_after_says_then_gives_up(server: FaultServer) -> None:
    r = run(server, "rate_limit")
    assert len(attempts(r)) == 3 and "retry-after: 1" in attempts(r)[0]
    assert waits(r) == [pytest.approx(1.0, abs=0.005)] * 2
    assert "espera 1.00 s y reintenta" in timeline_markdown(r)
    assert "waits 1.00 s and retries" in timeline_markdown(r, "en")
    assert r.timeline[-1].at_s >= 2.0  # the waits really happened
    assert say("es", RateLimited.title_key) in r.final


def test_server_errors_back_off_exponentially(server: FaultServer) -> None:
    r = run(server, "server_error", retries=1)
    assert len(attempts(r)) == 2 and len(waits(r)) == 1
    assert say("es", ServerError.title_key) in r.final and "500" in r.final


def test_a_hang_ends_at_the_clients_timeout(server: FaultServer) -> None:
    r = run(server, "timeout")
    assert len(attempts(r)) == 1
    assert 1.4 < r.timeline[-1].at_s < 3.0
    assert say("es", BackendTimeout.title_key) in r.final and "1.5 s" in r.final


def test_a_cut_answer_keeps_what_arrived(server: FaultServer) -> None:
    r = run(server, "cut")
    assert r.partial == "Los tokens llegan uno a"
    assert r.final == error_notice(StreamCut.keyed("client.dropped", "client.kept"))
    assert "La conexión se cortó a mitad de la respuesta." in r.final
    assert "Los tokens llegan uno a […]" in timeline_markdown(r)


def test_the_simulator_never_sees_the_real_key(server: FaultServer) -> None:
    r = run(server, "bad_key")
    assert SIMULATED_KEY.startswith("sk-lab-simulated")
    assert SIMULATED_KEY not in timeline_markdown(r)


def test_runs_keep_their_own_logs(server: FaultServer) -> None:
    assert server.arrivals("no-such-run") == []
    with pytest.raises(ValueError):
        server.base_url("x", "meteor")
