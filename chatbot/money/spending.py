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
from chatbot.i18n import Msg
from chatbot.money.billing import CostEstimate, format_usd
from chatbot.store import Store


@dataclass(frozen=True)
class Cap:
    """A ceiling on one scope. `daily` scopes get today's UTC date appended, so they reset."""

    scope: str
    limit_usd: float
    name: Msg  # what the cap is, for the message when it is hit
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
            raise BudgetExceeded.keyed("spending.unknown_price", "spending.price_it", cap=cap.name,
                                       limit=format_usd(cap.limit_usd), model=est.model)
        return self.reserve(worst, detail=Msg("spending.detail", tokens=est.input_tokens, n=est.n,
                                              most=est.max_output_tokens))

    def reserve(self, usd: float, detail: Msg | str = "") -> Hold:
        today = utc_today()
        limits = {cap.key(today): cap.limit_usd for cap in self.caps}
        hold_id, refused = self.store.hold(usd, limits)
        if hold_id is None:
            cap = next(c for c in self.caps if c.key(today) in refused)
            left = format_usd(refused[cap.key(today)])
            raise BudgetExceeded.keyed(
                "spending.over_cap", "spending.lower_daily" if cap.daily else "spending.lower",
                usd=format_usd(usd), detail=detail, left=left, limit=format_usd(cap.limit_usd),
                cap=cap.name)
        return Hold(self, hold_id, tuple(limits), usd)

    def charge(self, usd: float) -> None:
        """A cost known in advance (a fine-tuning job's training estimate): held and spent."""
        if self.caps:
            self.reserve(usd).settle(usd)
