"""Chart tables: removed tokens keep a greyed bar; sample shares beside the predicted ones."""

import math

import pytest

from chatbot.lab.distribution import OTHER, Candidate, reshape
from chatbot.lab.tables import (
    AFTER,
    COUNT,
    KEPT,
    OBSERVED,
    PREDICTED,
    REMOVED,
    REST,
    STATUS,
    STATUSES,
    chart_frame,
    distribution_frame,
    frequency_frame,
    label_frame,
    show_token,
)
from chatbot.sentiment.labels import DISPLAY, LABELS, UNKNOWN

CANDS = [Candidate(t, math.log(p)) for t, p in ((" azul", 0.5), ("\n", 0.3), (" rojo", 0.1))]


def test_tokens_show_their_spaces_and_line_breaks() -> None:
    assert show_token(" azul") == "␣azul"
    assert show_token("a\nb") == "a↵b"
    assert show_token("") == "∅"


def test_removed_tokens_keep_their_bar_greyed_at_the_models_height() -> None:
    frame = distribution_frame(reshape(CANDS, 1.0, 0, 0.5))
    assert list(frame["token"]) == ["01. ␣azul", "02. ↵", "03. ␣rojo", OTHER]
    assert list(frame[STATUS]) == [KEPT, REMOVED, REMOVED, REMOVED]
    assert list(frame["p"]) == pytest.approx([1.0, 0.3, 0.1, 0.1])
    assert list(frame[AFTER]) == pytest.approx([1.0, 0, 0, 0])


def test_the_tail_is_its_own_bar() -> None:
    frame = distribution_frame(reshape(CANDS))
    assert frame.iloc[-1][STATUS] == REST
    assert frame.iloc[-1]["p"] == pytest.approx(0.1)


def test_the_chart_gets_every_status_so_later_greyed_bars_are_drawn() -> None:
    frame = distribution_frame(reshape(CANDS))  # nothing removed yet
    drawn = chart_frame(frame)
    assert set(drawn[STATUS]) == set(STATUSES)
    assert len(drawn) == len(frame) + 1 and set(drawn["token"]) == set(frame["token"])
    assert drawn.groupby("token")["p"].sum().to_dict() == frame.set_index("token")["p"].to_dict()
    cut = distribution_frame(reshape(CANDS, 1.0, 0, 0.5))  # no status "rest" here
    assert list(chart_frame(cut)[STATUS])[-1] == REST and len(chart_frame(cut)) == len(cut) + 1


def test_frequencies_sit_beside_the_predicted_probabilities() -> None:
    shape = reshape(CANDS, 1.0, 0, 0.7)  # azul and \n kept
    frame = frequency_frame([" azul", " azul", "\n", " verde"], shape)
    rows = {r["token"]: r for r in frame.to_dict("records")}
    assert set(rows) == {"01. ␣azul", "02. ↵", OTHER}
    assert rows["01. ␣azul"][PREDICTED] == pytest.approx(0.625)
    assert rows["01. ␣azul"][OBSERVED] == pytest.approx(0.5)
    assert rows[OTHER][COUNT] == 1
    assert frame[COUNT].sum() == 4


def test_labels_add_up_their_candidates_and_the_rest_is_unclassified() -> None:
    cands = [Candidate(t, math.log(p)) for t, p in
             (("negative", 0.5), ("Neg", 0.2), ("positive", 0.1), ("The", 0.1))]
    frame = label_frame(["negative", "Negative.", "positive", "Neutral!", "Hmm no"],
                        reshape(cands))
    rows = {r["token"]: r for r in frame.to_dict("records")}
    assert list(rows) == [*(DISPLAY[label] for label in LABELS), UNKNOWN]
    assert rows[DISPLAY["negative"]][PREDICTED] == pytest.approx(0.7)
    assert rows[DISPLAY["positive"]][PREDICTED] == pytest.approx(0.1)
    assert rows[DISPLAY["neutral"]][PREDICTED] == 0.0
    assert rows[UNKNOWN][PREDICTED] == pytest.approx(0.2)  # "The" and the unseen tail
    assert [r[COUNT] for r in rows.values()] == [1, 1, 2, 1]
    assert rows[DISPLAY["negative"]][OBSERVED] == pytest.approx(0.4)
