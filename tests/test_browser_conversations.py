"""The Chat tab's conversation controls clicked through in headless Chromium: a rated answer, a
reload that keeps the conversation, an edit that branches, export, and the training file handed
to the Fine-tuning tab."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser import browser, shot

pytestmark = [pytest.mark.browser, pytest.mark.model]

QUESTION = "Di solo la palabra: hola"
KEY = "chatbot-lab-chat"


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


def open_chat(page: Page) -> None:
    page.get_by_role("tab", name="Chat").click()


def stored(page: Page) -> str | None:
    """What this browser keeps (encrypted: only whether it changed is visible)."""
    value: str | None = page.evaluate(f"localStorage.getItem('{KEY}')")
    return value


def ask(page: Page, text: str, answers: int) -> None:
    box = page.get_by_label("Mensaje / Message")
    box.fill(text)
    box.press("Enter")
    expect(page.locator("[data-testid='bot']")).to_have_count(answers, timeout=120_000)
    expect(page.get_by_text("coste / cost")).to_be_visible(timeout=120_000)


def test_a_rated_conversation_survives_a_reload_and_becomes_training_data(page: Page,
                                                                         app_url: str) -> None:
    open_chat(page)
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
    open_chat(page)
    expect(page.locator("[data-testid='user']").filter(has_text=QUESTION)).to_be_visible(
        timeout=20_000)
    expect(page.locator("[data-testid='bot']")).to_have_count(2)
    expect(page.get_by_role("button", name="Liked")).to_be_visible()  # the thumb came back too
    shot(page, "chat-after-reload")

    page.get_by_text("💾 Conversación").click()
    page.get_by_role("button", name="🎓 Añadir las respuestas", exact=False).click()
    expect(page.get_by_text("ejemplos nuevos", exact=False)).to_be_visible(timeout=60_000)
    expect(page.get_by_text("Sin errores", exact=False).or_(
        page.get_by_text("at least 10 examples", exact=False)).first).to_be_visible()
    page.get_by_role("button", name="➡️ Abrir en Fine-tuning", exact=False).click()
    expect(page.get_by_role("button", name="Entrenar aquí / Train here")).to_be_visible(
        timeout=20_000)
    expect(page.locator("td", has_text="liked-answers").filter(visible=True).first).to_be_visible()
    shot(page, "chat-dataset-in-finetuning")


def test_editing_a_question_keeps_the_old_version_to_go_back_to(page: Page) -> None:
    open_chat(page)
    page.get_by_role("button", name="🗑️ Limpiar / Clear").click()
    ask(page, QUESTION, 2)
    question = page.locator("[data-testid='user']").filter(has_text=QUESTION)
    question.hover()
    page.get_by_role("button", name="Editar", exact=True).nth(1).click()  # greeting, question, …
    page.locator(".message textarea").first.fill("Di solo la palabra: adiós")
    page.get_by_role("button", name="Enviar", exact=True).click()
    expect(page.locator("[data-testid='user']").filter(has_text="adiós")).to_be_visible(
        timeout=20_000)
    expect(page.get_by_text("coste / cost")).to_be_visible(timeout=120_000)

    page.get_by_text("💾 Conversación").click()
    page.get_by_label("Mensajes con varias versiones", exact=False).click()
    page.get_by_role("option", name="‹ 2/2 ›", exact=False).first.click()
    page.get_by_role("button", name="‹ Anterior", exact=False).click()
    expect(page.locator("[data-testid='user']").filter(has_text=QUESTION)).to_be_visible(
        timeout=20_000)
    expect(page.locator("[data-testid='user']").filter(has_text="adiós")).to_have_count(0)
    shot(page, "chat-branch-back")
