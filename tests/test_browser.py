"""Each tab clicked through in headless Chromium, as a student would."""

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from chatbot.lab.tables import HUES, KEPT, REMOVED
from tests.browser import browser, shot

pytestmark = [pytest.mark.browser, pytest.mark.model]


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    with browser() as b:
        yield b


@pytest.fixture
def page(chromium: Browser, app_url: str) -> Iterator[Page]:
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="es-ES")
    pg = context.new_page()
    pg.goto(app_url)
    expect(pg.get_by_text("Laboratorio de chatbots")).to_be_visible(timeout=30_000)
    yield pg
    context.close()


def field(page: Page, label: str) -> Locator:
    """A text box by its label: Gradio puts the control's one-line explanation in the same
    label, so its accessible name holds the label as whole words among others."""
    return page.get_by_label(re.compile(rf"(^|\s){re.escape(label)}(\s|$)"))


def open_tab(page: Page, name: str) -> None:
    page.get_by_role("tab", name=name).click()


def test_the_status_line_names_backend_and_model(page: Page) -> None:
    status = page.locator("#backend-status")
    expect(status).to_contain_text("Embebido", timeout=60_000)
    expect(status).to_contain_text("qwen2.5-coder-0.5b-instruct")


def test_chat_answers_and_undo_gives_the_message_back(page: Page) -> None:
    open_tab(page, "Chat")
    box = field(page, "Mensaje")
    box.fill("Hola, ¿quién eres? Una frase.")
    expect(page.get_by_text("tokens de entrada").first).to_be_visible(
        timeout=20_000)  # the estimate before sending
    box.press("Enter")
    bot = page.locator("[data-testid='bot']")
    expect(bot).to_have_count(2, timeout=120_000)  # the greeting and the answer
    expect(page.get_by_text("coste").first).to_be_visible(timeout=120_000)
    shot(page, "chat")
    page.get_by_role("button", name="↩️ Deshacer").click()
    expect(box).to_have_value("Hola, ¿quién eres? Una frase.", timeout=20_000)
    expect(bot).to_have_count(1)


def test_persona_preset_changes_the_greeting(page: Page) -> None:
    open_tab(page, "Chat")
    page.get_by_label("Persona").click()
    page.get_by_role("option", name="Capitán Byte", exact=False).click()
    expect(page.get_by_text("¡Arrr! Soy el Capitán Byte")).to_be_visible(timeout=20_000)


def test_playground_shows_outputs_side_by_side_and_code(page: Page) -> None:
    open_tab(page, "Playground")
    n = page.get_by_label("n", exact=True)
    n.fill("2")
    page.get_by_label("max_tokens", exact=True).fill("8")
    page.get_by_role("button", name="Ejecutar", exact=True).click()
    expect(page.locator(".pg-card")).to_have_count(2, timeout=120_000)
    expect(page.locator(".tok").first).to_be_visible()
    page.get_by_role("button", name="Ver código", exact=True).click()
    expect(page.get_by_text("client.chat.completions.create(").first).to_be_visible(
        timeout=20_000)
    shot(page, "playground")


def test_a_dead_server_is_a_clear_message_and_the_text_stays(page: Page) -> None:
    page.get_by_text("Ajustes de esta sesión").click()
    page.get_by_label("Servidor compatible", exact=False).check()
    field(page, "URL base").fill("http://127.0.0.1:9/v1")
    page.get_by_role("button", name="Aplicar", exact=True).click()
    expect(page.locator("#backend-status")).to_contain_text("127.0.0.1:9", timeout=20_000)
    open_tab(page, "Chat")
    box = field(page, "Mensaje")
    box.fill("¿Me oyes?")
    box.press("Enter")
    expect(page.get_by_text("No puedo conectar").first).to_be_visible(timeout=30_000)
    expect(box).to_have_value("¿Me oyes?")
    shot(page, "dead-server")


def test_sentiment_classifies_a_tweet(page: Page) -> None:
    open_tab(page, "Sentimiento")
    page.get_by_placeholder("¡Por fin viernes!", exact=False).fill("¡Me encanta este curso, es genial! 😍")
    page.get_by_role("button", name="Clasificar", exact=True).click()
    expect(page.get_by_text("positivo").first).to_be_visible(timeout=240_000)
    shot(page, "sentiment")


def test_tokens_counts_and_costs_a_text(page: Page) -> None:
    open_tab(page, "Tokens")
    field(page, "Texto o chat").fill("Hola, ¿cuántos tokens son?")
    page.get_by_role("button", name="Contar", exact=True).click()
    expect(page.locator("span[title]").first).to_be_visible(timeout=30_000)  # coloured tokens
    expect(page.get_by_text("cl100k_base").first).to_be_visible()
    expect(page.get_by_text("gpt-4o-mini").first).to_be_visible()
    shot(page, "tokens")


