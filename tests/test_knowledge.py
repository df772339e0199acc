"""Knowledge: documents → passages with file and section, lexical search, the prompt budget."""

from pathlib import Path

import pytest

from chatbot.errors import InvalidInput
from chatbot.i18n import say
from chatbot.knowledge import Index, course_pack, ground, read_files
from chatbot.knowledge.grounding import instruction, sources_markdown, sources_title
from chatbot.knowledge.library import Library, summary
from chatbot.knowledge.passages import MAX_CHARS, split_document, split_markdown, split_qa_csv, split_text
from chatbot.knowledge.search import terms
from chatbot.knowledge.views import retrieval_markdown
from chatbot.messages import history_to_messages

FAQ = Path(__file__).resolve().parent.parent / "bench" / "knowledge"
HEADER = say("es", "knowledge.header")


def words(text: str) -> int:
    return len(text.split())


def test_markdown_passages_carry_their_heading_path() -> None:
    text = "# Guía\nIntro.\n\n## Horario\nAbrimos a las 9.\n\n### Domingo\nCerrado.\n## Precio\n5 €"
    got = [(p.section, p.text) for p in split_markdown("g.md", text)]
    assert got == [("Guía", "Intro."), ("Guía › Horario", "Abrimos a las 9."),
                   ("Guía › Horario › Domingo", "Cerrado."), ("Guía › Precio", "5 €")]


def test_a_long_section_is_cut_between_sentences_within_the_limit() -> None:
    sentence = "Esta frase tiene bastantes palabras para llenar un fragmento de texto. "
    passages = split_markdown("l.md", "## Larga\n" + sentence * 40)
    assert len(passages) > 3
    assert all(len(p.text) <= MAX_CHARS and p.section == "Larga" for p in passages)
    assert " ".join(p.text for p in passages) == " ".join((sentence * 40).split())


def test_a_qa_csv_gives_one_passage_per_row_with_the_question_as_section() -> None:
    passages = split_qa_csv("faq.csv", (FAQ / "museo_faq.csv").read_text(encoding="utf-8"))
    assert len(passages) == 6
    assert passages[2].section == "¿Hay audioguía?"
    assert "FaroVoz" in passages[2].text


def test_a_plain_text_faq_gives_one_passage_per_question() -> None:
    """Questions each followed by their answer (on the next line or the next paragraph) are not
    joined into 700-character pieces: each answer stays with its own question."""
    faq = ("Clínica Arenal: preguntas frecuentes\n\n"
           "¿Cuál es el horario?\nDe lunes a jueves, de 9:30 a 14:00.\n\n"
           "¿Cuánto cuesta una limpieza?\n45 euros.\n\n"
           "**¿Atendéis urgencias?**\n\nSí, al 699 310 455.\n\n"
           "¿Dónde estáis?\nEn la calle Uría 14.")
    passages = split_text("faq.txt", faq)
    assert [p.section for p in passages] == ["", "¿Cuál es el horario?",
                                             "¿Cuánto cuesta una limpieza?",
                                             "¿Atendéis urgencias?", "¿Dónde estáis?"]
    assert passages[3].text == "¿Atendéis urgencias? Sí, al 699 310 455."
    prose = "El horario cambia en verano. ¿Por qué?\nPor el calor.\n\n" + "Texto. " * 20
    assert [p.section for p in split_text("notas.txt", prose)] == ["§1"]


def test_a_headerless_two_column_csv_is_read_as_question_answer() -> None:
    passages = split_qa_csv("x.csv", "¿Hora?;A las 5\n¿Sitio?;En la plaza\n")
    assert [(p.section, p.text) for p in passages] == [("¿Hora?", "¿Hora? A las 5"),
                                                       ("¿Sitio?", "¿Sitio? En la plaza")]


@pytest.mark.parametrize(("name", "data", "fragment"), [
    ("x.docx", b"PK\x03\x04", "no sé leer"),
    ("x.md", b"\x00\x01binary", "no es un archivo de texto"),
    ("x.pdf", b"not a pdf at all", "no se puede leer como PDF"),
    ("x.csv", b"solo una columna\notra\n", "cada fila necesita"),
])
def test_bad_documents_are_refused_by_name(name: str, data: bytes, fragment: str) -> None:
    with pytest.raises(InvalidInput, match=fragment) as info:
        split_document(name, data)
    assert name in str(info.value)


