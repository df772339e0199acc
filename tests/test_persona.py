import pytest

from chatbot import messages
from chatbot.chat import persona
from chatbot.errors import InvalidInput


def test_gradio6_blocks_become_plain_text() -> None:
    history = [
        {"role": "assistant", "content": [{"type": "text", "text": "¡Hola!"}]},
        {"role": "user", "content": [{"type": "text", "text": "Hola, "},
                                     {"type": "text", "text": "Edu"}]},
        {"role": "user", "content": {"path": "/tmp/x.png", "mime_type": "image/png"}},
        {"role": "assistant", "content": "plain string", "metadata": None},
    ]
    assert messages.history_to_messages(history) == [
        {"role": "assistant", "content": "¡Hola!"},
        {"role": "user", "content": "Hola, Edu"},
        {"role": "assistant", "content": "plain string"},
    ]


def test_build_messages_puts_the_persona_first() -> None:
    msgs = persona.build_messages("Eres Edu.", [{"role": "assistant", "content": "Hola"}], "¿Qué tal?")
    assert msgs == [
        {"role": "system", "content": "Eres Edu."},
        {"role": "assistant", "content": "Hola"},
        {"role": "user", "content": "¿Qué tal?"},
    ]


def test_trim_keeps_system_and_last_turn_and_counts_what_it_dropped() -> None:
    msgs = [{"role": "system", "content": "s"}]
    for i in range(5):
        msgs += [{"role": "user", "content": f"u{i}"}, {"role": "assistant", "content": f"a{i}"}]
    msgs.append({"role": "user", "content": "last"})

    def count(m: list[dict[str, str]]) -> int:
        return len(m) * 10

    kept, dropped = persona.trim_to_fit(msgs, count, budget=40)
    assert kept[0]["role"] == "system"
    assert kept[-1]["content"] == "last"
    assert kept[1]["role"] == "user"  # never starts on a bot reply
    assert count(kept) <= 40
    assert dropped == len(msgs) - len(kept)


def test_trim_leaves_a_fitting_chat_alone() -> None:
    msgs = [{"role": "user", "content": "hola"}]
    assert persona.trim_to_fit(msgs, len, 10) == (msgs, 0)


def test_presets_include_the_course_assistant() -> None:
    course = persona.preset("course")
    assert "educación online" in course.system_prompt
    assert course.greeting
    with pytest.raises(InvalidInput, match="course"):
        persona.preset("nope")


def test_the_bot_name_joins_the_system_prompt_once() -> None:
    assert persona.identity_prompt("Luna", "Eres amable.").startswith("Te llamas Luna.")
    assert persona.identity_prompt("Edu", "Eres Edu, un asistente.") == "Eres Edu, un asistente."
    assert persona.identity_prompt("", "Eres amable.") == "Eres amable."
