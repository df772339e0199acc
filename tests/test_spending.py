"""Caps that hold: reserve the worst case, settle the real cost, refuse with the cap's name."""

from __future__ import annotations

from pathlib import Path

import pytest

from chatbot.errors import BudgetExceeded
from chatbot.i18n import Msg
from chatbot.money.billing import CostEstimate
from chatbot.money.spending import Cap, Meter, utc_today
from chatbot.settings import Settings
from chatbot.store import Store


def _est(high: float | None) -> CostEstimate:
    return CostEstimate("gpt-4o-mini", 10, 100, 1, 0.0, high, ())


def test_daily_cap_is_keyed_by_utc_day_and_named_when_hit(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.db")
    day = Cap("host", 0.01, Msg.written("límite diario del anfitrión", "the host's daily cap"), daily=True)
    meter = Meter(store, (day,))
    meter.hold(_est(0.006)).settle(0.004)
    assert store.spent(f"host:{utc_today().isoformat()}") == pytest.approx(0.004)
    with pytest.raises(BudgetExceeded, match="the host's daily cap") as err:
        meter.hold(_est(0.007))
    text = str(err.value)
    assert "$0.006" in text and "$0.007" in text  # what is left and the worst case
    assert "peor caso" in text and "Worst case" in text and "max_tokens" in text


def test_unknown_price_under_a_cap_is_refused_and_free_calls_need_no_store(tmp_path: Path) -> None:
    meter = Meter(Store(tmp_path / "s.db"), (Cap("session:x", 1.0, Msg.written("sesión", "session")),))
    with pytest.raises(BudgetExceeded, match="price is unknown"):
        meter.hold(_est(None))
    assert meter.hold(_est(0.0)).scopes == ()


def test_unknown_actual_cost_keeps_the_worst_case(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.db")
    meter = Meter(store, (Cap("s", 1.0, Msg.written("sesión", "session")),))
    hold = meter.hold(_est(0.3))
    hold.settle(None)
    hold.settle(0.0)  # a second settle changes nothing
    assert store.spent("s") == pytest.approx(0.3)


def test_charge_counts_a_known_cost(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.db")
    meter = Meter(store, (Cap("d", 1.0, Msg.written("día", "day"), daily=True),))
    meter.charge(0.7)
    with pytest.raises(BudgetExceeded):
        meter.charge(0.4)
    assert store.spent(meter.caps[0].key(utc_today())) == pytest.approx(0.7)


@pytest.mark.parametrize(("hosted", "requested", "expected"), [
    (True, None, 0.5),      # clearing does not lift the host's ceiling
    (True, 5.0, 0.5),       # nor does raising it
    (True, 0.1, 0.1),       # lowering does
    (False, None, None),    # on one's own machine the session decides
    (False, 5.0, 5.0),
])
def test_session_budget_policy(hosted: bool, requested: float | None,
                               expected: float | None) -> None:
    env = {"CHATBOT_BUDGET_USD": "0.5", **({"CHATBOT_HOSTED": "1"} if hosted else {})}
    assert Settings.from_env(env).session_budget(requested) == expected
