"""The settings strip on top of every tab: which backend and model answer, for this session only."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import gradio as gr

from chatbot.context import AppContext, Session
from chatbot.errors import ConfigError, InvalidInput
from chatbot.policy.urlguard import check_typed_url
from chatbot.settings import as_backend_kind
from chatbot.ui.common import friendly

LOAD_EVERY_S = 5.0  # the status line's engine load: fresh enough, cheap for a whole class

BACKEND_CHOICES = [
    ("Embebido, sin clave ni internet / Embedded, no key or internet", "local"),
    ("OpenAI (clave / key)", "openai"),
    ("Servidor compatible (Ollama, vLLM, LM Studio…) / Compatible server", "compatible"),
]


def apply_settings(ctx: AppContext, session: Session, backend: str, api_key: str,
                   base_url: str, model: str, budget: float | None) -> Session:
    """A new session value; the previous one is left untouched, as Gradio state should be."""
    api_key = (api_key or "").strip()
    base_url = (base_url or "").strip().rstrip("/")
    kind = as_backend_kind(backend)
    if kind is None:
        raise InvalidInput(f"Backend desconocido / Unknown backend: {backend!r}")
    if backend == "compatible":
        if not base_url and not ctx.settings.openai_base_url:
            raise ConfigError("Escribe la URL base del servidor, p. ej. http://localhost:11434/v1 "
                              "/ Type the server's base URL, e.g. http://localhost:11434/v1")
        if base_url:
            check_typed_url(ctx.settings, base_url)
    if backend == "openai" and not (api_key or session.api_key or ctx.settings.key_for_openai):
        raise ConfigError("Pega tu clave de OpenAI (sk-…) o usa el modelo embebido. / Paste your "
                          "OpenAI key (sk-…) or use the embedded model.")
    if budget is not None and budget < 0:
        raise InvalidInput("El presupuesto no puede ser negativo. / The budget cannot be negative.")
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
    status = gr.Markdown(ctx.status_markdown(default), elem_id="backend-status")
    with gr.Accordion("⚙️ Ajustes de esta sesión / This session's settings", open=False):
        gr.Markdown("Lo que cambies aquí vale solo para ti; la clave no se guarda ni se muestra. "
                    "/ Changes here apply to you only; the key is neither stored nor shown.")
        with gr.Row():
            backend = gr.Radio(BACKEND_CHOICES, value=ctx.backend_kind(default),
                               label="Backend",
                               info="Quién responde a tus peticiones. / Who answers your "
                                    "requests.")
            model = gr.Dropdown(
                choices=ctx.local_models(),
                value=None, allow_custom_value=True, label="Modelo / Model",
                info="Vacío: el predeterminado del backend; puedes escribir cualquier nombre. / "
                     "Blank: the backend's default; you can type any name.")
        with gr.Row():
            api_key = gr.Textbox(type="password", label="Clave de API / API key",
                                 placeholder="sk-…",
                                 info="Solo para tu sesión; se borra del cuadro al aplicar. / "
                                      "For your session only; cleared from the box on apply.")
            base_url = gr.Textbox(label="URL base / Base URL",
                                  placeholder="http://localhost:11434/v1",
                                  info="Para servidores compatibles con OpenAI. / For "
                                       "OpenAI-compatible servers.")
            budget = gr.Number(value=ctx.settings.budget_usd, label="Presupuesto / Budget (USD)",
                               info="Rechaza peticiones cuyo peor caso lo supere; en un servidor "
                                    "público solo puedes bajarlo. / Refuses requests whose worst "
                                    "case would exceed it; on a public server you can only "
                                    "lower it.")
        apply = gr.Button("Aplicar / Apply", variant="primary")

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
        """Fast while the model loads, then every few seconds for the engine's load."""
        local = ctx.backend_kind(state) == "local" and ctx.embedded is not None
        loading = local and ctx.embedded is not None and ctx.embedded.status == "starting"
        return ctx.status_markdown(state), gr.Timer(2.0 if loading else LOAD_EVERY_S,
                                                    active=local)

    timer.tick(tick, session, [status, timer], api_visibility="private", show_progress="hidden")
    return status

