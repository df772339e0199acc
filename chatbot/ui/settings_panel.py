"""The settings strip on top of every tab: which backend and model answer, for this session only."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import gradio as gr

from chatbot.context import AppContext, Session
from chatbot.errors import ConfigError, InvalidInput
from chatbot.i18n import say
from chatbot.policy.urlguard import check_typed_url
from chatbot.settings import as_backend_kind
from chatbot.ui.common import friendly
from chatbot.ui.i18n import T

LOAD_EVERY_S = 5.0  # the status line's engine load: fresh enough, cheap for a whole class

BACKEND_CHOICES = [
    (T("settings_panel.embedded_no_key_or"), "local"),
    (T("settings_panel.key"), "openai"),
    (T("settings_panel.compatible_server"), "compatible"),
]


def apply_settings(ctx: AppContext, session: Session, backend: str, api_key: str,
                   base_url: str, model: str, budget: float | None) -> Session:
    """A new session value; the previous one is left untouched, as Gradio state should be."""
    api_key = (api_key or "").strip()
    base_url = (base_url or "").strip().rstrip("/")
    kind = as_backend_kind(backend)
    if kind is None:
        raise InvalidInput(say(session.lang, "settings_panel.unknown_backend", name=repr(backend)))
    if backend == "compatible":
        if not base_url and not ctx.settings.openai_base_url:
            raise ConfigError(say(session.lang, "settings_panel.type_the_server_s"))
        if base_url:
            check_typed_url(ctx.settings, base_url)
    if backend == "openai" and not (api_key or session.api_key or ctx.settings.key_for_openai):
        raise ConfigError(say(session.lang, "settings_panel.paste_your_openai_key"))
    if budget is not None and budget < 0:
        raise InvalidInput(say(session.lang, "settings_panel.the_budget_cannot_be"))
    # In hosted mode the host's ceiling wins over a cleared or higher budget.
    ledger = replace(session.ledger, budget_usd=ctx.settings.session_budget(budget or None))
    new = replace(
        session,
        backend=kind,
        api_key=api_key or (session.api_key if backend != "local" else None),
        base_url=base_url or None if backend == "compatible" else None,
        model=(model or "").strip() or None,
        ledger=ledger,
    )
    if backend == "local" and ctx.embedded is not None:
        ctx.embedded.start()
    return new


def build_settings_panel(ctx: AppContext, session: gr.State) -> gr.Markdown:
    """Returns the status line so other tabs' events can refresh it."""
    default = ctx.new_session()
    # Filled when the page loads (demo.py) and on every change: built with the page, it would say
    # what the model was doing when the app started, in no reader's language.
    status = gr.Markdown(elem_id="backend-status")
    with gr.Accordion(T("settings_panel.this_session_s_settings"), open=False):
        gr.Markdown(T("settings_panel.changes_here_apply_to"))
        with gr.Row():
            backend = gr.Radio(BACKEND_CHOICES, value=ctx.backend_kind(default),
                               label="Backend",
                               info=T("settings_panel.who_answers_your_requests"))
            model = gr.Dropdown(
                choices=ctx.local_models(),
                value=None, allow_custom_value=True, label=T("settings_panel.model"),
                info=T("settings_panel.blank_the_backend_s"))
        with gr.Row():
            api_key = gr.Textbox(type="password", label=T("settings_panel.api_key"),
                                 placeholder="sk-…",
                                 info=T("settings_panel.for_your_session_only"))
            base_url = gr.Textbox(label=T("settings_panel.base_url"),
                                  placeholder="http://localhost:11434/v1",
                                  info=T("settings_panel.for_openai_compatible_servers"))
            budget = gr.Number(value=ctx.settings.budget_usd, label=T("settings_panel.budget_usd"),
                               info=T("settings_panel.refuses_requests_whose_worst"))
        apply = gr.Button(T("settings_panel.apply"), variant="primary")

    def names(kind: str) -> list[str]:
        if kind == "local":
            return ctx.local_models()  # the base model and the ones tuned here
        if kind == "openai":
            return [n for n in ctx.catalog.names() if ctx.catalog.get(n).provider == "openai"]
        return []

    def refresh_models(kind: str) -> Any:
        return gr.Dropdown(choices=names(kind), value=None)

    def relist_models(kind: str) -> Any:
        return gr.Dropdown(choices=names(kind))  # keeps the choice; adds models tuned since

    backend.change(refresh_models, backend, model, api_visibility="private")
    model.focus(relist_models, backend, model, api_visibility="private")

    @friendly
    def apply_fn(backend: str, api_key: str, base_url: str, model: str, budget: float | None,
                 state: Session) -> tuple[Session, str, str]:
        new = apply_settings(ctx, state, backend, api_key, base_url, model, budget)
        return new, ctx.status_markdown(new), ""

    apply.click(apply_fn, [backend, api_key, base_url, model, budget, session],
                [session, status, api_key], api_name="settings")

    timer = gr.Timer(2.0)

    def tick(state: Session) -> tuple[str, Any]:
        """Fast while the model loads and warms, then every few seconds for the engine's load."""
        local = ctx.backend_kind(state) == "local" and ctx.embedded is not None
        loading = local and ctx.engine_preparing()
        return ctx.status_markdown(state), gr.Timer(2.0 if loading else LOAD_EVERY_S,
                                                    active=local)

    timer.tick(tick, session, [status, timer], api_visibility="private", show_progress="hidden")
    return status

