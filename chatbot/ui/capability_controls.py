"""Sampling controls that follow the chosen model: greyed out with a reason, and reasoning effort.

The facts come from `capabilities` (the same ones the client applies when sending), so what the
student sees before sending is what the request will carry. Hints are keys of chatbot/i18n/:
`T` while the page is built (the browser translates), the session's language afterwards.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import gradio as gr

from chatbot.i18n import DEFAULT, say
from chatbot.models import capabilities
from chatbot.models.capabilities import Capabilities
from chatbot.ui.i18n import T

WHERE = {"catalog": "capability_controls.catalog_data",
         "embedded": "capability_controls.embedded_model",
         "probe": "capability_controls.probed_on_this_server",
         "guess": "capability_controls.unknown_model_assumed_to"}


def _word(lang: str | None) -> Any:
    """Key → text: a browser-translated key while building (lang None), else the session's."""
    return T if lang is None else (lambda key: say(lang, key))


def effort_dropdown(caps: Capabilities) -> gr.Dropdown:
    """Shown only for a reasoning model, with its own levels."""
    return gr.Dropdown(**_effort_state(caps, "", DEFAULT), label="reasoning_effort",
                       info=T("capability_controls.how_much_a_reasoning"), interactive=True)


def _effort_state(caps: Capabilities, current: str | None, lang: str) -> dict[str, Any]:
    default = say(lang, "capability_controls.default")
    if not caps.reasoning:
        return {"visible": False, "value": "", "choices": [(default, "")]}
    return {"visible": True, "value": current if current in caps.efforts else "",
            "choices": [(f"{default} ({caps.default_effort or '?'})", ""), *caps.efforts]}


def effort_update(caps: Capabilities, current: str | None, lang: str) -> Any:
    return gr.update(**_effort_state(caps, current, lang))


def control_states(caps: Capabilities, effort: str | None, infos: Mapping[str, str],
                   lang: str | None = None) -> dict[str, dict[str, Any]]:
    """Per control named in `infos` (name → hint key): `interactive` and `info`, off with the
    reason when the model does not take it. `n` stays on: the client asks n times when a server
    gives one. `lang` None: while the page is built."""
    word = _word(lang)
    off = capabilities.control_states(caps, effort or None)
    states = {}
    for name, key in infos.items():
        feature = capabilities.FIELDS.get(name)
        why = off.get(feature) if feature else None
        reason = why.said(lang or DEFAULT) if why else None
        if name == "max_tokens" and caps.token_limit == "max_completion_tokens":
            states[name] = {"interactive": True,
                            "info": word("capability_controls.sent_as_max_completion")}
        elif reason and feature == "n":
            states[name] = {"interactive": True, "info": f"{say(lang or DEFAULT, key)} ↻ {reason}"}
        elif reason:
            states[name] = {"interactive": False, "info": f"⛔ {reason}"}
        else:
            states[name] = {"interactive": True, "info": word(key)}
    return states


def control_updates(caps: Capabilities, effort: str | None, infos: Mapping[str, str],
                    lang: str) -> list[Any]:
    """`control_states` as Gradio updates, in `infos`' order, in the session's language."""
    return [gr.update(**state) for state in control_states(caps, effort, infos, lang).values()]


def summary(caps: Capabilities, lang: str) -> str:
    """One line under the model picker: what kind of model it is and where that is known from."""
    where = say(lang, WHERE[caps.source]) if caps.source in WHERE else caps.source
    kind = say(lang, "capability_controls.reasoning_model" if caps.reasoning
               else "capability_controls.sampling_model")
    return f"`{caps.model}`: {kind} · {where}"
