"""Sampling controls that follow the chosen model: greyed out with a reason, and reasoning effort.

The facts come from `capabilities` (the same ones the client applies when sending), so what the
student sees before sending is what the request will carry.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import gradio as gr

from chatbot.models import capabilities
from chatbot.models.capabilities import Capabilities

EFFORT_INFO = ("Cuánto piensa un modelo de razonamiento antes de responder (tokens ocultos que se "
               "pagan como salida); none devuelve temperature y logprobs donde existe. / How much "
               "a reasoning model thinks before answering (hidden tokens billed as output); none "
               "brings temperature and logprobs back where it exists.")
COMPLETION_LIMIT_INFO = ("Se envía como max_completion_tokens: incluye los tokens de razonamiento "
                         "ocultos. / Sent as max_completion_tokens: it includes the hidden "
                         "reasoning tokens.")


def effort_dropdown(caps: Capabilities) -> gr.Dropdown:
    """Shown only for a reasoning model, with its own levels."""
    return gr.Dropdown(**_effort_state(caps, ""), label="reasoning_effort", info=EFFORT_INFO,
                       interactive=True)


def _effort_state(caps: Capabilities, current: str | None) -> dict[str, Any]:
    if not caps.reasoning:
        return {"visible": False, "value": "", "choices": [("predeterminado / default", "")]}
    default = caps.default_effort or "?"
    return {"visible": True, "value": current if current in caps.efforts else "",
            "choices": [(f"predeterminado / default ({default})", ""), *caps.efforts]}


def effort_update(caps: Capabilities, current: str | None) -> Any:
    return gr.update(**_effort_state(caps, current))


def control_states(caps: Capabilities, effort: str | None,
                   infos: Mapping[str, str]) -> dict[str, dict[str, Any]]:
    """Per control named in `infos`: `interactive` and `info`, off with the reason when the
    model does not take it. `n` stays on: the client asks n times when a server gives one."""
    off = capabilities.control_states(caps, effort or None)
    states = {}
    for name, info in infos.items():
        feature = capabilities.FIELDS.get(name)
        reason = off.get(feature) if feature else None
        if name == "max_tokens" and caps.token_limit == "max_completion_tokens":
            states[name] = {"interactive": True, "info": COMPLETION_LIMIT_INFO}
        elif reason and feature == "n":
            states[name] = {"interactive": True, "info": f"{info} ↻ {reason}"}
        elif reason:
            states[name] = {"interactive": False, "info": f"⛔ {reason}"}
        else:
            states[name] = {"interactive": True, "info": info}
    return states


def control_updates(caps: Capabilities, effort: str | None,
                    infos: Mapping[str, str]) -> list[Any]:
    """`control_states` as Gradio updates, in `infos`' order."""
    return [gr.update(**state) for state in control_states(caps, effort, infos).values()]


def summary(caps: Capabilities) -> str:
    """One line under the model picker: what kind of model it is and where that is known from."""
    where = {"catalog": "datos del catálogo / catalog data",
             "embedded": "modelo integrado / embedded model",
             "probe": "comprobado en este servidor / probed on this server",
             "guess": "modelo desconocido: se supone que acepta todo y se aprende de sus "
                      "rechazos / unknown model: assumed to take everything, learning from "
                      "refusals"}.get(caps.source, caps.source)
    kind = ("🧠 modelo de razonamiento / reasoning model" if caps.reasoning
            else "🎲 modelo de muestreo / sampling model")
    return f"`{caps.model}`: {kind} · {where}"
