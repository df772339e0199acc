"""The Sentiment tab's handlers through the real `openai` SDK against loopback servers.

The fake OpenAI server answers a label chosen from the tweet, so what is checked is what we send
(one token, logprobs, the few-shot turns), the calibration cache and the batch plumbing. A second,
tiny server plays a compatible backend that ignores `logprobs`.
"""

from __future__ import annotations

import csv
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from chatbot.context import AppContext, Session
from chatbot.errors import InvalidInput
from chatbot.sentiment.calibration import CALIBRATION_TWEETS
from chatbot.sentiment.inputs import MAX_TWEETS
from chatbot.sentiment.labels import DISPLAY, UNKNOWN
from chatbot.sentiment.prompt import DEFAULT_PROMPT
from chatbot.sentiment.views import classify_many, classify_one
from chatbot.settings import Settings
from tests.fakes.openai_server import FakeOpenAI

WORDS = {"odio": "negative", "hate": "negative", "love": "positive", "encanta": "positive"}


def answer(body: dict[str, Any]) -> str:
    tweet = body["messages"][-1]["content"].lower()
    return next((label for word, label in WORDS.items() if word in tweet), "neutral")


FAKE_OPTIONS = {"reply": answer}  # for conftest's `fake`


def context(base_url: str) -> AppContext:
    return AppContext.create(Settings.from_env({"OPENAI_BASE_URL": base_url,
                                                "OPENAI_API_KEY": "sk-test-0000"}),
                             embedded=False)


def chat_requests(fake: FakeOpenAI) -> list[dict[str, Any]]:
    return [r.json for r in fake.requests if r.path.endswith("/chat/completions")]


def test_classify_sends_one_token_with_logprobs_and_the_few_shot_turns(fake: FakeOpenAI) -> None:
    ctx = context(fake.base_url)
    session = ctx.new_session()
    label, words, usage, cache = classify_one(ctx, session, {}, "Odio los lunes", DEFAULT_PROMPT,
                                              False)
    assert label == {DISPLAY["positive"]: 0.0, DISPLAY["neutral"]: 0.0,
                     DISPLAY["negative"]: 1.0}
    assert "negativo" in words and "100%" in words
    assert "1 llamada(s)" in usage and "Gastado" in usage
    assert cache == {}
    [sent] = chat_requests(fake)
    assert sent["max_tokens"] == 1 and sent["temperature"] == 0
    assert sent["logprobs"] is True and sent["top_logprobs"] == 20
    roles = [m["role"] for m in sent["messages"]]
    assert roles == ["system", *["user", "assistant"] * 10, "user"]
    assert sent["messages"][-1]["content"] == "Tweet: Odio los lunes"


def test_calibration_is_measured_once_per_prompt_and_kept_in_the_session(
        fake: FakeOpenAI) -> None:
    ctx = context(fake.base_url)
    session = ctx.new_session()
    _, words, usage, cache = classify_one(ctx, session, {}, "I love it", DEFAULT_PROMPT, True)
    assert len(chat_requests(fake)) == len(CALIBRATION_TWEETS) + 1
    assert f"{len(CALIBRATION_TWEETS)} llamadas" in usage
    assert "Sin calibrar" in words and "tweets de referencia" in words
    assert len(cache) == 1

    _, _, usage, cache2 = classify_one(ctx, session, cache, "hoy llueve", DEFAULT_PROMPT, True)
    assert len(chat_requests(fake)) == len(CALIBRATION_TWEETS) + 2
    assert "Preparación hecha ahora" not in usage
    assert cache2 == cache

    edited = DEFAULT_PROMPT.replace("Answer with one word.", "Answer with one word only.")
    _, _, _, cache3 = classify_one(ctx, session, cache2, "hoy llueve", edited, True)
    assert len(chat_requests(fake)) == 2 * len(CALIBRATION_TWEETS) + 3
    assert len(cache3) == 2 and len(cache2) == 1  # the old state value was not changed in place


def test_a_second_student_reuses_the_prior_measured_for_the_first(fake: FakeOpenAI) -> None:
    ctx = context(fake.base_url)
    classify_one(ctx, ctx.new_session(), {}, "I love it", DEFAULT_PROMPT, True)
    measured = len(chat_requests(fake))
    _, words, usage, cache = classify_one(ctx, ctx.new_session(), {}, "hoy llueve",
                                          DEFAULT_PROMPT, True)
    assert "neutro" in words or "neutral" in words or "%" in words
    assert len(chat_requests(fake)) == measured + 1  # only the tweet itself
    assert "Preparación hecha ahora" not in usage and len(cache) == 1


