"""The fake answers reasoning-model requests with OpenAI's own 400 bodies and usage."""

import json

import openai
import pytest

from tests.fakes.openai_server import FakeOpenAI

HI = [{"role": "user", "content": "hola que tal"}]


@pytest.fixture(scope="module")
def sdk(module_fake):
    return openai.OpenAI(base_url=module_fake.base_url, api_key="sk-test", max_retries=0)


@pytest.mark.parametrize(("kwargs", "param", "code", "says"), [
    ({"max_tokens": 10}, "max_tokens", "unsupported_parameter",
     "Use 'max_completion_tokens' instead."),
    ({"temperature": 0.2}, "temperature", "unsupported_value",
     "'temperature' does not support 0.2 with this model. Only the default (1) value"),
    ({"top_p": 0.5}, "top_p", "unsupported_value", "Only the default (1) value"),
    ({"logprobs": True}, "logprobs", "unsupported_parameter", "'logprobs' is not supported"),
    ({"presence_penalty": 0.5}, "presence_penalty", "unsupported_parameter", "not supported"),
    ({"stop": ["x"]}, "stop", "unsupported_parameter", "'stop' is not supported"),
    ({"stop": ["x"], "reasoning_effort": "none"}, "stop", "unsupported_parameter", "'stop'"),
    ({"reasoning_effort": "minimal"}, "reasoning_effort", "unsupported_value",
     "Supported values are: 'none', 'low', 'medium', 'high', and 'xhigh'."),
])
def test_reasoning_model_refuses_as_openai_does(sdk, kwargs, param, code, says):
    with pytest.raises(openai.BadRequestError) as info:
        sdk.chat.completions.create(model="gpt-5.6-luna", messages=HI, **kwargs)
    error = info.value.body
    assert (error["param"], error["code"], error["type"]) == (param, code,
                                                              "invalid_request_error")
    assert says in error["message"]


def test_effort_none_takes_sampling_back_and_reasons_for_free(sdk):
    r = sdk.chat.completions.create(model="gpt-5.6-luna", messages=HI, reasoning_effort="none",
                                    temperature=0.2, logprobs=True, top_logprobs=2,
                                    max_completion_tokens=20)
    assert r.choices[0].logprobs is not None
    assert r.usage.completion_tokens_details.reasoning_tokens == 0


def test_reasoning_tokens_are_billed_as_output_inside_the_limit(sdk):
    r = sdk.chat.completions.create(model="gpt-5.6-luna", messages=HI, n=2,
                                    max_completion_tokens=100)
    reasoning = r.usage.completion_tokens_details.reasoning_tokens
    visible = sum(len(c.message.content.split()) for c in r.choices)
    assert reasoning > 0 and r.usage.completion_tokens == visible + reasoning
    tight = sdk.chat.completions.create(model="gpt-5.6-luna", messages=HI,
                                        reasoning_effort="high", max_completion_tokens=10)
    assert tight.choices[0].message.content == "" and tight.choices[0].finish_reason == "length"
    assert tight.usage.completion_tokens == 10


def test_streamed_usage_counts_reasoning(sdk):
    stream = sdk.chat.completions.create(model="gpt-5-mini", messages=HI, stream=True,
                                         stream_options={"include_usage": True})
    usage = [c.usage for c in stream if c.usage][-1]
    assert usage.completion_tokens_details.reasoning_tokens > 0


def test_sampling_models_refuse_reasoning_effort_and_keep_max_tokens(sdk):
    with pytest.raises(openai.BadRequestError) as info:
        sdk.chat.completions.create(model="gpt-4o-mini", messages=HI, reasoning_effort="low")
    assert info.value.body["param"] == "reasoning_effort"
    r = sdk.chat.completions.create(model="gpt-4o-mini", messages=HI, max_tokens=5,
                                    temperature=0.2, logprobs=True)
    assert r.usage.completion_tokens_details.reasoning_tokens == 0


def test_compatible_mode_ignores_n_and_logprobs_and_refuses_seed():
    with FakeOpenAI(compatible=True) as server:
        sdk = openai.OpenAI(base_url=server.base_url, api_key="sk-test", max_retries=0)
        r = sdk.chat.completions.create(model="any-llama", messages=HI, n=3, logprobs=True,
                                        max_tokens=50)
        assert len(r.choices) == 1 and r.choices[0].logprobs is None
        with pytest.raises(openai.BadRequestError) as info:
            sdk.chat.completions.create(model="any-llama", messages=HI, seed=1)
        assert info.value.body["param"] == "seed"


LABEL_SCHEMA = {"type": "object", "properties": {"label": {"type": "string",
                                                           "enum": ["yes", "no", "maybe"]}},
                "required": ["label"], "additionalProperties": False}


def json_schema(schema, strict=True):
    return {"type": "json_schema", "json_schema": {"name": "answer", "strict": strict,
                                                   "schema": schema}}


@pytest.mark.parametrize("compatible", [False, True])
def test_a_json_schema_is_answered_with_json_that_fits_it(compatible):
    with FakeOpenAI(compatible=compatible, reply="I would say no, really") as server:
        sdk = openai.OpenAI(base_url=server.base_url, api_key="sk-test", max_retries=0)
        reply = sdk.chat.completions.create(model="gpt-5-mini", messages=HI,
                                            max_completion_tokens=200,
                                            response_format=json_schema(LABEL_SCHEMA))
    assert json.loads(reply.choices[0].message.content) == {"label": "no"}


@pytest.mark.parametrize(("schema", "says"), [
    ({**LABEL_SCHEMA, "additionalProperties": True}, "'additionalProperties' is required"),
    ({**LABEL_SCHEMA, "required": []}, "Missing 'label'"),
])
def test_a_strict_schema_that_is_not_closed_is_refused_as_openai_does(sdk, schema, says):
    with pytest.raises(openai.BadRequestError) as info:
        sdk.chat.completions.create(model="gpt-5.6-luna", messages=HI,
                                    response_format=json_schema(schema))
    assert says in info.value.body["message"]
    assert info.value.body["param"] == "response_format"


def test_a_loose_schema_is_taken(sdk):
    reply = sdk.chat.completions.create(model="gpt-4o-mini", messages=HI, max_tokens=50,
                                        response_format=json_schema({"type": "object", "properties": {
                                            "label": {"type": "string"}}}, strict=False))
    assert json.loads(reply.choices[0].message.content) == {"label": "echo: hola que tal"}
