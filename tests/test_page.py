"""What a student sees, in headless Chromium at a laptop's (1366×768) and a phone's (390×844)
size: one language per page, a language switch that sticks, each main action's result in view
right after the click, and nothing wider than the screen.

The app runs on the fake OpenAI server (fast, deterministic answers), as a user launches it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from chatbot.i18n import say
from tests.browser import browser, shot
from tests.conftest import launch_app
from tests.fakes.openai_server import FakeOpenAI

BROKEN = Path(__file__).parent / "data" / "finetune" / "chat_broken.jsonl"

pytestmark = pytest.mark.browser

SIZES = {"desktop": {"width": 1366, "height": 768}, "phone": {"width": 390, "height": 844}}
LOCALES = {"es": "es-ES", "en": "en-US"}
# Words a label doubled as "español / English" showed ("Reintentar / Retry"); a slash between
# numbers or inside code is not one.
PAIR = re.compile(r"[A-Za-zÁÉÍÓÚÑáéíóúñ)]{2,} / [A-Za-zÁÉÍÓÚÑáéíóúñ(]{2,}")
# Fixed texts that differ between the languages: on a page, only its own language's show.
MARKERS = ("tab.sentiment", "tab.lab", "sentiment.classify", "sentiment.methods_title",
           "chat.send", "chat.undo", "playground.run", "playground.view_code", "tokens.count",
           "tokens.chat_example", "settings_panel.this_session_s_settings", "lab.show_candidates",
           "sentiment.method", "playground.user_message", "tokens.text_or_chat")
# What the page itself writes (not what a student typed or a model answered): buttons, tabs,
# labels, hints, accordion titles.
CHROME = """() => Array.from(document.querySelectorAll(
  'button, [role=tab], label, [data-testid=block-info], [data-testid=block-label], .label-wrap'))
  .map(e => e.innerText.trim()).filter(t => t)"""


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeOpenAI]:
    with FakeOpenAI(latency=0.3) as server:
        yield server


@pytest.fixture(scope="module")
def app(fake: FakeOpenAI, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    proc, url = launch_app({"CHATBOT_BACKEND": "openai", "OPENAI_BASE_URL": fake.base_url,
                            "OPENAI_API_KEY": "sk-test-page-0000"},
                           tmp_path_factory.mktemp("page") / "app.log")
    yield url
    proc.terminate()
    proc.wait(timeout=20)


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    with browser() as b:
        yield b


def open_page(chromium: Browser, url: str, size: str, lang: str) -> Page:
    context = chromium.new_context(viewport=SIZES[size], locale=LOCALES[lang])
    page = context.new_page()
    page.goto(url)
    # The status line is filled once the page has loaded, in the page's language.
    expect(page.locator("#backend-status")).to_contain_text(say(lang, "status.model"),
                                                           timeout=30_000)
    return page


def tab(page: Page, lang: str, key: str) -> None:
    """Open a top tab and start at its top, as after arriving on it."""
    page.get_by_role("tab", name=say(lang, key), exact=True).click()
    page.evaluate("window.scrollTo(0, 0)")


def page_text(page: Page, lang: str) -> tuple[str, set[str]]:
    """Everything written on every top tab (inactive tabs are not in the page until opened),
    and the texts of its buttons, tabs, labels and hints."""
    texts, chrome = [], set()
    for key in ("tab.sentiment", "tab.chat", "tab.playground", "tab.tokens", "tab.finetune",
                "tab.lab"):
        tab(page, lang, key)
        page.wait_for_timeout(300)
        texts.append(page.locator("body").inner_text())
        chrome |= {line.strip() for text in page.evaluate(CHROME) for line in text.split("\n")}
    return "\n".join(texts), chrome


@pytest.mark.parametrize("lang", ["es", "en"])
def test_a_page_speaks_one_language(chromium: Browser, app: str, lang: str) -> None:
    page = open_page(chromium, app, "desktop", lang)
    text, chrome = page_text(page, lang)
    assert PAIR.findall(text) == []
    other = "en" if lang == "es" else "es"
    assert [k for k in MARKERS if say(lang, k) not in chrome] == []
    assert [say(other, k) for k in MARKERS if say(other, k) in chrome] == []
    status = page.locator("#backend-status").inner_text()
    assert f"{say(lang, 'status.model')}:" in status
    assert f"{say(other, 'status.model')}:" not in status
    shot(page, f"page_{lang}")
    page.context.close()


def test_the_language_switch_sticks(chromium: Browser, app: str) -> None:
    page = open_page(chromium, app, "desktop", "es")
    page.locator("#lang-switch").get_by_text("English", exact=True).click()
    expect(page.get_by_role("tab", name=say("en", "tab.sentiment"), exact=True)).to_be_visible(
        timeout=30_000)
    expect(page.locator("#backend-status")).to_contain_text(say("en", "status.model"),
                                                           timeout=30_000)
    again = page.context.new_page()  # a later visit, same browser
    again.goto(app)
    expect(again.get_by_role("tab", name=say("en", "tab.lab"), exact=True)).to_be_visible(
        timeout=30_000)
    expect(again.get_by_role("tab", name=say("es", "tab.lab"), exact=True)).to_have_count(0)
    page.context.close()


def no_horizontal_overflow(page: Page) -> None:
    wide = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert wide <= 1, f"the page is {wide}px wider than the screen"


def seen(page: Page, name: str) -> None:
    """After an action: nothing wider than the screen, no text doubled in two languages, and a
    screenshot for the person reading the log."""
    no_horizontal_overflow(page)
    assert PAIR.findall(page.locator("body").inner_text()) == []
    shot(page, name)


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_each_result_shows_right_where_the_action_was(chromium: Browser, app: str,
                                                      size: str) -> None:
    page = open_page(chromium, app, size, "es")
    # Sentiment: a clickable example, then Classify; the verdict under the button.
    page.get_by_text("Otra vez sin wifi en la biblioteca", exact=False).first.click()
    # The example reaches the box through the server: Classify before that sends nothing.
    expect(page.locator("#tab-sentiment textarea").first).to_have_value(
        re.compile("Otra vez sin wifi"))
    page.get_by_role("button", name=say("es", "sentiment.classify"), exact=True).click()
    expect(page.locator("#sentiment-verdict h3")).to_be_in_viewport(timeout=60_000)
    seen(page, f"result_sentiment_{size}")

    tab(page, "es", "tab.playground")
    page.get_by_label("n", exact=True).fill("3")
    page.get_by_role("button", name=say("es", "playground.run"), exact=True).click()
    # The answers' area comes into view at once (its progress shows there), then the answers.
    expect(page.locator("#pg-outputs")).to_be_in_viewport(timeout=5_000)
    cards = page.locator("#pg-outputs .pg-card")
    expect(cards).to_have_count(3, timeout=60_000)
    expect(cards.first).to_be_in_viewport()
    for i in range(3):  # each card's tokens wrap inside it
        fits = cards.nth(i).evaluate("c => c.scrollWidth <= c.clientWidth + 1")
        assert fits, f"card {i + 1} overflows"
    seen(page, f"result_playground_{size}")

    tab(page, "es", "tab.tokens")  # the prefilled example is counted on load
    expect(page.locator("#tokens-view span.tok").first).to_be_attached(timeout=30_000)
    page.get_by_role("button", name=say("es", "tokens.count"), exact=True).click()
    expect(page.locator("#tokens-view span.tok").first).to_be_in_viewport(timeout=30_000)
    page.get_by_role("button", name=say("es", "tokens.chat_example"), exact=True).click()
    expect(page.locator("#tokens-view .tok-role").first).to_be_in_viewport(timeout=30_000)
    seen(page, f"result_tokens_{size}")

    tab(page, "es", "tab.finetune")  # the first step: a file validated, its summary in sight
    page.locator("#tab-finetune .block", has_text=say("es", "finetune.jsonl_file")).first \
        .locator("input[type=file]").set_input_files(str(BROKEN))
    page.get_by_role("button", name=say("es", "finetune.validate"), exact=True).click()
    expect(page.locator("#ft-summary")).to_contain_text(BROKEN.name, timeout=60_000)
    expect(page.locator("#ft-summary")).to_be_in_viewport()
    narrowest = min(page.locator("#ft-problems th").evaluate_all(
        "cells => cells.map(c => c.getBoundingClientRect().width)"))
    assert narrowest >= 60, "the problems table squeezes a column instead of scrolling"
    seen(page, f"result_finetune_{size}")

    tab(page, "es", "tab.lab")
    page.get_by_role("button", name=say("es", "lab.show_candidates"), exact=True).click()
    expect(page.locator("#lab-next-plot g.mark-rect path").first).to_be_in_viewport(
        timeout=60_000)
    seen(page, f"result_lab_{size}")
    page.get_by_role("tab", name=say("es", "lab.errors"), exact=True).click()
    page.get_by_role("button", name=say("es", "lab.trigger"), exact=True).click()
    expect(page.locator("#lab-timeline td").first).to_be_visible(timeout=60_000)
    expect(page.locator("#lab-final")).to_be_in_viewport()
    # Its timeline's short cells ("0.06", "servidor") on one line each: the table scrolls
    # sideways on a phone rather than break words into letters.
    lines = page.locator("#lab-timeline td:nth-child(-n+2)").evaluate_all(
        "cells => cells.map(c => { const r = document.createRange(); r.selectNodeContents(c);"
        " return r.getClientRects().length; })")
    assert lines and max(lines) == 1, lines
    seen(page, f"result_lab_errors_{size}")

    tab(page, "es", "tab.chat")
    # The persona's settings beside the chat on a laptop; folded under it on a phone, where
    # the message box is on the first screen.
    persona = page.locator("#tab-chat").get_by_label(say("es", "chat.system_prompt")).first
    box = page.get_by_placeholder(say("es", "chat.type_and_press_enter"))
    if size == "phone":
        expect(persona).to_be_hidden()
        expect(box).to_be_in_viewport()
    else:
        expect(persona).to_be_in_viewport()
    box.fill("Hola")
    box.press("Enter")
    expect(page.locator("[data-testid='bot']").nth(1)).to_be_in_viewport(timeout=60_000)
    seen(page, f"result_chat_{size}")
    page.context.close()


def test_the_phone_reaches_every_tab(chromium: Browser, app: str) -> None:
    page = open_page(chromium, app, "phone", "es")
    for key in ("tab.sentiment", "tab.chat", "tab.playground", "tab.tokens", "tab.finetune",
                "tab.lab"):
        expect(page.get_by_role("tab", name=say("es", key), exact=True)).to_be_visible()
    for name in ("Español", "English"):  # the language switch, whole, on the screen
        choice = page.locator("#lang-switch label", has_text=name).bounding_box()
        assert choice is not None and 0 <= choice["x"] <= choice["x"] + choice["width"] <= 390
    tab(page, "es", "tab.chat")  # the conversation before the persona's settings
    chat_top = page.locator("[data-testid='bot']").first.bounding_box()
    persona_top = page.locator("#chat-persona").bounding_box()
    assert chat_top is not None and persona_top is not None
    assert chat_top["y"] < persona_top["y"]
    tab(page, "es", "tab.finetune")  # every step, none behind "⋮"
    for key in ("finetune.validate_cost", "finetune.tab_prepare", "finetune.train",
                "finetune.tab_evaluate"):
        expect(page.get_by_role("tab", name=say("es", key), exact=True)).to_be_visible()
    page.context.close()