def test_an_empty_tweet_spends_nothing(fake: FakeOpenAI) -> None:
    ctx = context(fake.base_url)
    with pytest.raises(InvalidInput, match="Escribe un tweet"):
        classify_one(ctx, ctx.new_session(), {}, "  \n ", DEFAULT_PROMPT, True)
    assert chat_requests(fake) == []


def test_a_broken_prompt_is_reported_before_any_call(fake: FakeOpenAI) -> None:
    ctx = context(fake.base_url)
    with pytest.raises(InvalidInput, match="Example 1"):
        classify_one(ctx, ctx.new_session(), {}, "hola", "Classify.\nTweet: x\nSentiment: meh",
                     True)
    assert chat_requests(fake) == []


def test_batch_from_paste_and_csv_yields_a_growing_table_and_counts(
        fake: FakeOpenAI, tmp_path: Path) -> None:
    ctx = context(fake.base_url)
    csv_path = tmp_path / "tweets.csv"
    csv_path.write_bytes("id;texto\n1;Me encanta este café\n2;Odio el tráfico\n".encode())
    before = csv_path.read_bytes()
    steps = list(classify_many(ctx, ctx.new_session(), {}, "I love it\nEl tren sale a las 9",
                               str(csv_path), DEFAULT_PROMPT, False))
    rows, counts, notices, usage, csv_out, _ = steps[-1]
    assert [len(step[0]) for step in steps] == [1, 2, 3, 4, 4]
    assert [step[4] for step in steps][:-1] == [None] * 4  # the CSV comes with the last step
    assert rows.values.tolist() == [["I love it", DISPLAY["positive"], "100%"],
                    ["El tren sale a las 9", DISPLAY["neutral"], "100%"],
                    ["Me encanta este café", DISPLAY["positive"], "100%"],
                    ["Odio el tráfico", DISPLAY["negative"], "100%"]]
    assert "4/4 tweets" in counts and f"**{DISPLAY['positive']}:** 2" in counts
    assert notices == ""
    assert "4 llamada(s)" in usage
    assert csv_path.read_bytes() == before  # the upload is never written to
    with open(csv_out, encoding="utf-8-sig", newline="") as fh:
        written = list(csv.reader(fh))
    assert written[0] == ["text", "label", "confidence", "p_positive", "p_neutral", "p_negative"]
    assert written[4][:3] == ["Odio el tráfico", "negative", "1.0000"]


def test_batch_measures_calibration_once(fake: FakeOpenAI) -> None:
    ctx = context(fake.base_url)
    *_, last = classify_many(ctx, ctx.new_session(), {}, "uno\ndos\ntres", None, DEFAULT_PROMPT,
                             True)
    assert len(chat_requests(fake)) == len(CALIBRATION_TWEETS) + 3
    assert len(last[5]) == 1


def test_a_200_kb_paste_is_capped_with_a_notice(fake: FakeOpenAI) -> None:
    ctx = context(fake.base_url)
    paste = "\n".join(f"tweet {i} sobre nada en particular" for i in range(7000))
    assert len(paste) > 200_000
    *_, last = classify_many(ctx, ctx.new_session(), {}, paste, None, DEFAULT_PROMPT, False)
    rows, counts, notices, _, _, _ = last
    assert f"{MAX_TWEETS}/{MAX_TWEETS} tweets" in counts
    assert len(rows) == MAX_TWEETS
    assert f"primeros {MAX_TWEETS} de 7000" in notices
    assert len(chat_requests(fake)) == MAX_TWEETS


def test_a_backend_failure_mid_batch_keeps_the_rows_so_far(fake: FakeOpenAI) -> None:
    ctx = context(fake.base_url)
    steps = classify_many(ctx, ctx.new_session(), {}, "uno\ndos\ntres", None, DEFAULT_PROMPT,
                          False)
    next(steps)
    fake.fail_next(400, {"error": {"message": "bad request", "type": "invalid_request_error"}},
                   times=5)
    *_, last = steps
    rows, counts, notices, _, _, _ = last
    assert len(rows) == 1
    assert "Me detuve en el tweet 2" in notices and "bad request" in notices  # the session's
    assert "Stopped" not in notices and " / " not in notices  # language (Spanish), only it
    assert "1/3 tweets" in counts


