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
from chatbot.settings import Settings
from chatbot.ui.playground import estimate_line
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
    html = playground.result_html(result)
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
        code = playground.python_code(backend, params, None if legacy else messages, prompt)
        assert "sk-secret" not in code
        env = {**os.environ, "OPENAI_API_KEY": "sk-from-the-environment"}
        subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True,
                       timeout=60)
        path = "/v1/completions" if legacy else "/v1/chat/completions"
        record = fake.requests_to(path)[-1]
        body = record.json
    assert record.key_last4 == "ment"  # the key came from the environment, not the snippet
    assert body["model"] == "gpt-4o-mini" and body["n"] == 2 and body["seed"] == 3
    assert body["stop"] == ["FIN", "\n\n"]
    if legacy:
        assert body["prompt"] == "Hola" and body["logprobs"] == 2
    else:
        assert body["messages"] == messages
        assert body["logprobs"] is True and body["top_logprobs"] == 2
