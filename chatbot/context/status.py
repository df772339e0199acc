"""The always-visible status line: which backend and model answer, the engine's load, and what
was spent (this page, this user's record, the host's day)."""

from __future__ import annotations

from chatbot.context.session import Session, SessionPolicy
from chatbot.engine.llama_server import EmbeddedServer
from chatbot.engine.warmup import PrefixWarmer
from chatbot.i18n import DEFAULT, say
from chatbot.money.billing import format_usd
from chatbot.money.spending import utc_today
from chatbot.policy.redaction import without_userinfo

EMBEDDED_STATES = ("ready", "building", "starting", "stopped", "failed")


def engine_load(embedded: EmbeddedServer | None, lang: str = DEFAULT) -> str:
    """The embedded engine's load for the status line: who is answered, who waits."""
    load = embedded.load() if embedded else None
    if load is None:
        return ""
    text = say(lang, "status.slots", busy=load.busy, slots=load.slots)
    if load.waiting or load.busy >= load.slots:
        text += say(lang, "status.waiting", waiting=load.waiting)
    return text


def engine_state(embedded: EmbeddedServer | None, warmer: PrefixWarmer | None,
                 lang: str = DEFAULT) -> str:
    """The embedded engine's part: building, loading, warming (and how long it has left), ready
    (here or on a server found running), stopped, or failed with its reason."""
    if embedded is None:
        return "off"
    state = embedded.status
    if state == "ready" and embedded.external is not None:  # Ollama or LM Studio serves
        return say(lang, "status.embedded_ready_on", name=embedded.external.name)
    if state == "building":
        progress = embedded.locator.progress or ""
        return say(lang, "status.embedded_building", progress=progress)
    warming = warmer.warming() if warmer and state == "ready" else None
    if warming is not None:
        key = "status.warm_waits" if warming.waiting else "status.warming"
        return (say(lang, key, slots=embedded.config.slots, left=warming.seconds_left)
                + engine_load(embedded, lang))
    if state == "failed":
        return say(lang, "status.embedded_failed") + embedded.error_in(lang)
    if state == "ready":
        return say(lang, "status.embedded_ready") + engine_load(embedded, lang)
    return say(lang, f"status.embedded_{state}") if state in EMBEDDED_STATES else state


def status_markdown(policy: SessionPolicy, session: Session, *, public: bool = False,
                    warmer: PrefixWarmer | None = None) -> str:
    """The always-visible line saying which backend and model answer, and what was spent, in
    the session's language.

    `public` (Telegram, or any page of a hosted app): said to anyone, so the host's own
    base URL is not shown."""
    public = public or policy.settings.hosted
    kind = policy.backend_kind(session)
    model = policy.model_for(session)
    lang = session.lang
    if kind == "local":
        where = engine_state(policy.embedded, warmer, lang)
    elif kind == "openai":
        where = "🔵 OpenAI"
    elif session.base_url or not public:
        url = without_userinfo(session.base_url or policy.settings.openai_base_url or "")
        where = say(lang, "status.compatible") + f": `{url}`"
    else:  # the host's own server: its address is not for the public
        where = say(lang, "status.compatible")
    retired = policy.catalog.retired_message(model) if kind == "openai" else None
    warn = f"\n\n⚠️ {retired.said(lang)}" if retired else ""
    hosted = say(lang, "status.hosted") if policy.settings.hosted else ""
    return (f"{hosted}**Backend:** {where} · **{say(lang, 'status.model')}:** `{model}` · "
            f"{session.ledger.summary(lang)}{_spending_note(policy, session)}{warn}")




def _spending_note(policy: SessionPolicy, session: Session) -> str:
    """What outlives this page: the user's recorded total, the host's day so far."""
    notes = []
    if session.keep_spending:
        total = policy.store.spent(f"session:{session.id}")
        notes.append(say(session.lang, "status.recorded", usd=format_usd(total)))
    daily = policy.daily_cap(session)
    if daily is not None:
        today = policy.store.spent(daily.key(utc_today()))
        notes.append(say(session.lang, "status.host_today", usd=format_usd(today),
                         limit=format_usd(daily.limit_usd)))
    return "".join(f" · {note}" for note in notes)
