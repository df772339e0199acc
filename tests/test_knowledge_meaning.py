"""Knowledge searched by meaning as well as by words: passages embedded where the backend can,
fused with the lexical ranking, and the search by words alone where it cannot."""

import json
from pathlib import Path

import pytest

from chatbot.client import Backend, LLMClient, SDKPool
from chatbot.context import AppContext
from chatbot.knowledge import Index, ground, read_files
from chatbot.knowledge import library as lib
from chatbot.knowledge.meaning import BATCH, MAX_EMBEDDED_HOSTED, embed_passages
from chatbot.knowledge.passages import Passage
from chatbot.knowledge.search import terms
from chatbot.knowledge.views import retrieval_markdown
from chatbot.models.catalog import Catalog
from chatbot.money import billing
from chatbot.ui import tools as tools_ui
from tests.conftest import FakeFactory
from tests.fakes.openai_server import FakeOpenAI

FAQ = Path(__file__).resolve().parent.parent / "bench" / "knowledge"
SATURDAY = "¿A qué hora abrís los sábados?"  # "Los fines de semana, de 10:00 a 20:00": no word shared


def words(text: str) -> int:
    return len(text.split())


def climbing() -> Index:
    passages, _ = read_files([FAQ / "rocodromo_faq.md"], max_passages=100)
    return Index(passages)


def hours(index: Index) -> Passage:
    return next(p for p in index.passages if p.section.endswith("Horario"))


def test_a_plural_and_a_final_vowel_fold_alike() -> None:
    assert terms("coste") == terms("costes") == terms("Costes")
    assert terms("¿A quién llamo?") == terms("llama")


def test_a_passage_found_by_meaning_joins_the_prompt_though_it_shares_no_word() -> None:
    index = climbing()
    by_words = ground(index, SATURDAY, "Eres Edu.", words, 10_000)
    assert hours(index) not in {h.passage for h in by_words.used}
    both = ground(index, SATURDAY, "Eres Edu.", words, 10_000, near=(hours(index),))
    assert hours(index) in {h.passage for h in both.used}
    assert both.system_prompt.startswith("Eres Edu.\n\n") and "10:00 a 20:00" in both.context
    ranked = index.search(SATURDAY, 5, near=(hours(index),))
    found = next(h for h in ranked if h.passage == hours(index))
    assert found.score == 0 and found.near == 1 and found.matched == ()
    assert "Por sentido" in retrieval_markdown(SATURDAY, both, ranked)
    assert "Por sentido" not in retrieval_markdown(SATURDAY, by_words, index.search(SATURDAY, 5))


def on(fake: FakeOpenAI, kind: str) -> LLMClient:
    return LLMClient(Backend(kind, fake.base_url, "sk-test"), SDKPool(10, 0), Catalog.load(),
                     billing.Ledger(), sleep=lambda _s: None)


def test_on_openai_passages_are_embedded_with_its_embedding_model_in_batches(
        make_fake: FakeFactory) -> None:
    passages, _ = read_files([FAQ / "rueda_libre_faq.md", FAQ / "cowork_faq.md"],
                             max_passages=100)
    assert len(passages) > BATCH
    fake = make_fake()
    client = on(fake, "openai")
    vectors = embed_passages(client, "gpt-4o-mini", passages, hosted=False)
    assert vectors is not None and vectors.model == "text-embedding-3-small"
    sent = fake.requests_to("/v1/embeddings")
    assert {r.json["model"] for r in sent} == {"text-embedding-3-small"}
    assert [len(r.json["input"]) for r in sent] == [BATCH, len(passages) - BATCH]
    assert sent[0].json["input"][0].startswith(passages[0].section)  # not the local template
    # the fake's vectors count words: the wifi passage is the nearest to the wifi question
    (nearest, similarity), *_ = vectors.nearest(client, "contraseña wifi")
    assert "Panal-2291" in nearest.text and 0 < similarity <= 1


def test_without_embeddings_or_over_the_hosted_bound_the_search_stays_by_words(
        make_fake: FakeFactory) -> None:
    passages, _ = read_files([FAQ / "cowork_faq.md"], max_passages=100)
    strict = make_fake(strict_models=True)  # a chat model may not embed: OpenAI's 403
    assert embed_passages(on(strict, "compatible"), "gpt-4o-mini", passages, hosted=False) is None
    many = list(passages) * (MAX_EMBEDDED_HOSTED // len(passages) + 1)
    fake = make_fake()
    assert embed_passages(on(fake, "openai"), "gpt-4o-mini", many, hosted=True) is None
    assert fake.requests_to("/v1/embeddings") == []  # refused before any request
    assert embed_passages(on(fake, "openai"), "gpt-4o-mini", many, hosted=False) is not None


@pytest.mark.model
def test_on_the_embedded_model_the_saturday_hours_are_found_by_meaning(
        embedded_ctx: AppContext) -> None:
    """The miss docs/knowledge.md measured for lexical search, through the embeddings server."""
    ctx, session = embedded_ctx, embedded_ctx.new_session()
    index, _ = lib.load([FAQ / "rocodromo_faq.md"], hosted=False)
    vectors = lib.embed(ctx, session, index)
    assert vectors is not None and len(vectors.passages) == len(index)
    plain = lib.Library(index, pack=False)
    meant = lib.Library(index, pack=False, vectors=vectors)

    def used(library: lib.Library) -> set[str]:
        grounding = lib.for_turn(ctx, session, library, SATURDAY, "Eres Edu.", 128)
        return {h.passage.section for h in grounding.used}

    assert not any(s.endswith("Horario") for s in used(plain))
    assert any(s.endswith("Horario") for s in used(meant))

    def tool_finds(library: lib.Library) -> str:
        """What the search_knowledge tool hands the model, as the Chat tab's toolbox runs it."""
        box = tools_ui.toolbox(ctx, session, library, ["search_knowledge"], "", None)
        run = box.run("search_knowledge", json.dumps({"query": SATURDAY}))
        assert run.ok
        return run.result

    assert "10:00 a 20:00" not in tool_finds(plain)
    assert "[rocodromo_faq.md › Rocódromo Vértice › Horario]" in tool_finds(meant)
