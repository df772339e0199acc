"""The Playground's "view code": the exact `openai` call that reproduces a request.

It shows what the client really sends to the chosen model (`build_request`), and the same
request written for the Responses API, which OpenAI recommends for new projects (the app itself
keeps Chat Completions, which every compatible server speaks).
"""

from __future__ import annotations

import pprint
from typing import Any

from chatbot.client import Backend, ChatParams, build_request
from chatbot.i18n import say
from chatbot.models.capabilities import Capabilities

# Chat Completions fields the Responses API has no place for.
_NOT_IN_RESPONSES = ("n", "stop", "seed", "frequency_penalty", "presence_penalty")


def python_code(backend: Backend, params: ChatParams, messages: list[dict[str, str]] | None,
                prompt: str | None = None, *, caps: Capabilities, lang: str) -> str:
    """The exact `openai` call that reproduces the request, reading the key from the environment;
    for chat, followed by the same request for `client.responses.create`."""
    lines = ["import os", "", "from openai import OpenAI", ""]
    if backend.kind == "openai":
        lines.append('client = OpenAI(api_key=os.environ["OPENAI_API_KEY"])')
    elif backend.kind == "local":
        lines += [
            "# llama.cpp server: llama-server --model MODEL.gguf --parallel 16",
            f'client = OpenAI(base_url="{backend.base_url}", api_key="sk-no-key-required")',
        ]
    else:  # the host's own URL is read from its environment, as the app itself reads it
        url = (f'"{backend.shown_url}"' if backend.shown_url
               else 'os.environ["OPENAI_BASE_URL"]')
        lines.append(f'client = OpenAI(base_url={url}, '
                     'api_key=os.environ.get("OPENAI_API_KEY", "sk-no-key-required"))')
    kwargs = build_request(params, caps, legacy=prompt is not None).body
    if prompt is not None:
        call, body = "client.completions.create", {"prompt": prompt, **kwargs}
    else:
        call, body = "client.chat.completions.create", {"messages": messages, **kwargs}
    args = ",\n".join(f"    {k}={_py(v)}" for k, v in body.items())
    lines += ["", f"response = {call}(\n{args},\n)"]
    if prompt is not None:
        lines.append("for choice in response.choices:\n    print(choice.finish_reason, "
                     "choice.text)")
    else:
        lines.append("for choice in response.choices:\n    print(choice.finish_reason, "
                     "choice.message.content)")
    lines.append("print(response.usage)")
    if messages is not None:
        lines += _responses_lines(kwargs, messages, lang)
    return "\n".join(lines) + "\n"


def _text_format(response_format: dict[str, Any]) -> dict[str, Any]:
    """Chat's `response_format` as Responses' `text.format` (the schema moves up one level)."""
    if response_format.get("type") == "json_schema":
        return {"type": "json_schema", **response_format.get("json_schema", {})}
    return dict(response_format)


def responses_body(body: dict[str, Any], messages: list[dict[str, str]]
                   ) -> tuple[dict[str, Any], list[str]]:
    """The same request for `client.responses.create`, and the Chat fields it has no room for."""
    args: dict[str, Any] = {"model": body["model"]}
    rest = list(messages)
    if rest and rest[0].get("role") == "system":
        args["instructions"] = rest.pop(0)["content"]
    args["input"] = rest[0]["content"] if len(rest) == 1 and rest[0]["role"] == "user" else rest
    limit = body.get("max_completion_tokens", body.get("max_tokens"))
    if limit is not None:
        args["max_output_tokens"] = limit
    if "reasoning_effort" in body:
        args["reasoning"] = {"effort": body["reasoning_effort"]}
    for name in ("temperature", "top_p"):
        if name in body:
            args[name] = body[name]
    if body.get("logprobs"):
        args["top_logprobs"] = body.get("top_logprobs", 0)
        args["include"] = ["message.output_text.logprobs"]
    if "response_format" in body:
        args["text"] = {"format": _text_format(body["response_format"])}
    return args, [name for name in _NOT_IN_RESPONSES if name in body]


def _responses_lines(body: dict[str, Any], messages: list[dict[str, str]], lang: str
                     ) -> list[str]:
    args, dropped = responses_body(body, messages)
    others = [name for name in dropped if name != "n"]
    nor = say(lang, "playground.code_responses_nor", names=", ".join(others)) if others else ""
    return [
        "", say(lang, "playground.code_responses"),
        say(lang, "playground.code_responses_differences", others=nor),
        "response = client.responses.create(\n" + ",\n".join(
            f"    {k}={_py(v)}" for k, v in args.items()) + ",\n)",
        "print(response.output_text)",
        "print(response.usage)",
    ]


def _py(value: Any) -> str:
    """A Python literal (pformat, not JSON: a message saying "true" must stay "true")."""
    return pprint.pformat(value, width=90, sort_dicts=False).replace("\n", "\n    ")
