"""Telegram's text rules: splitting at 4096 UTF-16 units and the legacy-Markdown conversion."""

from __future__ import annotations

from chatbot.chat.persona import PRESETS
from chatbot.errors import BudgetExceeded
from chatbot.telegram import text as tt


def test_short_text_is_one_part() -> None:
    assert tt.split_message("  hola  ") == ["hola"]
    assert tt.split_message("") == []


def test_long_text_splits_at_paragraphs_within_the_limit() -> None:
    paragraph = ("palabra " * 60).strip()
    text = "\n\n".join([paragraph] * 40)
    parts = tt.split_message(text, limit=1000)
    assert len(parts) > 1
    assert all(tt.utf16_len(p) <= 1000 for p in parts)
    assert all(p == p.strip() for p in parts)
    # nothing lost: rejoining the parts gives back every paragraph
    assert "\n\n".join(parts).split("\n\n") == [paragraph] * 40


def test_a_word_longer_than_the_limit_is_cut_hard() -> None:
    parts = tt.split_message("x" * 2500, limit=1000)
    assert "".join(parts) == "x" * 2500
    assert all(tt.utf16_len(p) <= 1000 for p in parts)


def test_emoji_count_double_as_telegram_does() -> None:
    text = "😀" * 3000  # 6000 UTF-16 units
    parts = tt.split_message(text)
    assert len(parts) == 2
    assert all(tt.utf16_len(p) <= tt.TELEGRAM_LIMIT for p in parts)
    assert "".join(parts) == text


def test_a_code_block_across_a_cut_is_closed_and_reopened() -> None:
    code = "\n".join(f"print({i})" for i in range(400))
    text = f"Mira:\n```python\n{code}\n```\nFin."
    parts = tt.split_message(text, limit=1000)
    assert len(parts) > 2
    for part in parts:
        assert part.count("```") % 2 == 0, part  # every part renders on its own
        assert tt.utf16_len(part) <= 1000
    assert parts[1].startswith("```python\n")
    assert parts[-1].endswith("Fin.")


def test_parts_of_a_prefix_stay_put_as_the_text_grows() -> None:
    text = "\n".join(f"Línea número {i} con algo de texto" for i in range(400))
    final = tt.split_message(text, limit=1000)
    for end in range(1100, len(text), 397):
        growing = tt.split_message(text[:end], limit=1000)
        assert growing[:-1] == final[:len(growing) - 1]


def test_markdown_conversion_to_telegram_dialect() -> None:
    src = ("# Título\n\n**negrita** y __otra__\n* uno\n- dos\nuna_variable_larga\n"
           "`a_b` y\n```python\nx = a_b ** 2\n```")
    out = tt.to_markdown(src)
    assert out.splitlines()[:6] == ["*Título*", "", "*negrita* y *otra*", "• uno", "• dos",
                                    r"una\_variable\_larga"]
    assert "`a_b`" in out  # code is left alone
    assert "x = a_b ** 2" in out


def test_markup_detection_and_telegram_error_matching() -> None:
    assert not tt.has_markup("hola, ¿qué tal?")
    assert tt.has_markup("un *poco*")
    assert tt.is_not_modified("Message is not modified: specified new message content ...")


def test_fixed_replies_name_every_command_in_one_language() -> None:
    current = PRESETS[1]
    for lang, other in (("es", "en"), ("en", "es")):
        listing = tt.persona_list(current, PRESETS, lang)
        assert all(p.key in listing for p in PRESETS)
        assert f"👉 {current.key}" in listing
        help_ = tt.help_text(PRESETS[0], lang)
        assert all(f"/{name}" in help_ for name in tt.COMMANDS)
        assert all(what in help_ for _, what in tt.commands(lang))
        assert not any(what in help_ for _, what in tt.commands(other))
        assert " / " not in listing + help_ + tt.persona_switched(current, lang)
    budget = BudgetExceeded.keyed("ledger.spent_of", spent="$1", budget="$1")
    assert tt.error_reply(budget, "en").startswith("⚠️ Budget\n")
    assert tt.error_reply(budget, "es") == "⚠️ Presupuesto\n$1 de $1"
