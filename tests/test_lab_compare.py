"""Compare: configurations parsed with every problem named, streams merged, differences marked,
votes kept and written as JSON."""

import json
from collections.abc import Iterator

import pytest

from chatbot.client import Choice, Result, StreamEvent, Usage
from chatbot.errors import InvalidInput, ServerError
from chatbot.lab import compare, votes


def test_rows_become_configurations_and_blanks_are_skipped() -> None:
    rows = [["local", "", 0, 1, 32, 7], ["openai", "gpt-4o-mini", "1.5", None, None, ""],
            ["", "", None, None, None, None]]
    a, b = compare.parse_configs(rows)
    assert a == compare.Config("local", "", 0.0, 1.0, 32, 7)
    assert b == compare.Config("openai", "gpt-4o-mini", 1.5, None, 64, None)
    assert a.label(0) == "A · local · (default) · T=0 · top_p=1 · seed=7"


def test_every_problem_is_named_at_once() -> None:
    with pytest.raises(InvalidInput) as err:
        compare.parse_configs([["cloud", "", "hot", 1, 32, 1]])
    text = str(err.value)
    assert "1 configuraciones" in text and "'cloud'" in text and "'hot'" in text


def events(words: list[str]) -> Iterator[StreamEvent]:
    text = ""
    for w in words:
        text += w
        yield StreamEvent(w, text)
    result = Result("m", (Choice(0, text, "stop"),), Usage(3, len(words)), 0.5, cost_usd=0.0)
    yield StreamEvent("", text, 0.1, result)


def failing() -> Iterator[StreamEvent]:
    raise ServerError("falló / failed")


def test_streams_are_merged_and_each_keeps_its_own_outcome() -> None:
    snapshots = list(compare.stream_all([lambda: events(["Hola", " mundo"]), failing,
                                         lambda: events(["Adiós"])]))
    last = snapshots[-1]
    assert [a.done for a in last] == [True, True, True]
    assert last[0].text == "Hola mundo" and last[0].tokens == 2 and last[0].latency_s == 0.5
    assert "falló" in last[1].error and last[1].text == ""
    assert last[2].text == "Adiós"


def test_words_that_differ_from_a_are_marked() -> None:
    answers = [compare.Answer("el cielo es azul", 4, 1.0, 0.0, done=True),
               compare.Answer("el cielo es <gris>", 4, 1.2, 0.0, done=True)]
    page = compare.side_by_side_html(["A", "B"], answers)
    assert "<mark>&lt;gris&gt;</mark>" in page  # marked and escaped
    assert "el cielo es azul" in page and "<mark>el" not in page
    assert page.count("4 tokens · 1.") == 2


def test_votes_are_appended_checked_and_written_as_json() -> None:
    answers = compare.answers_json(["A · local", "B · local"],
                                   [compare.Answer("x", done=True), compare.Answer("y", done=True)])
    kept = votes.add_vote([], "p", answers, "B")
    kept = votes.add_vote(kept, "p", answers, votes.TIE)
    data = json.loads(votes.votes_json(kept))
    assert data["count"] == 2 and [v["winner"] for v in data["votes"]] == ["B", votes.TIE]
    assert data["votes"][0]["answers"][1]["text"] == "y"
    with pytest.raises(InvalidInput, match="A, B"):
        votes.add_vote(kept, "p", answers, "D")
    with pytest.raises(InvalidInput):
        votes.add_vote(kept, "p", [], "A")
