"""The Playground's pure parts: reading its controls, showing its outputs, writing "view code"."""

from __future__ import annotations

import html
import math
import pprint
from typing import Any

from chatbot.client import Backend, ChatParams, Result, TokenLogprob
from chatbot.errors import InvalidInput


def parse_stop(text: str) -> tuple[str, ...]:
    """One stop sequence per line; `\\n` written out stands for a newline."""
    lines = [line for line in (text or "").splitlines() if line.strip()]
    return tuple(line.replace("\\n", "\n") for line in lines)


MAX_SEED = 2**63 - 1  # the API's seed is a 64-bit integer


def parse_seed(value: Any) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        seed = float(value)
    except (TypeError, ValueError):
        raise InvalidInput(f"La semilla '{value}' no es un número entero. / Seed '{value}' is "
                           "not a whole number.") from None
    if not math.isfinite(seed) or seed != int(seed):
        raise InvalidInput(f"La semilla '{value}' no es un número entero. / Seed '{value}' is "
                           "not a whole number.")
    if abs(seed) > MAX_SEED:
        raise InvalidInput(f"La semilla '{value}' es demasiado grande (máximo {MAX_SEED}). / "
                           f"Seed '{value}' is too large (at most {MAX_SEED}).")
    return int(seed)


def build_messages(system: str, user: str) -> list[dict[str, str]]:
    if not (user or "").strip():
        raise InvalidInput("Escribe un mensaje de usuario. / Type a user message.")
    messages = []
    if (system or "").strip():
        messages.append({"role": "system", "content": system})
    messages.append({"role": "user", "content": user})
    return messages


def legacy_prompt(system: str, user: str) -> str:
    """The course's text-davinci-003 style: one prompt string, instructions first."""
    if not (user or "").strip():
        raise InvalidInput("Escribe un mensaje de usuario. / Type a user message.")
    return f"{system.strip()}\n\n{user}" if (system or "").strip() else user


def _colour(prob: float) -> str:
    """Green for likely tokens, through yellow, to red for unlikely ones."""
    hue = int(120 * max(0.0, min(1.0, prob)))
    return f"hsl({hue}, 85%, 82%)"


def _visible(token: str) -> str:
    return html.escape(token).replace("\n", "↵<br>").replace(" ", "&nbsp;") or "∅"


def tokens_html(logprobs: tuple[TokenLogprob, ...]) -> str:
    """Each output token coloured by its probability; its top alternatives in the tooltip."""
    spans = []
    for tok in logprobs:
        prob = math.exp(tok.logprob)
        alts = " · ".join(f"{t.token!r} {math.exp(t.logprob):.1%}" for t in tok.top)
        title = html.escape(f"{tok.token!r}: {prob:.1%}" + (f"\n{alts}" if alts else ""),
                            quote=True)
        spans.append(f'<span class="tok" style="background:{_colour(prob)}" '
                     f'title="{title}">{_visible(tok.token)}</span>')
    return "".join(spans)


def result_html(result: Result) -> str:
    """The n outputs side by side, each with its finish reason."""
    reasons = {
        "stop": "terminó / finished",
        "length": "cortado por max_tokens / cut by max_tokens",
        "content_filter": "filtrado / filtered",
    }
    cards = []
    for choice in result.choices:
        body = (tokens_html(choice.logprobs) if choice.logprobs
                else html.escape(choice.text).replace("\n", "<br>"))
        reason = reasons.get(choice.finish_reason or "", choice.finish_reason or "?")
        cards.append(
            f'<div class="pg-card"><div class="pg-head">#{choice.index + 1} · '
            f'finish_reason: <code>{html.escape(choice.finish_reason or "?")}</code> '
            f'({html.escape(reason)})</div><div class="pg-body">{body}</div></div>'
        )
    return f'<div class="pg-grid">{"".join(cards)}</div>'


def usage_markdown(result: Result) -> str:
    u = result.usage
    cost = "—" if result.cost_usd is None else f"${result.cost_usd:.6f}"
    estimate = ""
    if result.estimate and result.estimate.high_usd is not None:
        estimate = (f" · estimado antes / estimated before: ${result.estimate.low_usd:.6f}–"
                    f"${result.estimate.high_usd:.6f}")
    fanned = f" · {result.requests} peticiones / requests" if result.requests > 1 else ""
    return (f"**Uso / Usage:** {u.prompt_tokens} entrada / in · {u.completion_tokens} salida / "
            f"out · {u.cached_tokens} en caché / cached · **coste / cost:** {cost}{estimate} · "
            f"{result.latency_s:.2f} s{fanned}")


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


def raw_result(result: Result) -> dict[str, Any]:
    """A plain summary for the API and for students curious about the response's shape."""
    return {
        "model": result.model,
        "choices": [{"index": c.index, "text": c.text, "finish_reason": c.finish_reason}
                    for c in result.choices],
        "usage": {"prompt_tokens": result.usage.prompt_tokens,
                  "completion_tokens": result.usage.completion_tokens,
                  "cached_tokens": result.usage.cached_tokens},
        "cost_usd": result.cost_usd,
        "latency_s": round(result.latency_s, 3),
        "requests": result.requests,
    }