def test_a_pdf_is_read_page_by_page(tmp_path: Path) -> None:
    from pypdf import PdfWriter
    from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject

    writer = PdfWriter()
    for text in ("Horario de 9 a 5", "La clave es Loro-7"):
        page = writer.add_blank_page(300, 200)
        stream = DecodedStreamObject()
        stream.set_data(f"BT /F1 12 Tf 20 100 Td ({text}) Tj ET".encode())
        font = DictionaryObject({NameObject("/Type"): NameObject("/Font"),
                                 NameObject("/Subtype"): NameObject("/Type1"),
                                 NameObject("/BaseFont"): NameObject("/Helvetica")})
        page[NameObject("/Resources")] = DictionaryObject({NameObject("/Font"): DictionaryObject(
            {NameObject("/F1"): writer._add_object(font)})})
        page[NameObject("/Contents")] = writer._add_object(stream)
    path = tmp_path / "guia.pdf"
    with path.open("wb") as f:
        writer.write(f)
    passages, _ = read_files([path], max_passages=10)
    assert [(p.section, p.text) for p in passages] == [
        ("página 1", "Horario de 9 a 5"), ("página 2", "La clave es Loro-7")]
    passages, _ = read_files([path], max_passages=10, lang="en")
    assert [p.section for p in passages] == ["page 1", "page 2"]


def test_read_files_bounds_the_passages_and_says_so(tmp_path: Path) -> None:
    path = tmp_path / "many.txt"
    path.write_text("\n\n".join(f"Párrafo {i} " + "x" * 600 for i in range(20)))
    passages, notices = read_files([path], max_passages=5)
    assert len(passages) == 5 and [p.section for p in passages][:2] == ["§1", "§2"]
    assert "5 de 20" in notices[0]


def test_terms_fold_accents_case_plurals_and_common_words() -> None:
    assert terms("¿Qué PRÉSTAMOS hay?") == terms("prestamo")


def test_search_finds_the_passage_with_the_facts_words() -> None:
    passages, _ = read_files([FAQ / "cowork_faq.md"], max_passages=100)
    index = Index(passages)
    best = index.search("¿Cuál es la contraseña del wifi?", 3)[0]
    assert best.passage.section.endswith("¿Cuál es la contraseña del wifi?")
    assert "Panal-2291" in best.passage.text
    assert index.search("xyzzy plugh", 3) == []


def test_the_course_pack_answers_what_a_token_is_in_both_languages() -> None:
    pack = course_pack()
    top = {h.passage.label for h in pack.search("¿Qué es un token?", 2)}
    assert top == {"conceptos.md › Conceptos del curso › Token",
                   "concepts.md › Course concepts › Token"}
    assert pack.search("¿Qué hace la temperatura?", 1)[0].passage.section.endswith(
        "Temperature (temperatura)")


def test_grounding_puts_passages_in_the_system_prompt_and_cuts_what_does_not_fit() -> None:
    passages, _ = read_files([FAQ / "rueda_libre_faq.md"], max_passages=100)
    index = Index(passages)
    whole = ground(index, "precio bicicleta eléctrica casco candado", "Eres Edu.", words, 10_000,
                   k=3)
    assert whole.system_prompt.startswith("Eres Edu.\n\n" + HEADER)
    assert whole.system_prompt.endswith(instruction())
    # asked to end with «Fuente: file», the 0.5B model often wrote only that line: the Sources
    # box under the answer names the file instead
    assert "Fuente" not in whole.system_prompt
    assert "### rueda_libre_faq.md › " in whole.system_prompt
    # the third passage shares one word ("bicicleta") and scores far below the best: not offered
    assert len(whole.used) == 2 and not whole.cut
    assert whole.tokens == words(whole.context)
    budget = words(HEADER + instruction()) + 60
    tight = ground(index, "precio bicicleta eléctrica casco candado", "Eres Edu.", words, budget,
                   k=3)
    assert len(tight.used) == 1 and tight.cut
    assert tight.tokens <= budget
    assert all(h.passage.text not in tight.context for h in tight.cut)
    nothing = ground(index, "xyzzy", "Eres Edu.", words, 10_000)
    assert nothing.system_prompt == "Eres Edu." and nothing.tokens == 0


