"""The Playground's pure parts, and "view code" run for real against a fake OpenAI server."""

import math
import os
import subprocess
import sys

import pytest

from chatbot import playground
from chatbot.client import Backend, ChatParams, Choice, Result, TokenLogprob, TopToken, Usage
from chatbot.context import AppContext
from chatbot.errors import InvalidInput
from chatbot.models.catalog import Catalog
from chatbot.playground import estimate_line
from chatbot.settings import Settings
from tests.fakes.openai_server import FakeOpenAI


def test_stop_sequences_one_per_line_with_escaped_newlines() -> None:
    assert playground.parse_stop("###\n\\n\\n\n  \nFIN") == ("###", "\n\n", "FIN")
    assert playground.parse_stop("") == ()


@pytest.mark.parametrize("raw, seed", [("", None), (None, None), ("42", 42), (7.0, 7)])
def test_seed_is_a_whole_number_or_nothing(raw: object, seed: int | None) -> None:
    assert playground.parse_seed(raw) == seed


@pytest.mark.parametrize("raw", ["abc", "1.5", "nan"])
def test_a_bad_seed_is_named(raw: str) -> None:
    with pytest.raises(InvalidInput, match=raw):
        playground.parse_seed(raw)


def test_tokens_are_escaped_coloured_and_carry_alternatives() -> None:
    lp = (TokenLogprob("<b>", math.log(0.9), (TopToken("<b>", math.log(0.9)),
                                               TopToken("x", math.log(0.05)))),
          TokenLogprob(" \n", math.log(0.1)))
    html = playground.tokens_html(lp)
    assert "<b>" not in html
    assert "&lt;b&gt;" in html
    assert "hsl(108" in html and "hsl(12" in html  # 90 % green-ish, 10 % red-ish
    assert "90.0%" in html and "5.0%" in html
    assert "↵" in html


def test_outputs_side_by_side_with_finish_reasons() -> None:
    result = Result("m", (Choice(0, "uno", "stop"), Choice(1, "dos", "length")), Usage(3, 4),
                    0.5)
    html = playground.result_html(result, "es")
    assert html.count("pg-card") == 2
    assert "cortado por max_tokens" in html


def test_estimate_line_flags_retired_models_and_prices_current_ones() -> None:
    ctx = AppContext.create(Settings.from_env({"OPENAI_API_KEY": "sk-x"}), embedded=False)
    session = ctx.new_session()
    controls = {"temperature": 1, "top_p": 1, "n": 1, "max_tokens": 16, "frequency_penalty": 0,
                "presence_penalty": 0, "stop": "", "seed": "", "logprobs": False,
                "top_logprobs": 0}
    assert "gpt-4.1" in estimate_line(ctx, session, "hola", "", "chat", model="gpt-4",
                                      **controls)
    line = estimate_line(ctx, session, "hola", "", "chat", model="gpt-4o-mini", **controls)
    assert "$" in line and "–" in line


@pytest.mark.parametrize("legacy", [False, True])
def test_view_code_reproduces_the_exact_request(legacy: bool) -> None:
    """Run the generated snippet as a student would; the fake must see the same body."""
    with FakeOpenAI(strict_models=False) as fake:
        backend = Backend("compatible", fake.base_url, "sk-secret-session-key-123")
        params = ChatParams(model="gpt-4o-mini", temperature=0.3, top_p=0.9, n=2, max_tokens=12,
                            frequency_penalty=0.5, presence_penalty=-0.5, stop=("FIN", "\n\n"),
                            seed=3, logprobs=True, top_logprobs=2)
        messages = [{"role": "system", "content": 'Di "true" y null'},
                    {"role": "user", "content": "¿Qué tal? 😀"}]
        prompt = "Hola" if legacy else None
        caps = Catalog.load().capabilities("gpt-4o-mini")
        code = playground.python_code(backend, params, None if legacy else messages, prompt,
                                      caps=caps, lang="es")
        assert "sk-secret" not in code
        env = {**os.environ, "OPENAI_API_KEY": "sk-from-the-environment"}
        subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True,
                       timeout=60)
        path = "/v1/completions" if legacy else "/v1/chat/completions"
        record = fake.requests_to(path)[-1]
        body = record.json
        responses = [r.json for r in fake.requests_to("/v1/responses")]
    if not legacy:  # the same request for the Responses API, without what it has no room for
        assert responses == [{"model": "gpt-4o-mini", "instructions": 'Di "true" y null',
                              "input": "¿Qué tal? 😀", "max_output_tokens": 12,
                              "temperature": 0.3, "top_p": 0.9, "top_logprobs": 2,
                              "include": ["message.output_text.logprobs"]}]
    assert record.key_last4 == "ment"  # the key came from the environment, not the snippet
    assert body["model"] == "gpt-4o-mini" and body["n"] == 2 and body["seed"] == 3
    assert body["stop"] == ["FIN", "\n\n"]
    if legacy:
        assert body["prompt"] == "Hola" and body["logprobs"] == 2
    else:
        assert body["messages"] == messages
        assert body["logprobs"] is True and body["top_logprobs"] == 2


def test_view_code_for_a_reasoning_model_runs_as_written() -> None:
    """The snippet a student copies for gpt-5.6-luna is the call OpenAI accepts, both APIs."""
    with FakeOpenAI() as fake:
        backend = Backend("openai", None, "sk-secret-session-key-123")
        params = ChatParams(model="gpt-5.6-luna", temperature=0.2, max_tokens=40, n=2,
                            reasoning_effort="low")
        code = playground.python_code(backend, params, [{"role": "user", "content": "hola"}],
                                      caps=Catalog.load().capabilities("gpt-5.6-luna"),
                                      lang="en")
        code = code.replace('OpenAI(api_key=os.environ["OPENAI_API_KEY"])',
                            f'OpenAI(base_url="{fake.base_url}", api_key="sk-x")')
        run = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                             text=True, timeout=60)
        chat = fake.requests_to("/v1/chat/completions")[-1].json
        responses = fake.requests_to("/v1/responses")[-1].json
    assert "temperature" not in chat and chat["max_completion_tokens"] == 40
    assert chat["reasoning_effort"] == "low" and chat["n"] == 2
    assert responses["reasoning"] == {"effort": "low"} and "n" not in responses
    assert responses["max_output_tokens"] == 40
    assert "no n" in code and "echo: hola" in run.stdout
