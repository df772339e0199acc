"""Which request parameters a model takes, and the request body that respects it.

OpenAI's reasoning models refuse most of the course's sampling parameters and want
`max_completion_tokens`; compatible servers may not do `n`, `logprobs` or `seed`. The facts live in
`data/models.json` (families by name prefix); `apply` turns a student's settings into the body to
send plus a bilingual note for every setting that was not applied, so no tab guesses on its own.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from chatbot.client import ChatParams

# A capability ("feature") may cover several request fields.
FEATURES = ("temperature", "top_p", "n", "logprobs", "penalties", "seed", "stop")
FIELDS: dict[str, str] = {
    "temperature": "temperature", "top_p": "top_p", "n": "n", "logprobs": "logprobs",
    "top_logprobs": "logprobs", "frequency_penalty": "penalties",
    "presence_penalty": "penalties", "seed": "seed", "stop": "stop",
}
TOKEN_FIELDS = ("max_tokens", "max_completion_tokens")
# (es, en) of what the model does instead, for "<setting> not applied: <model> <does>".
_DOES: dict[str, tuple[str, str]] = {
    "temperature": ("solo muestrea a 1", "samples only at 1"),
    "top_p": ("solo muestrea con top_p 1", "samples only with top_p 1"),
    "n": ("da una respuesta por petición", "gives one answer per request"),
    "logprobs": ("no da logprobs", "gives no logprobs"),
    "penalties": ("no acepta penalizaciones", "takes no penalties"),
    "seed": ("no acepta seed", "takes no seed"),
    "stop": ("no acepta secuencias de parada", "takes no stop sequences"),
}
_WHY: dict[str, tuple[str, str]] = {
    "reasoning": (" (modelo de razonamiento)", " (reasoning model)"),
    "none": (" salvo con reasoning effort none", " unless reasoning effort is none"),
    "probe": (" (comprobado en este servidor)", " (probed on this server)"),
    "learned": (" (el servidor lo rechazó)", " (the server refused it)"),
}


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

    def why_not(self, feature: str, effort: str | None) -> str:
        """One line: why `feature` is off for this model right now."""
        es, en = _DOES[feature]
        if feature in self.learned:
            why = _WHY["learned"]
        elif feature in self.none_restores and "none" in self.efforts:
            why = _WHY["none"]
        elif self.reasoning:
            why = _WHY["reasoning"]
        else:
            why = _WHY["probe"] if self.source == "probe" else ("", "")
        return f"{self.model} {es}{why[0]}. / {self.model} {en}{why[1]}."


@dataclass(frozen=True)
class Applied:
    """The body fields to send and, in both languages, each setting that was not applied."""

    body: dict[str, Any]
    notes: tuple[str, ...]


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


def _shown(name: str, value: Any) -> str:
    if isinstance(value, tuple | list):
        return f"{name} {list(value)!r}"
    return name if value is True else f"{name} {value:g}" if isinstance(value, float) else (
        f"{name} {value}")


def _requested(params: ChatParams) -> dict[str, Any]:
    """Fields the student set away from the API's default: leaving those out changes the answer."""
    asked: dict[str, Any] = {}
    for name, default in (("temperature", 1), ("top_p", 1), ("frequency_penalty", 0),
                          ("presence_penalty", 0)):
        value = getattr(params, name)
        if value is not None and value != default:
            asked[name] = value
    if params.seed is not None:
        asked["seed"] = params.seed
    if params.stop:
        asked["stop"] = params.stop
    if params.logprobs:
        asked["logprobs"] = True
    return asked


def _effort(params: ChatParams, caps: Capabilities) -> tuple[str | None, list[str]]:
    effort = params.reasoning_effort or None
    if effort is None:
        return None, []
    if not caps.reasoning:
        return None, [f"reasoning_effort {effort} no aplicado: {caps.model} no es un modelo de "
                      f"razonamiento. / reasoning_effort {effort} not applied: {caps.model} is "
                      "not a reasoning model."]
    if caps.efforts and effort not in caps.efforts:
        levels = ", ".join(caps.efforts)
        return None, [f"reasoning_effort {effort} no aplicado: {caps.model} acepta {levels}. / "
                      f"reasoning_effort {effort} not applied: {caps.model} takes {levels}."]
    return effort, []


def apply(params: ChatParams, caps: Capabilities, *, legacy: bool = False) -> Applied:
    """The request body for `caps`'s model, and a note for each setting left out and why.

    `legacy`: the /v1/completions endpoint, where `logprobs` is a number and the limit is always
    `max_tokens`. `n` left out is not a loss: the client asks n times (see LLMClient._fan_out).
    """
    effort, notes = _effort(params, caps)
    takes = caps.takes_at(effort)
    body: dict[str, Any] = {"model": params.model}
    wanted = params.sdk_kwargs()
    asked = _requested(params)
    refused: dict[str, list[str]] = {}
    for name, value in wanted.items():
        feature = FIELDS.get(name)
        if feature is None or feature in takes:
            body[name] = value
        elif name in asked:
            refused.setdefault(feature, []).append(_shown(name, asked[name]))
    limit = wanted.get("max_tokens")
    body.pop("max_tokens", None)
    if limit is not None:
        body["max_tokens" if legacy else caps.token_limit] = limit
    if effort is not None:
        body["reasoning_effort"] = effort
    if legacy and "logprobs" in body:
        body["logprobs"] = body.pop("top_logprobs", None) or 1
    for feature, shown in refused.items():
        settings = ", ".join(shown)
        why = caps.why_not(feature, effort)
        es, en = why.split(" / ", 1)
        notes.append(f"{settings} no aplicado: {es} / {settings} not applied: {en}")
    return Applied(body, tuple(notes))


def learn(caps: Capabilities, param: str | None) -> Capabilities | None:
    """What a 400 `unsupported_parameter`/`unsupported_value` naming `param` teaches, or None
    when it names nothing we could leave out (then retrying would fail the same way)."""
    name = (param or "").split(".")[0]
    if name in TOKEN_FIELDS:
        other = TOKEN_FIELDS[1 - TOKEN_FIELDS.index(name)]
        return replace(caps, token_limit=other) if caps.token_limit == name else None
    if name == "reasoning_effort":
        return replace(caps, reasoning=False, efforts=()) if caps.reasoning else None
    feature = FIELDS.get(name)
    if feature is None or feature in caps.learned:
        return None
    return caps.refuse(feature)


def control_states(caps: Capabilities, effort: str | None) -> dict[str, str]:
    """For the UI: each feature the model does not take now -> the one-line reason."""
    takes = caps.takes_at(effort)
    return {f: caps.why_not(f, effort) for f in FEATURES if f not in takes}


def merge_probe(caps: Capabilities, works: Iterable[str]) -> Capabilities:
    """A probed server's answers replace the guess for the features the probe tried."""
    works = frozenset(works)
    tried = frozenset(("n", "logprobs", "seed", "stop"))
    return replace(caps, takes=(caps.takes - tried) | (works & tried), source="probe")
