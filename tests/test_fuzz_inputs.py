"""Hostile and random input to the Tokens, Playground, Sentiment batch and Fine-tuning inputs:
each either works or says what is wrong (a project error); nothing else may escape, since
anything else reaches the user as Gradio's bare "Error" or the CLI's traceback.

The hostile cases live in tests/data/fuzz/corpus.jsonl (add a line when a new one is found);
the random ones come from a fixed seed, so a failure is reproducible.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from chatbot.errors import ChatbotError
from chatbot.finetune import evaluate, prepare, validate
from chatbot.finetune.formats import CHAT
from chatbot.finetune.words import Refusal
from chatbot.models.catalog import Catalog
from chatbot.playground import build_messages, parse_seed, parse_stop
from chatbot.sentiment import inputs as sentiment_batch
from chatbot.token_counter.view import analyse

CORPUS = Path(__file__).parent / "data" / "fuzz" / "corpus.jsonl"
PIECES = ["[", "]", "{", "}", '"', ",", ";", "\t", "\n", "\r\n", "\\", ":", "\x00", "\ufeff",
          "role", "content", "messages", "user", "prompt", "completion", "text", "inf", "-",
          "1e308", "ñ", "🎉", " ", "\u202e", "null", "true", "9" * 30]
RANDOM_CASES = 60


def corpus() -> list[tuple[str, str]]:
    cases = []
    for line in CORPUS.read_text(encoding="utf-8").splitlines():
        item = json.loads(line)
        text = item.get("text", "")
        if "repeat" in item:
            piece, times = item["repeat"]
            text = item.get("prefix", "") + piece * times
        cases.append((item["name"], text))
    return cases


def random_texts() -> Iterator[tuple[str, str]]:
    rng = random.Random(20261201)
    for i in range(RANDOM_CASES):
        yield f"random-{i}", "".join(rng.choice(PIECES) for _ in range(rng.randint(1, 80)))


CASES = corpus() + list(random_texts())


def survives(fn: Callable[[], Any]) -> None:
    try:
        fn()
    except ChatbotError as exc:
        assert str(exc).strip()  # a message a person can read
    # anything else fails the test with the input in its name


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return Catalog.load()


@pytest.mark.parametrize(("name", "text"), CASES, ids=[c[0] for c in CASES])
def test_tokens_and_playground_inputs(catalog: Catalog, name: str, text: str) -> None:
    for view in ("o200k_base", "cl100k_base"):
        survives(lambda v=view: analyse(catalog, text[:300_000], v))
    survives(lambda: parse_seed(text))
    survives(lambda: parse_stop(text))
    survives(lambda: build_messages(text, text))


@pytest.mark.parametrize(("name", "text"), CASES, ids=[c[0] for c in CASES])
def test_sentiment_batch_inputs(name: str, text: str) -> None:
    survives(lambda: sentiment_batch.gather(text, None))
    data = text.encode("utf-8", errors="surrogatepass")
    survives(lambda: sentiment_batch.gather("", data, "tweets.csv"))
    survives(lambda: sentiment_batch.from_csv(b"text\n" + data, "tweets.csv"))


def in_one_language(text: str, lang: str) -> None:
    """A fine-tuning message in `lang` only: no "español / English" pair."""
    assert text.strip() and " / " not in text, (lang, text)


def said_in_each_language(fn: Callable[[], Any], show: Callable[[Any, str], list[str]]) -> None:
    """`fn`'s result (or its error), as each reader reads it, holds one language only."""
    try:
        result = fn()
    except ChatbotError as exc:  # said from the language tables, not cut from a pair
        assert exc.keys is not None or isinstance(exc, Refusal), str(exc)
        for lang in ("es", "en"):
            in_one_language(exc.said(lang), lang)
        return
    for lang in ("es", "en"):
        for text in show(result, lang):
            in_one_language(text, lang)


def _report_texts(report: validate.Report, lang: str) -> list[str]:
    return [validate.summary_markdown(report, lang),
            *(str(cell) for row in validate.problem_rows(report, lang) for cell in row[1:])]


@pytest.mark.parametrize(("name", "text"), CASES, ids=[c[0] for c in CASES])
def test_fine_tuning_inputs(catalog: Catalog, tmp_path: Path, name: str, text: str) -> None:
    """Whatever the file holds, it is read without a traceback, and what the reader is told
    (problems, suggestions, refusals) comes in the reader's language only."""
    data = text.encode("utf-8", errors="surrogatepass")
    if " / " in text:  # a message may quote the file; the pair would be the file's own
        data = data.replace(b" / ", b"/")
    for suffix in (".jsonl", ".csv"):
        path = tmp_path / f"data{suffix}"
        path.write_bytes(data)
        said_in_each_language(lambda p=path: validate.validate_file(
            p, catalog, "gpt-4o-mini", max_line=64 * 1024), _report_texts)
        said_in_each_language(
            lambda p=path: prepare.analyze(p, catalog, prepare.PrepareOptions()),
            lambda a, lang: [t.said(lang) for _, t in a.suggestions(CHAT)])
        said_in_each_language(
            lambda p=path: evaluate.load_examples(p, limit=5, max_line=64 * 1024),
            lambda loaded, lang: [why.said(lang) for _, why in loaded[1]])
        assert path.read_bytes() == data  # the input is never overwritten
