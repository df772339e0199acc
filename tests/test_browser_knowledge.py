"""The Chat tab's knowledge in headless Chromium, as a student would use it: a small FAQ loaded,
a question asked, the sources named under the answer and opened to the text the model was given."""

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser import shot
from tests.test_browser import chromium, field, open_tab, page  # noqa: F401  (fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.model]
FAQ = """# Biblioteca Alameda: preguntas frecuentes

## ¿Cuál es la clave del wifi?
La red se llama Alameda-Lectores y su clave es Hoja-5813.

## ¿Cuántos libros puedo llevarme?
Cada socio se lleva hasta 6 libros durante 21 días.
"""


def test_a_loaded_faq_shows_its_sources_and_they_open_to_the_passage(
        page: Page, tmp_path: Path) -> None:  # noqa: F811  (`page` is the imported fixture)
    faq = tmp_path / "biblioteca_faq.md"
    faq.write_text(FAQ, encoding="utf-8")
    open_tab(page, "Chat")
    row = page.locator("#chat-row")
    row.get_by_text("📚 Conocimiento", exact=True).click()
    row.locator(".block", has_text="Documentos").locator("input[type=file]").first \
        .set_input_files(str(faq))
    row.get_by_role("button", name="Cargar documentos", exact=True).click()
    # the summary, not the upload's file row (shown at once): the passages are in the library
    # from then on (searched by words until they are embedded too)
    expect(row.get_by_text("2 fragmentos de biblioteca_faq.md")).to_be_visible(timeout=120_000)

    box = field(page, "Mensaje")
    box.fill("¿Cuál es la clave del wifi?")
    box.press("Enter")
    title = "📚 Fuentes: biblioteca_faq.md › Biblioteca Alameda: preguntas frecuentes › " \
            "¿Cuál es la clave del wifi?"
    sources = page.locator("[data-testid='bot']", has_text=title)
    expect(sources).to_be_visible(timeout=240_000)
    expect(page.get_by_text("Contexto añadido: ").first).to_be_visible(timeout=30_000)
    given = page.get_by_text("tokens añadidos al prompt de sistema")
    expect(given).to_be_hidden()  # closed until the student opens it
    sources.get_by_text(title).click()
    expect(given).to_be_visible(timeout=10_000)
    expect(sources).to_contain_text("La red se llama Alameda-Lectores y su clave es Hoja-5813.")
    expect(sources).not_to_contain_text("6 libros")  # only what was given: one passage
    shot(page, "chat-knowledge-sources")