def test_finetuning_validates_an_uploaded_file(page: Page) -> None:
    open_tab(page, "Fine-tuning")
    block = page.locator(".block", has_text="Fichero JSONL").first
    block.locator("input[type=file]").set_input_files(
        str(Path(__file__).parent / "data" / "finetune" / "chat_broken.jsonl"))
    page.get_by_role("button", name="Validar", exact=True).click()
    expect(page.get_by_text("errores").first).to_be_visible(timeout=60_000)
    shot(page, "finetune")


# -- Lab ---------------------------------------------------------------------------------------
def visible(page: Page, text: str) -> Locator:
    """The first shown element with that text (Gradio keeps hidden copies of table cells)."""
    return page.locator(f"text={text} >> visible=true").first


def test_lab_next_token_then_reshape_greys_what_top_p_removes(page: Page) -> None:
    open_tab(page, "Laboratorio")
    page.get_by_role("button", name="Ver candidatos", exact=True).click()
    expect(page.get_by_text("candidatos de")).to_be_visible(timeout=120_000)
    table = page.get_by_label("Candidatos", exact=True).first
    expect(visible(page, "se queda")).to_be_visible(timeout=30_000)
    removed = table.locator("text=eliminado >> visible=true")  # rows, not the legend
    expect(removed).to_have_count(0)  # no row removed yet
    kept_bars = page.locator(f"g.mark-rect path[fill='{HUES[KEPT]}']")
    expect(kept_bars).to_have_count(20, timeout=30_000)  # the chart (Vega's SVG) drew every bar
    shot(page, "lab_next")
    box = page.locator("[aria-label='number input for top_p'] >> visible=true").first
    box.fill("0.5")
    box.press("Enter")
    expect(removed.first).to_be_visible(timeout=30_000)  # rows of the table now
    # the chart draws the removed candidates too, greyed, beside the fewer kept ones
    grey = page.locator(f"g.mark-rect path[fill='{HUES[REMOVED]}']")
    expect(grey.nth(9)).to_be_attached(timeout=30_000)
    assert kept_bars.count() + grey.count() >= 21
    shot(page, "lab_reshape")
    assert table.is_visible()


def test_lab_step_through_appends_tokens_with_their_seeds(page: Page) -> None:
    open_tab(page, "Laboratorio")
    open_tab(page, "Paso a paso")
    text = field(page, "Texto")
    start = text.input_value()
    page.get_by_role("button", name="Sacar un token", exact=True).click()
    expect(page.get_by_text("(semilla 42)")).to_be_visible(timeout=120_000)
    page.get_by_role("button", name="Sacar un token", exact=True).click()
    expect(page.get_by_text("(semilla 43)")).to_be_visible(timeout=120_000)
    assert text.input_value().startswith(start) and len(text.input_value()) > len(start)
    page.wait_for_timeout(6000)  # the chart, as above
    shot(page, "lab_step")
    page.get_by_role("button", name="Empezar de nuevo", exact=True).click()
    expect(text).to_have_value(start, timeout=20_000)


def test_lab_samples_report_how_many_answers_came_back(page: Page) -> None:
    open_tab(page, "Laboratorio")
    open_tab(page, "Muestras")
    n = page.locator("[aria-label='number input for N'] >> visible=true").first
    n.fill("8")
    n.press("Enter")
    page.get_by_role("button", name="Pedir N respuestas", exact=True).click()
    expect(page.get_by_text("**8**").or_(page.get_by_text("respuestas,"))).to_be_visible(
        timeout=240_000)
    page.wait_for_timeout(6000)  # the charts, as above
    shot(page, "lab_samples")


def test_lab_samples_count_sentiment_labels(page: Page) -> None:
    open_tab(page, "Laboratorio")
    open_tab(page, "Muestras")
    page.get_by_label("Sentimiento: el texto es un tweet", exact=False).check()
    prompt = page.locator("textarea >> visible=true").first
    expect(prompt).to_have_value("Hoy empieza el curso nuevo, a ver qué tal va.", timeout=20_000)
    n = page.locator("[aria-label='number input for N'] >> visible=true").first
    n.fill("6")
    n.press("Enter")
    page.get_by_role("button", name="Pedir N respuestas", exact=True).click()
    expect(page.get_by_text("respuestas,")).to_be_visible(timeout=240_000)
    # both charts (Vega's SVG) name the labels on their axis
    expect(page.locator("svg text", has_text="neutro")).to_have_count(2, timeout=30_000)
    shot(page, "lab_samples_sentiment")


