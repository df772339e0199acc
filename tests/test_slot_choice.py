"""Which slot gets a warm start back before a question (engine/slot_choice.py): never a busy
one, never a student's conversation, and none when a slot already holds it."""

from __future__ import annotations

from chatbot.engine.slot_choice import Held, SlotView, choose

PLAIN, TOKEN, TOP_P = ("plain",), ("plain", "token"), ("plain", "top_p")


def warm_engine() -> tuple[list[SlotView], dict[int, Held]]:
    """Four idle slots as the warm-up leaves them: 0-1 plain, 2 temperature, 3 token."""
    views = [SlotView(i, False, 10 + i) for i in range(4)]
    starts = [PLAIN, PLAIN, ("plain", "temperature"), TOKEN]
    return views, {i: Held(start, 10 + i) for i, start in enumerate(starts)}


def test_a_slot_holding_the_start_is_used_as_it_is() -> None:
    views, held = warm_engine()
    assert choose(views, held, {}, set(), TOKEN) == (3, False)


def test_a_second_question_gets_the_start_restored_into_a_spare_plain_slot() -> None:
    """The plain start has the most copies; of those, the highest slot (llama-server gives ties
    to the lowest, so a plain question is least likely to want that one)."""
    views, held = warm_engine()
    assert choose(views, held, {}, {3}, TOKEN) == (1, True)


def test_busy_slots_and_conversations_are_never_taken() -> None:
    views, held = warm_engine()
    views[1] = SlotView(1, True, 11)  # answering someone
    views[0] = SlotView(0, False, 42)  # a task ran since: a student's conversation is in it
    views[2] = SlotView(2, False, 43)
    assert choose(views, held, {}, set(), TOP_P) == (3, True)  # the one warm slot left
    views[3] = SlotView(3, False, 44)
    assert choose(views, held, {}, set(), TOP_P) is None


def test_a_slot_whose_question_began_with_the_start_still_serves_it() -> None:
    """A placed question's conversation begins with its start: the next student asking the
    same concept shares it (the engine finds the longest common prefix there)."""
    views, held = warm_engine()
    views[3] = SlotView(3, False, 50)
    assert choose(views, held, {3: Held(TOKEN, 50)}, set(), TOKEN) == (3, False)
    assert choose(views, held, {3: Held(TOKEN, 49)}, set(), TOKEN) == (1, True)  # ran again


def test_a_plain_question_with_no_plain_slot_left_takes_a_spare_concept_slot() -> None:
    """Every warm start is a file away: a concept's slot is given up for a question that is
    here now (its own start would be restored when someone asks)."""
    views, held = warm_engine()
    views[0], views[1] = SlotView(0, True, 10), SlotView(1, False, 60)
    assert choose(views, held, {}, set(), PLAIN) == (3, True)
