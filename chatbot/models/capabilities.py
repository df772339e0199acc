"""Which request parameters a model takes: facts read from data, never a request.

OpenAI's reasoning models refuse most of the course's sampling parameters and want
`max_completion_tokens`; compatible servers may not do `n`, `logprobs` or `seed`. The facts live in
`data/models.json` (families by name prefix). The client builds the request body from them
(`chatbot/client/request.py`) and learns what a server refuses (`chatbot/client/capability_book.py`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from chatbot.i18n import Msg

# A capability ("feature") may cover several request fields.
FEATURES = ("temperature", "top_p", "n", "logprobs", "penalties", "seed", "stop")
FIELDS: dict[str, str] = {
    "temperature": "temperature", "top_p": "top_p", "n": "n", "logprobs": "logprobs",
    "top_logprobs": "logprobs", "frequency_penalty": "penalties",
    "presence_penalty": "penalties", "seed": "seed", "stop": "stop",
}
TOKEN_FIELDS = ("max_tokens", "max_completion_tokens")


@dataclass(frozen=True)
class Capabilities:
    """What one model takes on one backend. `source`: catalog | embedded | guess | probe."""

    model: str
    takes: frozenset[str]  # FEATURES it takes at its default reasoning effort
    token_limit: str = "max_tokens"
    reasoning: bool = False
    efforts: tuple[str, ...] = ()
    default_effort: str | None = None
    none_restores: frozenset[str] = frozenset()
    source: str = "catalog"
    learned: frozenset[str] = frozenset()  # refused by the server although the data said yes

    def takes_at(self, effort: str | None) -> frozenset[str]:
        """With effort "none" (where the model has it) some sampling parameters come back."""
        effort = effort or self.default_effort
        if effort == "none" and "none" in self.efforts:
            return (self.takes | self.none_restores) - self.learned
        return self.takes - self.learned

    def refuse(self, feature: str) -> Capabilities:
        """The server said no to a parameter the data allowed: remember it."""
        return replace(self, learned=self.learned | {feature})

    def why_not(self, feature: str, effort: str | None) -> Msg:
        """One line: why `feature` is off for this model right now (what it does instead,
        capabilities.does_<feature>, and why, capabilities.why_<reason>)."""
        if feature in self.learned:
            why: Msg | str = Msg("capabilities.why_learned")
        elif feature in self.none_restores and "none" in self.efforts:
            why = Msg("capabilities.why_none")
        elif self.reasoning:
            why = Msg("capabilities.why_reasoning")
        else:
            why = Msg("capabilities.why_probe") if self.source == "probe" else ""
        return Msg("capabilities.why_not", model=self.model,
                   does=Msg(f"capabilities.does_{feature}"), why=why)


def _profile(raw: Mapping[str, Any]) -> dict[str, Any]:
    return {"takes": frozenset(raw.get("takes", FEATURES)),
            "token_limit": raw.get("token_limit", "max_tokens"),
            "reasoning": bool(raw.get("reasoning", False)),
            "efforts": tuple(raw.get("efforts", ())),
            "default_effort": raw.get("default_effort"),
            "none_restores": frozenset(raw.get("none_restores", ()))}


class CapabilityTable:
    """The families of `models.json`'s "capabilities", resolved by the longest name prefix."""

    def __init__(self, raw: Mapping[str, Any]) -> None:
        self.source = list(raw.get("source", []))
        self.as_of = raw.get("as_of", "")
        self.note = raw.get("note", "")
        profiles = {name: _profile(p) for name, p in raw.get("profiles", {}).items()}
        self._families = {prefix: profiles[name] for prefix, name in raw.get("families", {}).items()}

    def family(self, name: str) -> dict[str, Any] | None:
        """`ft:gpt-4o-mini:org::id` is its base's family; gpt-5.1 beats gpt-5 (longest prefix)."""
        name = (name or "").strip()
        if name.startswith("ft:"):
            name = name.split(":")[1] if name.count(":") >= 1 else ""
        best = None
        for prefix in self._families:
            rest = name[len(prefix):]
            if name.startswith(prefix) and (not rest or rest[0] in "-.:") and (
                    best is None or len(prefix) > len(best)):
                best = prefix
        return None if best is None else self._families[best]

    def for_model(self, name: str, *, local: bool = False) -> Capabilities:
        """Never raises: the embedded model takes everything; an unknown name is a guess."""
        if local:
            return Capabilities(name, frozenset(FEATURES), source="embedded")
        found = self.family(name)
        if found is None:
            return Capabilities(name, frozenset(FEATURES), source="guess")
        return Capabilities(name, **found)


def control_states(caps: Capabilities, effort: str | None) -> dict[str, Msg]:
    """For the UI: each feature the model does not take now -> the one-line reason."""
    takes = caps.takes_at(effort)
    return {f: caps.why_not(f, effort) for f in FEATURES if f not in takes}
