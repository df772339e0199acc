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
from chatbot.i18n import DEFAULT, Msg, say
from chatbot.lab.fault_server import FaultServer
from chatbot.models.catalog import Catalog

SIMULATED_KEY = "sk-lab-simulated-fake"  # the simulator never sees a real key
# The simulated timeout waits this long, not the app's CHATBOT_TIMEOUT (60 s): the lesson is the
# same, and a worker held a minute per click let one visitor fill the queue for the class.
TIMEOUT_S = 3.0
HANG_S = TIMEOUT_S + 1.0  # the fault server stays silent a little longer than the client waits
MODEL = "gpt-4o-mini"
MESSAGES = [{"role": "user", "content": "Explícame qué es un token."}]
LABELS = {failure: f"lab.failure_{failure}" for failure in
          ("bad_key", "rate_limit", "quota", "server_error", "timeout", "cut", "context")}


@dataclass(frozen=True)
class Moment:
    at_s: float  # seconds since the run began
    who: str  # "server" | "client"
    what: str | Msg
    attempt: int = 0  # the server's answer to attempt n (1, 2, …); 0 for the client's moments
    wait_s: float | None = None  # the client waits this long and retries


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
             max_retries: int, lang: str = DEFAULT) -> Run:
    run = uuid.uuid4().hex[:12]
    url = server.base_url(run, failure)
    start = time.monotonic()
    moments: list[Moment] = []

    def sleep(seconds: float) -> None:
        moments.append(Moment(time.monotonic() - start, "client", "", wait_s=seconds))
        time.sleep(seconds)

    client = LLMClient(Backend("compatible", url, SIMULATED_KEY, visitor=True), pool, catalog, None,
                       max_retries=max_retries, sleep=sleep)
    text = ""
    try:
        for event in client.stream_chat(MESSAGES, ChatParams(model=MODEL)):
            text = event.text
        final = "✅ " + text
    except ChatbotError as exc:
        final = error_notice(exc, lang)
        text = getattr(exc, "partial", "") or text
    ended = time.monotonic() - start
    for n, arrival in enumerate(server.arrivals(run), 1):
        moments.append(Moment(arrival.at - start, "server", arrival.answer, attempt=n))
    moments.sort(key=lambda m: m.at_s)
    moments.append(Moment(ended, "client", final))
    return Run(failure, url, tuple(moments), final, text)


def _what(moment: Moment, lang: str) -> str:
    if moment.wait_s is not None:
        return say(lang, "lab.waits", seconds=f"{moment.wait_s:.2f}")
    text = moment.what.said(lang) if isinstance(moment.what, Msg) else moment.what
    return say(lang, "lab.attempt", n=moment.attempt) + f": {text}" if moment.attempt else text


def timeline_markdown(run: Run, lang: str = DEFAULT) -> str:
    rows = [say(lang, "lab.timeline_head"), "| ---: | --- | --- |"]
    rows += [f"| {m.at_s:.2f} | {say(lang, 'lab.' + m.who)} | {_what(m, lang).replace('|', '/')} |"
             for m in run.timeline]
    if run.partial:
        rows.append("\n" + say(lang, "lab.what_arrived", text=run.partial))
    return "\n".join(rows)
