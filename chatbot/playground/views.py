"""The Playground's handlers without Gradio: the controls' values → `ChatParams`, a run, the
"view code" snippet and the before-you-send estimate. `ui/playground.py` only wires them."""

from __future__ import annotations

from typing import Any

from chatbot.client import ChatParams
from chatbot.context import AppContext, Session
from chatbot.context.costs import estimate_markdown
from chatbot.errors import ChatbotError, InvalidInput
from chatbot.playground.render import raw_result, result_html, usage_markdown
from chatbot.playground.request import build_messages, legacy_prompt, parse_seed, parse_stop
from chatbot.playground.view_code import python_code


def read_params(ctx: AppContext, session: Session, *, model: str, temperature: float,
                top_p: float, n: float, max_tokens: float | str | None, frequency_penalty: float,
                presence_penalty: float, stop: str, seed: Any, logprobs: bool,
                top_logprobs: float, reasoning_effort: str | None = None) -> ChatParams:
    """Controls → request parameters; a blank model means the session's model."""
    empty = [name for name, value in (("temperature", temperature), ("top_p", top_p), ("n", n),
                                      ("frequency_penalty", frequency_penalty),
                                      ("presence_penalty", presence_penalty)) if value is None]
    if empty:
        names = ", ".join(empty)
        raise InvalidInput.keyed("playground.missing", names=names)
    return ChatParams(
        model=(model or "").strip() or ctx.model_for(session),
        temperature=float(temperature), top_p=float(top_p), n=int(n),
        max_tokens=int(max_tokens) if max_tokens not in (None, "") else None,
        frequency_penalty=float(frequency_penalty), presence_penalty=float(presence_penalty),
        stop=parse_stop(stop), seed=parse_seed(seed),
        logprobs=bool(logprobs), top_logprobs=int(top_logprobs) if logprobs else None,
        reasoning_effort=reasoning_effort or None,
    )


def _request(user: str, system: str, endpoint: str) -> tuple[list[dict[str, str]] | None,
                                                             str | None]:
    """(messages, None) for chat, (None, prompt) for the legacy endpoint."""
    if endpoint == "completions":
        return None, legacy_prompt(system, user)
    return build_messages(system, user), None


def run_view(ctx: AppContext, session: Session, user: str, system: str, endpoint: str,
        **controls: Any) -> tuple[str, str, str, dict[str, Any]]:
    params = read_params(ctx, session, **controls)
    client = ctx.client_for(session, params.model)
    messages, prompt = _request(user, system, endpoint)
    result = client.complete(prompt, params) if prompt is not None else client.chat(
        messages or [], params)
    code = python_code(client.backend, params, messages, prompt,
                       caps=client.capabilities_for(params.model), lang=session.lang)
    usage = f"{usage_markdown(result, session.lang)}\n\n{session.ledger.summary(session.lang)}"
    return result_html(result, session.lang), usage, code, raw_result(result, session.lang)


def code_view(ctx: AppContext, session: Session, user: str, system: str, endpoint: str,
              **controls: Any) -> str:
    """The `openai` call the Run button would make, without making it."""
    params = read_params(ctx, session, **controls)
    messages, prompt = _request(user, system, endpoint)
    return python_code(ctx.backend_for(session, wait=False), params, messages, prompt,
                       caps=ctx.capabilities_for(session, params.model), lang=session.lang)


def estimate_line(ctx: AppContext, session: Session, user: str, system: str, endpoint: str,
                  **controls: Any) -> str:
    """Worst case before sending: input tokens plus n × max_tokens."""
    try:
        params = read_params(ctx, session, **controls)
        messages, prompt = _request(user, system, endpoint)
    except ChatbotError:
        return ""
    return estimate_markdown(ctx, session, params.model, prompt if prompt is not None
                             else messages or [], params.max_tokens, params.n)
