"""Caps that hold: the worst case is set aside before a request is sent, the real cost replaces
it afterwards, both atomically in the store, so concurrent calls (tabs, REST, threads, processes)
cannot together spend past a cap that each alone respects.

A `Meter` is what one client bills against: the caps that apply to one user on one backend
(their session's ceiling, the host's daily cap when the host's credentials pay, a Telegram
user's cap). It is built per request by the app context, from settings and the session.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from chatbot.errors import BudgetExceeded
from chatbot.money.billing import CostEstimate, format_usd
from chatbot.store import Store


@dataclass(frozen=True)
class Cap:
    """A ceiling on one scope. `daily` scopes get today's UTC date appended, so they reset."""

    scope: str
    limit_usd: float
    es: str  # what the cap is, for the message when it is hit
    en: str
    daily: bool = False

    def key(self, today: dt.date) -> str:
        return f"{self.scope}:{today.isoformat()}" if self.daily else self.scope


def utc_today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


@dataclass
class Hold:
    """Money set aside for one request; `settle` once with what it really cost."""

    meter: Meter
    hold_id: str | None
    scopes: tuple[str, ...]
    worst_usd: float
    settled: bool = False

    def settle(self, usd: float | None) -> None:
        """`None` (unknown price) keeps the worst case: a cap never learns less than it spent."""
        if self.settled:
            return
        self.settled = True
        if self.scopes:
            self.meter.store.settle(self.hold_id, self.worst_usd if usd is None else usd,
                                    self.scopes)


@dataclass(frozen=True)
class Meter:
    """`strict` (a hosted app): hold what the server could bill at most (its prompt at one token
    per byte), not tiktoken's count, so no server's counting can take the caps past their limit."""

    store: Store
    caps: tuple[Cap, ...]
    strict: bool = False

    def hold(self, est: CostEstimate) -> Hold:
        """Refuse a request whose worst case would pass a cap; otherwise set it aside."""
        worst = est.hold_usd if self.strict else est.high_usd
        if not self.caps or worst == 0:
            return Hold(self, None, (), 0.0)
        if worst is None:
            limited = [c for c in self.caps if math.isfinite(c.limit_usd)]
            if not limited:  # only counting: what it cost is unknown, so is the worst case
                return self.reserve(0.0)
            cap = limited[0]
            raise BudgetExceeded(
                f"Hay un límite de gasto ({cap.es}: {format_usd(cap.limit_usd)}) y no conozco el "
                f"precio de {est.model}, así que no puedo garantizarlo. / There is a spending cap "
                f"({cap.en}: {format_usd(cap.limit_usd)}) and {est.model}'s price is unknown, so "
                "I cannot keep to it.",
                hint="Añade su precio en CHATBOT_PRICES o elige un modelo del catálogo. / Add "
                     "its price in CHATBOT_PRICES or pick a catalog model.",
            )
        return self.reserve(worst, detail=(
            f" ({est.input_tokens} tokens de entrada + {est.n}×{est.max_output_tokens} de salida)",
            f" ({est.input_tokens} input + {est.n}×{est.max_output_tokens} output tokens)"))

    def reserve(self, usd: float, detail: tuple[str, str] = ("", "")) -> Hold:
        today = utc_today()
        limits = {cap.key(today): cap.limit_usd for cap in self.caps}
        hold_id, refused = self.store.hold(usd, limits)
        if hold_id is None:
            cap = next(c for c in self.caps if c.key(today) in refused)
            left = format_usd(refused[cap.key(today)])
            raise BudgetExceeded(
                f"En el peor caso esta petición cuesta {format_usd(usd)}{detail[0]} y quedan "
                f"{left} de {format_usd(cap.limit_usd)} ({cap.es}). / Worst case this request "
                f"costs {format_usd(usd)}{detail[1]} and {left} of {format_usd(cap.limit_usd)} "
                f"remain ({cap.en}).",
                hint="Baja max_tokens (o n) o acorta el mensaje; el límite vuelve a empezar "
                     "mañana (UTC) si es diario. / Lower max_tokens (or n) or shorten the "
                     "message; a daily cap starts again tomorrow (UTC)." if cap.daily else
                     "Baja max_tokens (o n) o acorta el mensaje. / Lower max_tokens (or n) or "
                     "shorten the message.",
            )
        return Hold(self, hold_id, tuple(limits), usd)

    def charge(self, usd: float) -> None:
        """A cost known in advance (a fine-tuning job's training estimate): held and spent."""
        if self.caps:
            self.reserve(usd).settle(usd)
