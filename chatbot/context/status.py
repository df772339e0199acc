"""The always-visible status line: which backend and model answer, the engine's load, and what
was spent (this page, this user's record, the host's day)."""

from __future__ import annotations

from chatbot.context.session import Session, SessionPolicy
from chatbot.engine.llama_server import EmbeddedServer
from chatbot.money.billing import format_usd
from chatbot.money.spending import utc_today
from chatbot.policy.redaction import without_userinfo


def engine_load(embedded: EmbeddedServer | None) -> str:
    """The embedded engine's load for the status line: who is answered, who waits."""
    load = embedded.load() if embedded else None
    if load is None:
        return ""
    text = (f" · {load.busy}/{load.slots} plazas ocupadas / slots busy")
    if load.waiting or load.busy >= load.slots:
        text += (f" · {load.waiting} en cola: las nuevas preguntas esperan turno / "
                 f"waiting: new questions wait their turn")
    return text


def status_markdown(policy: SessionPolicy, session: Session, *, public: bool = False) -> str:
    """The always-visible line saying which backend and model answer, and what was spent.

    `public` (Telegram, or any page of a hosted app): said to anyone, so the host's own
    base URL is not shown."""
    public = public or policy.settings.hosted
    kind = policy.backend_kind(session)
    model = policy.model_for(session)
    if kind == "local":
        state = policy.embedded.status if policy.embedded else "off"
        where = {
            "ready": _ready(policy.embedded),
            "building": "🟠 Compilando el motor (llama.cpp) en segundo plano / Building the "
                        "engine (llama.cpp) in the background: " + _build_progress(policy.embedded)
                        + " · mientras, elige OpenAI o un servidor compatible en Ajustes / "
                        "meanwhile, pick OpenAI or a compatible server in Settings",
            "starting": "🟡 Cargando el modelo embebido… / Loading the embedded model…",
            "stopped": "⚪ Embebido parado (arranca al primer uso) / Embedded stopped "
                       "(starts on first use)",
            "failed": "🔴 El modelo embebido falló / Embedded model failed: "
                      + str(policy.embedded.error if policy.embedded else ""),
        }.get(state, state)
    elif kind == "openai":
        where = "🔵 OpenAI"
    elif session.base_url or not public:
        url = without_userinfo(session.base_url or policy.settings.openai_base_url or "")
        where = f"🟣 Servidor compatible / Compatible server: `{url}`"
    else:  # the host's own server: its address is not for the public
        where = "🟣 Servidor compatible / Compatible server"
    retired = policy.catalog.retired_message(model) if kind == "openai" else None
    warn = f"\n\n⚠️ {retired}" if retired else ""
    hosted = "🌐 **Modo alojado / Hosted mode** · " if policy.settings.hosted else ""
    return (f"{hosted}**Backend:** {where} · **Modelo / Model:** `{model}` · "
            f"{session.ledger.summary()}{_spending_note(policy, session)}{warn}")


def _ready(embedded: EmbeddedServer | None) -> str:
    external = embedded.external if embedded else None
    if external is not None:
        return f"🟢 Embebido listo en / Embedded ready on {external.name}"
    return "🟢 Embebido listo / Embedded ready" + engine_load(embedded)


def _build_progress(embedded: EmbeddedServer | None) -> str:
    return (embedded.locator.progress if embedded else None) or ""


def _spending_note(policy: SessionPolicy, session: Session) -> str:
    """What outlives this page: the user's recorded total, the host's day so far."""
    notes = []
    if session.keep_spending:
        total = policy.store.spent(f"session:{session.id}")
        notes.append(f"Total guardado / recorded total: {format_usd(total)}")
    daily = policy.daily_cap(session)
    if daily is not None:
        today = policy.store.spent(daily.key(utc_today()))
        notes.append(f"Hoy, en la cuenta del anfitrión / Today, on the host's account: "
                     f"{format_usd(today)} de / of {format_usd(daily.limit_usd)}")
    return "".join(f" · {note}" for note in notes)
