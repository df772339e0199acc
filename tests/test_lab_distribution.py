"""Reshaping and drawing, checked against the definitions with hand-computed numbers."""

import math
from collections import Counter

import pytest

from chatbot.lab.distribution import Candidate, draw, first_candidate, reshape, rest_mass

PROBS = [0.4, 0.25, 0.15, 0.1]  # 0.1 left to all other tokens
CANDS = [Candidate(t, math.log(p)) for t, p in zip("abcd", PROBS, strict=True)]


def test_t1_top_p1_returns_the_model_probabilities_unchanged() -> None:
    shape = reshape(CANDS[::-1], 1.0, 0, 1.0)  # order given does not matter
    assert shape.tokens == ("a", "b", "c", "d")
    assert shape.after == pytest.approx(PROBS, abs=1e-12)
    assert shape.rest_after == pytest.approx(0.1)
    assert all(shape.kept) and shape.rest_kept


@pytest.mark.parametrize("temperature", [0.0, 1e-3, 0.01])
def test_temperature_towards_zero_puts_all_mass_on_the_first(temperature: float) -> None:
    shape = reshape(CANDS, temperature)
    assert shape.after[0] == pytest.approx(1.0)
    assert sum(shape.after[1:]) + shape.rest_after == pytest.approx(0.0, abs=1e-9)


def test_temperature_follows_the_power_law() -> None:
    shape = reshape(CANDS, 0.5)
    weights = [p ** 2 for p in PROBS]
    tail = 0.1 * 0.1  # the tail as tokens no likelier than the last candidate: rest * p_min^(1/T-1)
    total = sum(weights) + tail
    assert shape.after == pytest.approx([w / total for w in weights])
    assert shape.rest_after == pytest.approx(tail / total)
    assert sum(shape.after) + shape.rest_after == pytest.approx(1.0)


def test_high_temperature_flattens() -> None:
    hot = reshape(CANDS, 2.0)
    assert hot.after[0] < PROBS[0] and hot.after[-1] > PROBS[-1]


@pytest.mark.parametrize("top_p, kept", [(0.5, 2), (0.4, 1), (0.65, 2), (0.66, 3), (0.9, 4)])
def test_top_p_keeps_the_smallest_prefix_reaching_it(top_p: float, kept: int) -> None:
    shape = reshape(CANDS, 1.0, 0, top_p)
    assert shape.kept == (True,) * kept + (False,) * (4 - kept)
    assert not shape.rest_kept
    mass = sum(PROBS[:kept])
    assert shape.after[:kept] == pytest.approx([p / mass for p in PROBS[:kept]])
    assert shape.before == pytest.approx(PROBS)  # removed ones stay listed with their old value


def test_top_p_beyond_the_candidates_keeps_the_tail() -> None:
    shape = reshape(CANDS, 1.0, 0, 0.95)
    assert all(shape.kept) and shape.rest_kept
    assert sum(shape.after) + shape.rest_after == pytest.approx(1.0)


def test_top_k_cuts_first_then_top_p_on_what_is_left() -> None:
    shape = reshape(CANDS, 1.0, 3, 1.0)
    assert shape.kept == (True, True, True, False) and not shape.rest_kept
    assert shape.after[:3] == pytest.approx([p / 0.8 for p in PROBS[:3]])
    # of the 0.8 kept, 0.5 of it is 0.4: 'a' alone reaches it
    assert reshape(CANDS, 1.0, 3, 0.5).kept == (True, False, False, False)


def test_rest_mass_never_negative() -> None:
    assert rest_mass([Candidate("x", 0.0), Candidate("y", math.log(0.2))]) == 0.0


def test_draw_is_seeded_and_follows_the_reshaped_probabilities() -> None:
    shape = reshape(CANDS, 1.0, 0, 0.66)  # a, b, c kept: 0.4, 0.25, 0.15 of 0.8
    assert draw(shape, 7) == draw(shape, 7)
    counts = Counter(draw(shape, seed) for seed in range(4000))
    assert set(counts) == {0, 1, 2}
    for i, p in enumerate((0.5, 0.3125, 0.1875)):
        assert counts[i] / 4000 == pytest.approx(p, abs=0.03)


def test_draw_at_temperature_zero_is_the_first() -> None:
    assert {draw(reshape(CANDS, 0.0), s) for s in range(50)} == {0}


def test_an_answer_counts_for_the_longest_candidate_its_text_starts_with() -> None:
    tokens = ("Bl", "Az", "B", "Blan", "az")
    assert first_candidate("Blanco.", tokens) == "Blan"  # not "B", not the first letter
    assert first_candidate("Azul", tokens) == "Az"
    assert first_candidate("Rojo", tokens) is None


def test_a_token_the_backend_reports_is_trusted_over_the_text() -> None:
    tokens = ("Bl", "B")
    assert first_candidate("Blanco", tokens, returned="B") == "B"
    assert first_candidate("Blanco", tokens, returned="Bla") is None  # outside the candidates