def test_a_binary_upload_is_a_clear_error(fake: FakeOpenAI, tmp_path: Path) -> None:
    ctx = context(fake.base_url)
    path = tmp_path / "foto.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    with pytest.raises(InvalidInput, match="binary"):
        list(classify_many(ctx, ctx.new_session(), {}, "", str(path), DEFAULT_PROMPT, True))
    assert chat_requests(fake) == []


class _NoLogprobs(BaseHTTPRequestHandler):
    """A compatible server that ignores `logprobs` and answers a fixed word."""

    def do_POST(self) -> None:
        length = int(self.headers.get("content-length", 0))
        body = json.loads(self.rfile.read(length))
        self.server.bodies.append(body)  # type: ignore[attr-defined]
        data = json.dumps({
            "id": "x", "object": "chat.completion", "created": 0, "model": body["model"],
            "choices": [{"index": 0, "finish_reason": "length", "logprobs": None,
                         "message": {"role": "assistant",
                                     "content": self.server.word}}],  # type: ignore[attr-defined]
            "usage": {"prompt_tokens": 7, "completion_tokens": 1, "total_tokens": 8},
        }).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def plain() -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _NoLogprobs)
    server.bodies = []  # type: ignore[attr-defined]
    server.word = "Positivo"  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_without_logprobs_the_label_is_parsed_and_confidence_not_available(
        plain: ThreadingHTTPServer) -> None:
    """The probe finds no logprobs, so the label is asked as JSON; this server ignores the
    schema too and answers a bare word, which is still read. No calibration is spent."""
    ctx = context(f"http://127.0.0.1:{plain.server_address[1]}/v1")
    session = Session(backend="compatible",
                      base_url=f"http://127.0.0.1:{plain.server_address[1]}/v1", model="any")
    label, words, _, cache = classify_one(ctx, session, {}, "qué bien", DEFAULT_PROMPT, True)
    assert label == DISPLAY["positive"]
    assert "no disponible en este modelo" in words and "no da logprobs" in words
    assert len(cache) == 1 and next(iter(cache.values())).weights is None
    bodies = plain.bodies  # type: ignore[attr-defined]
    assert [b for b in bodies if "response_format" in b] == bodies[-1:]

    plain.word = "Sure! Here"  # type: ignore[attr-defined]
    label, words, _, _ = classify_one(ctx, session, cache, "qué bien", DEFAULT_PROMPT, True)
    assert label == UNKNOWN
    assert "no respondió con una etiqueta" in words


def test_a_model_that_never_gives_logprobs_answers_json_with_room_to_think(
        fake: FakeOpenAI) -> None:
    """gpt-5-mini refuses logprobs at every effort: the label comes by structured output at its
    lowest effort, with budget for its hidden reasoning, and no calibration is spent."""
    ctx = AppContext.create(Settings.from_env({
        "CHATBOT_BACKEND": "openai", "OPENAI_BASE_URL": fake.base_url,
        "OPENAI_API_KEY": "sk-test-0000", "CHATBOT_MODEL": "gpt-5-mini"}), embedded=False)
    label, words, usage, _ = classify_one(ctx, ctx.new_session(), {}, "Odio los lunes",
                                          DEFAULT_PROMPT, True)
    assert label == DISPLAY["negative"]
    assert "no disponible en este modelo" in words and "structured output" in words
    [sent] = chat_requests(fake)
    assert sent["reasoning_effort"] == "minimal" and sent["max_completion_tokens"] > 1000
    assert sent["response_format"]["json_schema"]["strict"] is True
    assert not {"max_tokens", "logprobs", "temperature"} & set(sent)
    assert "$" in usage  # what it cost is shown


def test_an_answer_that_is_no_label_is_asked_again_as_json(fake: FakeOpenAI) -> None:
    fake.reply = lambda body: ("negative" if body.get("response_format")
                               else "Well, it depends")
    ctx = context(fake.base_url)
    label, words, usage, _ = classify_one(ctx, ctx.new_session(), {}, "Odio los lunes",
                                          DEFAULT_PROMPT, False)
    assert label == DISPLAY["negative"]
    assert "se la pedí otra vez con structured output" in words
    assert "2 llamada(s)" in usage
    first, second = chat_requests(fake)
    assert first["logprobs"] is True and "response_format" in second