def test_sources_show_exactly_the_context_and_are_not_sent_back_to_the_model() -> None:
    passages, _ = read_files([FAQ / "rueda_libre_faq.md"], max_passages=100)
    g = ground(Index(passages), "¿De cuánto es la fianza?", "", words, 10_000)
    assert "rueda_libre_faq.md › Preguntas frecuentes de Rueda Libre" in sources_title(g)
    assert g.context in sources_markdown(g)
    history = [{"role": "user", "content": "hola"}, {"role": "assistant", "content": "¡hola!"},
               {"role": "assistant", "content": sources_markdown(g),
                "metadata": {"title": sources_title(g)}}]
    assert history_to_messages(history) == history_to_messages(history[:2])


def test_the_retrieval_view_marks_used_cut_and_runners_up() -> None:
    passages, _ = read_files([FAQ / "rueda_libre_faq.md"], max_passages=100)
    index = Index(passages)
    question = "precio bicicleta eléctrica casco candado"
    g = ground(index, question, "", words, words(HEADER + instruction()) + 60,
               k=2)
    view = retrieval_markdown(question, g, index.search(question, 5))
    assert view.count("✅") == len(g.used) >= 1
    assert view.count("✂️") == len(g.cut) >= 1
    assert "fuera del top-k" in view
    assert "Ningún fragmento" in retrieval_markdown("xyzzy", ground(index, "xyzzy", "", words,
                                                                   100), [])


@pytest.mark.parametrize("chit_chat", ["Di solo la palabra: manzana", "Escribe un poema sobre el mar",
                                       "¿Para qué sirve esto?", "Di un número del 1 al 9"])
def test_the_pack_grounds_only_questions_that_name_its_concepts(chit_chat: str) -> None:
    """The pack is on for every Edu chat: a message that merely shares a word with a concept's
    text ("palabra" in the token passage) must not be answered from it."""
    from chatbot.knowledge.pack import concept, on_topic

    def ground_pack(question: str) -> tuple[str, ...]:
        return tuple(h.passage.section for h in ground(course_pack(), question, "", len, 10_000,
                                                       keep=on_topic, same=concept).used)

    assert ground_pack(chit_chat) == ()
    assert course_pack().search(chit_chat, 1), \
        "the message shares a word with the pack, so the filter is what keeps it out"
    assert ground_pack("¿Qué es un token?") == ("Conceptos del curso › Token",)  # once, in Spanish
    assert [s.rsplit(" › ", 1)[-1] for s in ground_pack("What is a token?")] == ["Token"]  # once
    assert any("temperatura" in s for s in ground_pack("¿Para qué sirve la temperatura?"))
    assert any("contexto" in s for s in ground_pack("¿Qué es la ventana de contexto?"))
    assert any("precios" in s for s in ground_pack("¿Cómo se calculan los precios?"))


def test_what_the_reader_sees_is_in_their_one_language(tmp_path: Path) -> None:
    """Summary, retrieval table, the text added to the prompt, the sources, the search tool's
    answer, notices and errors: Spanish or English, never "español / English"."""
    from dataclasses import replace

    from chatbot.context import AppContext
    from chatbot.knowledge.library import search_text
    from chatbot.settings import Settings
    ctx = AppContext.create(Settings.from_env({}))  # starts nothing: no vectors, no model call
    passages, _ = read_files([FAQ / "rueda_libre_faq.md"], max_passages=100)
    index = Index(passages)
    question = "precio bicicleta eléctrica casco candado"
    empty = tmp_path / "vacio.txt"
    empty.write_text(" ")
    for lang, word in (("es", "fragmentos"), ("en", "passages")):
        g = ground(index, question, "", words, 200, k=3, lang=lang)
        _, notices = read_files([FAQ / "cowork_faq.md", empty], max_passages=100, lang=lang)
        with pytest.raises(InvalidInput) as bad:
            read_files([tmp_path / "no-such.md"], max_passages=10)
        shown = [summary(Library(index), lang), summary(Library(pack=False), lang),
                 retrieval_markdown(question, g, index.search(question, 5), lang),
                 retrieval_markdown("xyzzy", g, [], lang), g.context, sources_title(g, lang),
                 sources_markdown(g, lang),
                 search_text(ctx, replace(ctx.new_session(), lang=lang),
                             Library(index, pack=False), "xyzzy"),
                 *notices, bad.value.said(lang)]
        assert [text for text in shown if " / " in text] == []
        assert word in summary(Library(index), lang) and word in shown[2]
        assert g.context.endswith(instruction(lang))
        assert "no-such.md" in shown[-1] and "vacio.txt" in notices[0]
