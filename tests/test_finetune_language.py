"""Issue 27 for the Fine-tuning tab and CLI: every message comes in the reader's language, never
as "español / English". Bad inputs go through the tab's own error edge (`friendly`) with a
Spanish and an English session; what a good file gives back is read in both languages too."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import gradio as gr
import pytest

from chatbot.context import AppContext, Session
from chatbot.errors import ChatbotError
from chatbot.finetune import views
from chatbot.finetune.on_machine import views as local_views
from chatbot.finetune.words import Refusal
from chatbot.settings import Settings
from chatbot.ui.common import friendly

DATA = Path(__file__).parent / "data" / "finetune"
PREPARE = ("", "chat", [], 0.0, 1, "", "", "gpt-4o-mini")  # system … model, as the tab sends


@pytest.fixture
def ctx(tmp_path: Path) -> AppContext:
    """Offline: none of these calls reaches a server (the key and URL lead nowhere)."""
    return AppContext.create(Settings.from_env({
        "CHATBOT_BACKEND": "openai", "OPENAI_API_KEY": "sk-test-nowhere",
        "OPENAI_BASE_URL": "http://127.0.0.1:9/v1", "CHATBOT_CACHE_DIR": str(tmp_path / "cache")}),
        embedded=False)


@pytest.fixture
def work(tmp_path: Path) -> Path:
    for f in DATA.iterdir():
        shutil.copy(f, tmp_path / f.name)
    (tmp_path / "photo.jsonl").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)))
    (tmp_path / "empty.jsonl").write_bytes(b"")
    return tmp_path


Call = Callable[[AppContext, Session, Path], Any]
BAD_INPUTS: dict[str, Call] = {
    "no file": lambda c, s, w: views.validate_view(c, s.lang, None, "gpt-4o-mini", 0),
    "missing file": lambda c, s, w: views.validate_view(c, s.lang, str(w / "nope.jsonl"),
                                                        "gpt-4o-mini", 0),
    "binary file": lambda c, s, w: views.validate_view(c, s.lang, str(w / "photo.jsonl"),
                                                       "gpt-4o-mini", 0),
    "empty file": lambda c, s, w: views.validate_view(c, s.lang, str(w / "empty.jsonl"),
                                                      "gpt-4o-mini", 0),
    "unknown columns": lambda c, s, w: views.analyze_view(c, s.lang, str(w / "wrong_columns.csv"),
                                                          *PREPARE),
    "legacy fix on chat": lambda c, s, w: views.analyze_view(
        c, s.lang, str(w / "chat_valid.jsonl"), "", "chat", ["add_stop", "nope"], 0.0, 1, "", "",
        "gpt-4o-mini"),
    "unusable rows": lambda c, s, w: views.prepare_view(c, s.lang, str(w / "faq_excel.csv"),
                                                        *PREPARE),
    "no job id": lambda c, s, w: views.status_view(c, s, "  ", None),
    "impossible job": lambda c, s, w: views.create_view(
        c, s, str(w / "chat_valid.jsonl"), None, "gpt-4o-mini", "x" * 65, None, 99, 999, 20.0,
        True),
    "broken training file": lambda c, s, w: views.create_view(
        c, s, str(w / "chat_broken.jsonl"), None, "gpt-4o-mini", "", None, None, None, None,
        True),
    "impossible local run": lambda c, s, w: local_views.plan_view(
        c, s.lang, str(w / "chat_valid.jsonl"), epochs=99, learning_rate=1, ctx_tokens=300,
        optimizer="adam", suffix="no vale!"),
    "nothing to evaluate": lambda c, s, w: views.evaluate_view(
        c, s, str(w / "wrong_columns.csv"), "", "name", "nope", 5, 4, "session", "", "",
        "session", "", ""),
}


def refusal(ctx: AppContext, lang: str, call: Call, work: Path) -> gr.Error:
    session = replace(ctx.new_session(), lang=lang)
    with pytest.raises(gr.Error) as err:
        friendly(lambda state: call(ctx, state, work))(session)
    return err.value


def said_from_keys(err: ChatbotError) -> bool:
    """Its words come from the language tables, not from cutting an "español / English" pair at
    the edge (`one_language`, the stopgap that would hide a doubled message)."""
    return err.keys is not None or isinstance(err, Refusal)


@pytest.mark.parametrize("case", BAD_INPUTS)
def test_a_refusal_is_in_the_reader_s_language_only(ctx: AppContext, work: Path,
                                                     case: str) -> None:
    with pytest.raises(ChatbotError) as raised:
        BAD_INPUTS[case](ctx, ctx.new_session(), work)
    assert said_from_keys(raised.value), str(raised.value)
    spanish, english = (refusal(ctx, lang, BAD_INPUTS[case], work) for lang in ("es", "en"))
    for err in (spanish, english):
        assert err.message.strip() and " / " not in err.message, err.message
        assert " / " not in str(err.title), err.title
    assert spanish.message != english.message
    assert english.message not in spanish.message and spanish.message not in english.message


def test_refusals_say_what_is_wrong_where(ctx: AppContext, work: Path) -> None:
    local = refusal(ctx, "es", BAD_INPUTS["impossible local run"], work).message
    assert local == ("Parámetros imposibles: épocas entre 1 y 20; tasa de aprendizaje en "
                     "(0, 1e-3]; contexto: múltiplo de 256 entre 256 y 2048; optimizador adamw "
                     "o sgd; sufijo: hasta 40 letras, cifras, - o _.")
    rows = refusal(ctx, "en", BAD_INPUTS["unusable rows"], work).message
    assert rows.startswith("1 rows cannot be used; the first is line ")
    assert "Column 'Respuesta' is empty in this row." in rows and "drop_invalid" in rows
    broken = refusal(ctx, "es", BAD_INPUTS["broken training file"], work).message
    assert broken.startswith("El fichero de entrenamiento tiene 14 errores; no lo subo. Línea 2: "
                             "JSON no válido: ")


def test_what_a_file_gives_back_is_in_one_language(ctx: AppContext, work: Path) -> None:
    said = {}
    for lang in ("es", "en"):
        summary, rows, cost, _ = views.validate_view(ctx, lang, str(work / "chat_broken.jsonl"),
                                                     "gpt-4o-mini", 0)
        analysis, _ = views.analyze_view(ctx, lang, str(work / "legacy_sentiment.jsonl"), "",
                                         "legacy", [], 0.0, 1, "", "", "babbage-002")
        log, _ = views.prepare_view(ctx, lang, str(work / "faq_excel.csv"), "", "chat",
                                    ["drop_invalid"], 0.25, 1, "", "", "gpt-4o-mini")
        texts = [summary, cost, analysis, log,
                 *(str(cell) for row in rows for cell in row[1:])]
        assert all(" / " not in text for text in texts), texts
        said[lang] = "\n".join(texts)
    assert "Épocas" in said["es"] and "Epochs" not in said["es"]
    assert "Epochs" in said["en"] and "Épocas" not in said["en"]
    assert "clasificación" in said["es"] and "classification" in said["en"]
