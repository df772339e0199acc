"""The Playground's "view code": the exact `openai` call that reproduces a request."""

from __future__ import annotations

import pprint
from typing import Any

from chatbot.client import Backend, ChatParams


def python_code(backend: Backend, params: ChatParams, messages: list[dict[str, str]] | None,
                prompt: str | None = None) -> str:
    """The exact `openai` call that reproduces the request, reading the key from the environment."""
    lines = ["import os", "", "from openai import OpenAI", ""]
    if backend.kind == "openai":
        lines.append('client = OpenAI(api_key=os.environ["OPENAI_API_KEY"])')
    elif backend.kind == "local":
        lines += [
            "# llama.cpp server: python -m llama_cpp.server --model MODEL.gguf",
            f'client = OpenAI(base_url="{backend.base_url}", api_key="sk-no-key-required")',
        ]
    else:
        lines.append(f'client = OpenAI(base_url="{backend.base_url}", '
                     'api_key=os.environ.get("OPENAI_API_KEY", "sk-no-key-required"))')
    kwargs = params.sdk_kwargs()
    if prompt is not None:
        kwargs.pop("top_logprobs", None)
        if params.logprobs:
            kwargs["logprobs"] = params.top_logprobs or 1
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
    return "\n".join(lines) + "\n"


def _py(value: Any) -> str:
    """A Python literal (pformat, not JSON: a message saying "true" must stay "true")."""
    return pprint.pformat(value, width=90, sort_dicts=False).replace("\n", "\n    ")
