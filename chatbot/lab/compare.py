"""One prompt under two to four configurations, streamed side by side, differences marked."""

from __future__ import annotations

import difflib
import html
import queue
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any

from chatbot.client import ChatParams, StreamEvent
from chatbot.context import AppContext, Session
from chatbot.errors import ChatbotError, InvalidInput
from chatbot.i18n import DEFAULT, Msg, say
from chatbot.settings import BACKEND_KINDS, BackendKind, as_backend_kind

COLUMNS = ["backend", "model", "temperature", "top_p", "max_tokens", "seed"]
NAMES = "ABCD"
UPDATE_EVERY_S = 0.1


@dataclass(frozen=True)
class Config:
    backend: BackendKind
    model: str  # "" = the backend's default model
    temperature: float | None
    top_p: float | None
    max_tokens: int
    seed: int | None

    def label(self, index: int) -> str:
        knobs = [f"T={self.temperature:g}" if self.temperature is not None else "",
                 f"top_p={self.top_p:g}" if self.top_p is not None else "",
                 f"seed={self.seed}" if self.seed is not None else ""]
        return " · ".join([NAMES[index], self.backend, self.model or "(default)",
                           *[k for k in knobs if k]])


@dataclass(frozen=True)
class Answer:
    text: str = ""
    tokens: int | None = None
    latency_s: float | None = None
    cost_usd: float | None = None
    error: str = ""
    done: bool = False


def _number(value: Any, name: str, row: int, kind: type, problems: list[Msg]) -> Any:
    if value is None or str(value).strip() in ("", "nan", "None"):
        return None
    try:
        return kind(float(value)) if kind is int else kind(value)
    except (TypeError, ValueError, OverflowError):
        problems.append(Msg("lab.row_not_a_number", row=row, name=name, value=repr(value)))
        return None


def parse_configs(rows: Sequence[Sequence[Any]]) -> list[Config]:
    """Rows of the table → configurations; every problem named at once."""
    if isinstance(rows, str | bytes) or not isinstance(rows, Sequence) or any(
            isinstance(r, str | bytes) or not isinstance(r, Sequence) for r in rows):
        raise InvalidInput.keyed("lab.configs_are_rows", columns=", ".join(COLUMNS))
    rows = [r for r in rows if any(str(v).strip() not in ("", "nan", "None") for v in r)]
    problems: list[Msg] = []
    if not 2 <= len(rows) <= 4:
        problems.append(Msg("lab.configs_count", n=len(rows)))
    configs = []
    for i, raw in enumerate(rows, 1):
        row = [*raw, *[None] * (len(COLUMNS) - len(raw))]
        text = str(row[0] or "").strip().lower()
        backend = as_backend_kind(text)
        if backend is None:
            problems.append(Msg("lab.row_backend", row=i, value=repr(text),
                                kinds=", ".join(BACKEND_KINDS)))
        max_tokens = _number(row[4], "max_tokens", i, int, problems) or 64
        temperature = _number(row[2], "temperature", i, float, problems)
        top_p = _number(row[3], "top_p", i, float, problems)
        seed = _number(row[5], "seed", i, int, problems)
        if backend is not None:
            configs.append(Config(backend, str(row[1] or "").strip(), temperature, top_p,
                                  max_tokens, seed))
    if problems:
        raise InvalidInput.keyed("lab.configs_invalid", problems=problems)
    return configs


def start_for(ctx: AppContext, session: Session, config: Config,
              messages: list[dict[str, Any]]) -> Callable[[], Iterator[StreamEvent]]:
    """The stream of one configuration, billed to this session, begun only when called."""
    def start() -> Iterator[StreamEvent]:
        view = replace(session, backend=config.backend, model=config.model or None)
        params = ChatParams(model=ctx.model_for(view), temperature=config.temperature,
                            top_p=config.top_p, max_tokens=config.max_tokens, seed=config.seed)
        return ctx.client_for(view).stream_chat(messages, params)
    return start


def _pump(index: int, start: Callable[[], Iterator[StreamEvent]], out: queue.Queue) -> None:
    try:
        for event in start():
            out.put((index, event))
    except ChatbotError as exc:
        out.put((index, exc))
    finally:
        out.put((index, None))


def stream_all(starts: Sequence[Callable[[], Iterator[StreamEvent]]], lang: str = DEFAULT
               ) -> Iterator[list[Answer]]:
    """Every stream at once on its own thread; a snapshot of all answers at most every 0.1 s."""
    answers = [Answer() for _ in starts]
    out: queue.Queue = queue.Queue()
    threads = [threading.Thread(target=_pump, args=(i, s, out), daemon=True)
               for i, s in enumerate(starts)]
    for t in threads:
        t.start()
    running, shown = len(starts), 0.0
    while running:
        index, item = out.get()
        if item is None:
            running -= 1
            answers[index] = replace(answers[index], done=True)
        elif isinstance(item, ChatbotError):
            answers[index] = replace(answers[index],
                                     error=f"{item.title_in(lang)}: {item.said(lang)}")
        elif item.result is not None:
            r = item.result
            answers[index] = Answer(item.text, r.usage.completion_tokens, r.latency_s, r.cost_usd)
        else:
            answers[index] = replace(answers[index], text=item.text)
        if time.monotonic() - shown >= UPDATE_EVERY_S or not running:
            shown = time.monotonic()
            yield list(answers)
    for t in threads:
        t.join()


def _marked(words: list[str], base: list[str]) -> str:
    """Words that the first answer does not have at that place, in <mark>."""
    out = []
    matcher = difflib.SequenceMatcher(a=base, b=words, autojunk=False)
    for op, _, _, j1, j2 in matcher.get_opcodes():
        chunk = html.escape(" ".join(words[j1:j2]))
        out.append(chunk if op == "equal" else f"<mark>{chunk}</mark>")
    return " ".join(c for c in out if c)


def side_by_side_html(labels: Sequence[str], answers: Sequence[Answer], lang: str = DEFAULT
                      ) -> str:
    base = answers[0].text.split() if answers else []
    cols = []
    for i, (label, a) in enumerate(zip(labels, answers, strict=True)):
        body = (f"<p class='lab-error'>⚠️ {html.escape(a.error)}</p>" if a.error
                else html.escape(a.text) if i == 0 else _marked(a.text.split(), base))
        facts = ("…" if not a.done else
                 f"{a.tokens if a.tokens is not None else '—'} tokens · "
                 f"{'—' if a.latency_s is None else f'{a.latency_s:.1f} s'} · "
                 f"{'—' if a.cost_usd is None else f'${a.cost_usd:.6f}'}")
        cols.append(f"<div class='lab-col'><h4>{html.escape(label)}</h4>"
                    f"<div class='lab-answer'>{body}</div><small>{facts}</small></div>")
    return ("<div class='lab-compare'>" + "".join(cols) + "</div>"
            f"<small>{html.escape(say(lang, 'lab.highlighted'))}</small>")


def answers_json(labels: Sequence[str], answers: Sequence[Answer]) -> list[dict[str, Any]]:
    return [{"config": label, "text": a.text, "tokens": a.tokens, "latency_s": a.latency_s,
             "cost_usd": a.cost_usd, "error": a.error or None}
            for label, a in zip(labels, answers, strict=True)]
