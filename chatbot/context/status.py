"""The always-visible status line: which backend and model answer, the engine's load, and what
was spent (this page, this user's record, the host's day)."""

from __future__ import annotations

from chatbot.context.session import Session, SessionPolicy
from chatbot.engine.llama_server import EmbeddedServer
from chatbot.i18n import DEFAULT, one_language, say
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


def status_markdown(policy: SessionPolicy, session: Session, *, public: bool = False) -> str:
    """The always-visible line saying which backend and model answer, and what was spent, in
    the session's language.

    `public` (Telegram, or any page of a hosted app): said to anyone, so the host's own
    base URL is not shown."""
    public = public or policy.settings.hosted
    kind = policy.backend_kind(session)
    model = policy.model_for(session)
    lang = session.lang
    if kind == "local":
        state = policy.embedded.status if policy.embedded else "off"
        where = _embedded(policy.embedded, state, lang)
    elif kind == "openai":
        where = "🔵 OpenAI"
    elif session.base_url or not public:
        url = without_userinfo(session.base_url or policy.settings.openai_base_url or "")
        where = say(lang, "status.compatible") + f": `{url}`"
    else:  # the host's own server: its address is not for the public
        where = say(lang, "status.compatible")
    retired = policy.catalog.retired_message(model) if kind == "openai" else None
    warn = f"\n\n⚠️ {one_language(retired, lang)}" if retired else ""
    hosted = say(lang, "status.hosted") if policy.settings.hosted else ""
    return (f"{hosted}**Backend:** {where} · **{say(lang, 'status.model')}:** `{model}` · "
            f"{session.ledger.summary(lang)}{_spending_note(policy, session)}{warn}")


def _embedded(embedded: EmbeddedServer | None, state: str, lang: str) -> str:
    """The embedded engine's state in words: ready (here or on a server found running),
    building, loading, stopped or failed with its reason."""
    if state == "ready":
        external = embedded.external if embedded else None
        if external is not None:
            return say(lang, "status.embedded_ready_on", name=external.name)
        return say(lang, "status.embedded_ready") + engine_load(embedded, lang)
    if state == "building":
        progress = (embedded.locator.progress if embedded else None) or ""
        return say(lang, "status.embedded_building", progress=progress)
    if state == "failed":
        return say(lang, "status.embedded_failed") + (embedded.error_in(lang) if embedded else "")
    return say(lang, f"status.embedded_{state}") if state in EMBEDDED_STATES else state


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
