"""Evaluate two models on held-out examples: scores against a scripted fake, then the real
embedded model offline."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from chatbot.client import Backend, LLMClient, SDKPool
from chatbot.engine.llama_server import EmbeddedServer
from chatbot.errors import InvalidInput
from chatbot.finetune import evaluate as ev
from chatbot.models.catalog import Catalog
from chatbot.money import billing
from tests.fakes.openai_server import FakeOpenAI

DATA = Path(__file__).parent / "data" / "finetune"
TRUTH = {
    "I love this course, the videos are great!": "positive",
    "¡Me encanta este curso!": "positive",
    "The app crashes every time I open a lesson.": "negative",
    "Odio que se corte el vídeo cada cinco minutos.": "negative",
    "The next lesson is published on Monday.": "neutral",
    "La clase de mañana es a las diez.": "neutral",
}


def last_user(body: dict) -> str:
    return [m["content"] for m in body["messages"] if m["role"] == "user"][-1]


def scripted(body: dict) -> str:
    """The tuned model is right, in a wordy way; the base model calls everything positive."""
    if body["model"].startswith("ft:"):
        return f"Sentiment: {TRUTH[last_user(body)].upper()}."
    return "positive"


FAKE_OPTIONS = {"reply": scripted, "strict_models": False}  # for conftest's `fake`


@pytest.fixture
def client(fake: FakeOpenAI) -> LLMClient:
    return LLMClient(Backend("compatible", fake.base_url, "sk-test-eval"), SDKPool(10, 0),
                     Catalog.load(), billing.Ledger(), sleep=lambda _s: None)


def test_labelled_csv_loads_as_examples() -> None:
    examples, skipped = ev.load_examples(DATA / "sentiment_eval.csv", system_prompt="Clasifica.")
    assert len(examples) == 6 and skipped == []
    assert examples[0].messages == [{"role": "system", "content": "Clasifica."},
                                    {"role": "user", "content": next(iter(TRUTH))}]
    assert examples[0].expected == "positive" and examples[0].line == 2


def test_validation_jsonl_uses_the_last_assistant_turn(tmp_path: Path) -> None:
    path = tmp_path / "valid.jsonl"
    path.write_text(json.dumps({"messages": [
        {"role": "user", "content": "hola"}, {"role": "assistant", "content": "¡hola!"},
        {"role": "user", "content": "¿2+2?"}, {"role": "assistant", "content": "4"}]}) + "\n"
        + "{roto\n", encoding="utf-8")
    examples, skipped = ev.load_examples(path)
    assert [m["content"] for m in examples[0].messages] == ["hola", "¡hola!", "¿2+2?"]
    assert examples[0].expected == "4" and [line for line, _ in skipped] == [2]
    assert skipped[0][1].said("es").startswith("JSON no válido: ")
    assert skipped[0][1].said("en").startswith("Invalid JSON: ")


def test_scores_per_label_confusion_and_differences_first(client: LLMClient,
                                                          fake: FakeOpenAI) -> None:
    examples, _ = ev.load_examples(DATA / "sentiment_eval.csv")
    seen: list[tuple[int, int]] = []
    result = ev.evaluate(examples, [ev.Contender("base", client, "gpt-4o-mini"),
                                    ev.Contender("tuned", client, "ft:gpt-4o-mini:org:x:1")],
                         lang="es", max_tokens=8, on_progress=lambda d, t: seen.append((d, t)))
    base, tuned = result.scores
    assert result.labels == ["negative", "neutral", "positive"]
    assert base.accuracy == pytest.approx(2 / 6) and tuned.accuracy == 1.0
    assert tuned.exact == 0  # "Sentiment: POSITIVE." names the label but is not the exact text
    assert base.confusion == [[0, 0, 2, 0], [0, 0, 2, 0], [0, 0, 2, 0]]
    scores = {ls.label: ls for ls in base.per_label}
    assert scores["positive"].precision == pytest.approx(1 / 3)
    assert scores["positive"].recall == 1.0 and scores["negative"].f1 == 0.0
    rows = result.side_by_side()
    assert [r[2] for r in rows[:4]] == ["negative", "negative", "neutral", "neutral"]
    assert rows[-1][3].startswith("✅") and rows[-1][4].startswith("✅")
    assert seen[-1] == (12, 12)
    sent = fake.requests_to("/v1/chat/completions")
    assert {r.json["temperature"] for r in sent} == {0.0}
    assert {r.json["max_tokens"] for r in sent} == {8}
    text = ev.summary_markdown(result, "es")
    assert "- **tuned** (`ft:gpt-4o-mini:org:x:1`): coincidencia exacta 0/6 (0%) · exactitud 100%" \
        in text and "Difieren en 4 de 6 ejemplos" in text and " / " not in text
    assert "exact match 0/6 (0%) · accuracy 100%" in ev.summary_markdown(result, "en")
    headers, matrix = ev.confusion_rows(result, 1, "es")
    assert headers == ["esperado \\ predicho", "negative", "neutral", "positive", "(otro)"]
    assert ev.confusion_rows(result, 1, "en")[0][-1] == "(other)"
    assert [row[1:] for row in matrix] == [[2, 0, 0, 0], [0, 2, 0, 0], [0, 0, 2, 0]]
    assert len(ev.per_label_rows(result)) == 6


def test_free_text_is_scored_by_exact_match(client: LLMClient, fake: FakeOpenAI) -> None:
    fake.reply = lambda body: "El curso empieza el 3 de marzo"
    examples, _ = ev.load_examples(DATA / "chat_valid.jsonl")
    result = ev.evaluate(examples, [ev.Contender("a", client, "gpt-4o-mini")], lang="es",
                         max_tokens=16)
    assert result.labels is None and result.scores[0].exact == 1  # case and final dot ignored
    assert result.scores[0].confusion == []


def test_a_reasoning_model_is_evaluated_at_its_lowest_effort(client: LLMClient,
                                                           fake: FakeOpenAI) -> None:
    """At effort none gpt-5.6-luna takes temperature 0 and spends no tokens thinking, so a short
    answer budget still holds its label."""
    examples, _ = ev.load_examples(DATA / "sentiment_eval.csv")
    result = ev.evaluate(examples[:2], [ev.Contender("r", client, "gpt-5.6-luna")], lang="es",
                         max_tokens=4)
    assert result.scores[0].answers == ["positive", "positive"]
    body = fake.requests_to("/v1/chat/completions")[-1].json
    assert body["reasoning_effort"] == "none" and body["temperature"] == 0
    assert body["max_completion_tokens"] == 4 and "max_tokens" not in body


def test_a_contender_prompt_replaces_the_system_message(client: LLMClient,
                                                        fake: FakeOpenAI) -> None:
    examples, _ = ev.load_examples(DATA / "sentiment_eval.csv", system_prompt="original")
    ev.evaluate(examples[:1], [ev.Contender("p", client, "gpt-4o-mini", "otro prompt")], lang="es")
    sent = fake.requests_to("/v1/chat/completions")[-1].json["messages"]
    assert sent[0] == {"role": "system", "content": "otro prompt"} and len(sent) == 2


def test_nothing_to_evaluate_is_a_clear_error() -> None:
    with pytest.raises(InvalidInput) as err:
        ev.load_examples(DATA / "wrong_columns.csv", question_column="name",
                         answer_column="nope")
    assert err.value.said("es").startswith("Columnas del CSV no reconocidas (no hay columna 'nope')")
    assert err.value.said("en").startswith("CSV columns not recognised (there is no column 'nope')")


@pytest.mark.model
def test_embedded_model_evaluated_offline(embedded: EmbeddedServer) -> None:
    """Two prompts on the same embedded model: runs end to end with no key and no network."""
    catalog = Catalog.load(local_models={embedded.model_name: embedded.root})
    client = LLMClient(Backend("local", embedded.base_url), SDKPool(120, 1), catalog,
                       billing.Ledger())
    examples, _ = ev.load_examples(DATA / "sentiment_eval.csv")
    labels = "Answer with one word: positive, negative or neutral."
    result = ev.evaluate(examples[:4], [
        ev.Contender("zero-shot", client, embedded.model_name, labels),
        ev.Contender("terse", client, embedded.model_name, labels + " No punctuation."),
    ], lang="en", max_tokens=3)
    assert result.labels == ["negative", "positive"]
    for score in result.scores:
        assert len(score.answers) == 4 and all(a.strip() for a in score.answers)
        assert sum(map(sum, score.confusion)) == 4
        assert score.accuracy == sum(score.correct) / 4
    assert client.ledger.calls == 8 and client.ledger.prompt_tokens > 0
