"""Run the app's real client against the fault server and tell what happened, step by step.

The client is built as a Chat turn builds it (same retries; only the URL, a made-up key and a
short timeout differ) and streams as the Chat tab does, so the last line is the one the Chat tab
would show.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass

from chatbot.chat import error_notice
from chatbot.client import Backend, ChatParams, LLMClient, SDKPool
from chatbot.errors import ChatbotError
from chatbot.lab.fault_server import FaultServer
from chatbot.models.catalog import Catalog

SIMULATED_KEY = "sk-lab-simulated-fake"  # the simulator never sees a real key
# The simulated timeout waits this long, not the app's CHATBOT_TIMEOUT (60 s): the lesson is the
# same, and a worker held a minute per click let one visitor fill the queue for the class.
TIMEOUT_S = 3.0
HANG_S = TIMEOUT_S + 1.0  # the fault server stays silent a little longer than the client waits
MODEL = "gpt-4o-mini"
MESSAGES = [{"role": "user", "content": "Explícame qué es un token."}]
LABELS = {
    "bad_key": "Clave no válida (401) / Bad key (401)",
    "rate_limit": "Límite de peticiones con retry-after (429) / Rate limit with retry-after (429)",
    "quota": "Sin saldo (429 insufficient_quota) / Quota exhausted (429 insufficient_quota)",
    "server_error": "Error del servidor (500) / Server error (500)",
    "timeout": "Tiempo agotado / Timeout",
    "cut": "Respuesta cortada a medias / Answer cut mid-way",
    "context": "Contexto demasiado largo (400) / Context too long (400)",
}


@dataclass(frozen=True)
class Moment:
    at_s: float  # seconds since the run began
    who: str  # "servidor / server" | "cliente / client"
    what: str


@dataclass(frozen=True)
class Run:
    failure: str
    base_url: str
    timeline: tuple[Moment, ...]
    final: str  # the Chat tab's line for this outcome
    partial: str  # text that arrived before a cut


def simulator_pool(max_retries: int) -> SDKPool:
    """The simulator's own SDK clients: the app's retries, the short TIMEOUT_S."""
    return SDKPool(TIMEOUT_S, max_retries, capacity=4)


def simulate(server: FaultServer, failure: str, pool: SDKPool, catalog: Catalog,
             max_retries: int) -> Run:
    run = uuid.uuid4().hex[:12]
    url = server.base_url(run, failure)
    start = time.monotonic()
    moments: list[Moment] = []

    def sleep(seconds: float) -> None:
        moments.append(Moment(time.monotonic() - start, "cliente / client",
                              f"espera {seconds:.2f} s y reintenta / waits {seconds:.2f} s "
                              "and retries"))
        time.sleep(seconds)

    client = LLMClient(Backend("compatible", url, SIMULATED_KEY, visitor=True), pool, catalog, None,
                       max_retries=max_retries, sleep=sleep)
    text = ""
    try:
        for event in client.stream_chat(MESSAGES, ChatParams(model=MODEL)):
            text = event.text
        final = "✅ " + text
    except ChatbotError as exc:
        final = error_notice(exc)
        text = getattr(exc, "partial", "") or text
    ended = time.monotonic() - start
    for n, arrival in enumerate(server.arrivals(run), 1):
        moments.append(Moment(arrival.at - start, "servidor / server",
                              f"intento / attempt {n}: {arrival.answer}"))
    moments.sort(key=lambda m: m.at_s)
    moments.append(Moment(ended, "cliente / client", final))
    return Run(failure, url, tuple(moments), final, text)


def timeline_markdown(run: Run) -> str:
    rows = ["| s | quién / who | qué / what |", "| ---: | --- | --- |"]
    rows += [f"| {m.at_s:.2f} | {m.who} | {m.what.replace('|', '/')} |" for m in run.timeline]
    if run.partial:
        rows.append(f"\n**Lo que llegó / What arrived:** {run.partial} […]")
    return "\n".join(rows)