def test_lab_compare_shows_one_column_per_configuration(page: Page) -> None:
    open_tab(page, "Laboratorio")
    open_tab(page, "Comparar")
    page.get_by_role("button", name="Comparar", exact=True).click()
    expect(page.locator(".lab-col")).to_have_count(2, timeout=120_000)
    expect(page.locator(".lab-col small")).to_have_count(2)
    expect(page.locator(".lab-col small").first).not_to_have_text("…", timeout=120_000)
    expect(page.locator(".lab-col small").last).not_to_have_text("…", timeout=120_000)
    shot(page, "lab_compare")


def test_lab_error_simulator_draws_the_timeline(page: Page) -> None:
    open_tab(page, "Laboratorio")
    open_tab(page, "Errores")
    page.get_by_role("button", name="Provocar", exact=True).click()
    expect(page.get_by_text("intento 3")).to_be_visible(timeout=60_000)
    expect(page.get_by_text("Demasiadas peticiones").first).to_be_visible()
    shot(page, "lab_errors")


# -- conversations: kept in the browser, rated, edited, turned into training data --------------

QUESTION = "Di solo la palabra: hola"
KEY = "chatbot-lab-chat"


def stored(page: Page) -> str | None:
    """What this browser keeps (encrypted: only whether it changed is visible)."""
    value: str | None = page.evaluate(f"localStorage.getItem('{KEY}')")
    return value


def ask(page: Page, text: str, answers: int) -> None:
    box = field(page, "Mensaje")
    box.fill(text)
    box.press("Enter")
    expect(page.locator("[data-testid='bot']")).to_have_count(answers, timeout=120_000)
    expect(page.get_by_text("coste").first).to_be_visible(timeout=120_000)


def test_a_rated_conversation_survives_a_reload_and_becomes_training_data(page: Page) -> None:
    open_tab(page, "Chat")
    ask(page, QUESTION, 2)
    page.get_by_text("💾 Conversación").click()  # the panel that says what was saved
    page.locator("[data-testid='bot']").nth(1).hover()
    before = stored(page)
    page.get_by_role("button", name="Me gusta", exact=True).last.click()
    expect(page.get_by_text("👍 guardado en el mensaje 2")).to_be_visible(timeout=30_000)
    page.wait_for_function(f"localStorage.getItem('{KEY}') !== {json.dumps(before)}",
                           timeout=30_000)  # the browser has the rated conversation

    page.reload()
    expect(page.get_by_text("Laboratorio de chatbots")).to_be_visible(timeout=30_000)
    open_tab(page, "Chat")
    expect(page.locator("[data-testid='user']").filter(has_text=QUESTION)).to_be_visible(
        timeout=20_000)
    expect(page.locator("[data-testid='bot']")).to_have_count(2)
    expect(page.get_by_role("button", name="Liked")).to_be_visible()  # the thumb came back too
    shot(page, "chat-after-reload")

    page.get_by_text("💾 Conversación").click()
    page.get_by_role("button", name="🎓 Añadir las respuestas", exact=False).click()
    expect(page.get_by_text("ejemplos nuevos", exact=False)).to_be_visible(timeout=60_000)
    expect(page.get_by_text("Sin errores", exact=False).first).to_be_visible()
    page.get_by_role("button", name="➡️ Abrir en Fine-tuning", exact=False).click()
    expect(page.get_by_role("button", name="Entrenar aquí")).to_be_visible(
        timeout=20_000)
    expect(page.locator("td", has_text="liked-answers").filter(visible=True).first).to_be_visible()
    shot(page, "chat-dataset-in-finetuning")


def test_editing_a_question_keeps_the_old_version_to_go_back_to(page: Page) -> None:
    open_tab(page, "Chat")
    page.get_by_role("button", name="🗑️ Limpiar").click()
    ask(page, QUESTION, 2)
    question = page.locator("[data-testid='user']").filter(has_text=QUESTION)
    question.hover()
    page.get_by_role("button", name="Editar", exact=True).nth(1).click()  # greeting, question, …
    page.locator(".message textarea").first.fill("Di solo la palabra: adiós")
    page.get_by_role("button", name="Enviar", exact=True).first.click()  # the edit's, not Send
    expect(page.locator("[data-testid='user']").filter(has_text="adiós")).to_be_visible(
        timeout=20_000)
    expect(page.get_by_text("coste").first).to_be_visible(timeout=120_000)

    page.get_by_text("💾 Conversación").click()
    page.get_by_label("Mensajes con varias versiones", exact=False).click()
    page.get_by_role("option", name="‹ 2/2 ›", exact=False).first.click()
    page.get_by_role("button", name="‹ Anterior", exact=False).click()
    expect(page.locator("[data-testid='user']").filter(has_text=QUESTION)).to_be_visible(
        timeout=20_000)
    expect(page.locator("[data-testid='user']").filter(has_text="adiós")).to_have_count(0)
    shot(page, "chat-branch-back")
