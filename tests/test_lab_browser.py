"""The Lab tab clicked through in headless Chromium, with screenshots for review."""

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

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
    pg.get_by_role("tab", name="Laboratorio / Lab").click()
    yield pg
    context.close()


def visible(page: Page, text: str) -> Locator:
    """The first shown element with that text (Gradio keeps hidden copies of table cells)."""
    return page.locator(f"text={text} >> visible=true").first


def sub_tab(page: Page, name: str) -> None:
    page.get_by_role("tab", name=name).click()


def test_next_token_then_reshape_greys_what_top_p_removes(page: Page) -> None:
    page.get_by_role("button", name="Ver candidatos / Show candidates").click()
    expect(page.get_by_text("candidatos de / candidates from")).to_be_visible(timeout=120_000)
    table = page.get_by_label("Candidatos / Candidates").first
    expect(visible(page, "se queda / kept")).to_be_visible(timeout=30_000)
    expect(visible(page, "eliminado / removed")).to_have_count(0)
    shot(page, "lab_next")
    box = page.get_by_label("number input for top_p").first
    box.fill("0.5")
    box.press("Enter")
    expect(visible(page, "eliminado / removed")).to_be_visible(timeout=30_000)
    page.wait_for_timeout(3000)  # the chart redraws after the table
    shot(page, "lab_reshape")
    assert table.is_visible()


def test_step_through_appends_tokens_with_their_seeds(page: Page) -> None:
    sub_tab(page, "Paso a paso / Step through")
    text = page.get_by_label("Texto / Text")
    start = text.input_value()
    page.get_by_role("button", name="Sacar un token / Draw a token").click()
    expect(page.get_by_text("(semilla / seed 42)")).to_be_visible(timeout=120_000)
    page.get_by_role("button", name="Sacar un token / Draw a token").click()
    expect(page.get_by_text("(semilla / seed 43)")).to_be_visible(timeout=120_000)
    assert text.input_value().startswith(start) and len(text.input_value()) > len(start)
    page.wait_for_timeout(2000)
    shot(page, "lab_step")
    page.get_by_role("button", name="Empezar de nuevo / Start over").click()
    expect(text).to_have_value(start, timeout=20_000)


def test_samples_plot_beside_predictions(page: Page) -> None:
    sub_tab(page, "Muestras / Samples")
    n = page.get_by_label("number input for N").first
    n.fill("8")
    n.press("Enter")
    page.get_by_role("button", name="Pedir N respuestas / Ask N answers").click()
    expect(page.get_by_text("**8**").or_(page.get_by_text("respuestas / answers,"))).to_be_visible(
        timeout=240_000)
    page.wait_for_timeout(3000)
    shot(page, "lab_samples")


def test_compare_shows_one_column_per_configuration(page: Page) -> None:
    sub_tab(page, "Comparar / Compare")
    page.get_by_role("button", name="Comparar / Compare").click()
    expect(page.locator(".lab-col")).to_have_count(2, timeout=120_000)
    expect(page.locator(".lab-col small")).to_have_count(2)
    expect(page.locator(".lab-col small").first).not_to_have_text("…", timeout=120_000)
    expect(page.locator(".lab-col small").last).not_to_have_text("…", timeout=120_000)
    shot(page, "lab_compare")


def test_error_simulator_draws_the_timeline(page: Page) -> None:
    sub_tab(page, "Errores / Errors")
    page.get_by_role("button", name="Provocar / Trigger").click()
    expect(page.get_by_text("intento / attempt 3")).to_be_visible(timeout=60_000)
    expect(page.get_by_text("Demasiadas peticiones").first).to_be_visible()
    shot(page, "lab_errors")
