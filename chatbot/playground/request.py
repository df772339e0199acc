"""The Playground's controls read into a request: stop sequences, seed, messages or prompt."""

from __future__ import annotations

import math
from typing import Any

from chatbot.errors import InvalidInput


def parse_stop(text: str) -> tuple[str, ...]:
    """One stop sequence per line; `\\n` written out stands for a newline."""
    lines = [line for line in (text or "").splitlines() if line.strip()]
    return tuple(line.replace("\\n", "\n") for line in lines)


def stop_text(stops: list[str] | tuple[str, ...]) -> str:
    """parse_stop's inverse, for the stop box."""
    return "\n".join(s.replace("\n", "\\n") for s in stops)


MAX_SEED = 2**63 - 1  # the API's seed is a 64-bit integer


def parse_seed(value: Any) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        seed = float(value)
    except (TypeError, ValueError):
        raise InvalidInput.keyed("playground.seed_not_whole", value=value) from None
    if not math.isfinite(seed) or seed != int(seed):
        raise InvalidInput.keyed("playground.seed_not_whole", value=value)
    if abs(seed) > MAX_SEED:
        raise InvalidInput.keyed("playground.seed_too_large", value=value, limit=MAX_SEED)
    return int(seed)


def build_messages(system: str, user: str) -> list[dict[str, str]]:
    if not (user or "").strip():
        raise InvalidInput.keyed("playground.type_a_user_message")
    messages = []
    if (system or "").strip():
        messages.append({"role": "system", "content": system})
    messages.append({"role": "user", "content": user})
    return messages


def legacy_prompt(system: str, user: str) -> str:
    """The course's text-davinci-003 style: one prompt string, instructions first."""
    if not (user or "").strip():
        raise InvalidInput.keyed("playground.type_a_user_message")
    return f"{system.strip()}\n\n{user}" if (system or "").strip() else user


def preset_values(form: dict[str, Any]) -> dict[str, Any]:
    """The Playground's controls as a parameters preset (typed: lists, whole numbers, None)."""
    values = dict(form)
    values["stop"] = list(parse_stop(form.get("stop") or ""))
    values["seed"] = parse_seed(form.get("seed"))
    for name in ("n", "top_logprobs"):
        values[name] = int(form[name] or 0)
    values["max_tokens"] = None if form.get("max_tokens") in (None, "") else int(
        form["max_tokens"])
    return values


def form_values(preset: dict[str, Any]) -> dict[str, Any]:
    """A parameters preset back into the controls' shapes (the stop and seed boxes are text)."""
    values = dict(preset)
    if "stop" in values:
        values["stop"] = stop_text(values["stop"])
    if "seed" in values:
        values["seed"] = "" if values["seed"] is None else str(values["seed"])
    return values
