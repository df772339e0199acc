"""The page in one language: `T(key)` for fixed text, `Session.lang` for text built on the server.

Gradio translates `T(key)` in the browser from the tables in chatbot/i18n/ (`gr.I18n`, passed to
launch() by app.py) in the browser's language, read once when the page starts. The switch on
top stores the reader's choice in the browser (localStorage) and reloads; `StoredLanguage` puts a
script first in the page's <head> that makes that choice the browser's language before Gradio
reads it (launch(head=...) is injected too late for that), so labels, tabs and the server's text
(`Session.lang`, set on load) change together and stay changed on the next visit. How to add a
string: chatbot/i18n/__init__.py.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping, Sequence
from dataclasses import replace
from typing import Any

import gradio as gr
from gradio.i18n import I18nData

from chatbot.context import Session
from chatbot.i18n import DEFAULT, TABLES, normalise, say

I18N = gr.I18n(**TABLES)
STORE = "chatbot-lang"  # the localStorage key the switch writes

OVERRIDE = f"""<script>(function () {{
  try {{
    var lang = window.localStorage.getItem("{STORE}");
    if (lang) {{
      Object.defineProperty(window.navigator, "language", {{get: function () {{ return lang; }}}});
      Object.defineProperty(window.navigator, "languages",
                            {{get: function () {{ return [lang]; }}}});
    }}
  }} catch (e) {{}}
}})();</script>""".encode()
# On load, the page's language (the stored choice, after OVERRIDE) goes to the server.
READ_JS = "(code, state) => [window.navigator.language, state]"
SWITCH_JS = f"""(lang) => {{
  window.localStorage.setItem("{STORE}", lang);
  window.location.reload();
  return lang;
}}"""

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


class StoredLanguage:
    """ASGI middleware (launch(app_kwargs={"middleware": ...})): the page itself, GET /, gets
    OVERRIDE first in its <head>. Everything else passes untouched."""

    def __init__(self, app: Callable[[Scope, Receive, Send], Awaitable[None]]) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET" or scope["path"] != "/":
            await self.app(scope, receive, send)
            return
        start: Message = {}
        chunks: list[bytes] = []

        async def rewrite(message: Message) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
                return
            if message["type"] != "http.response.body":
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body"):
                return
            body = b"".join(chunks)
            headers = dict(start.get("headers", []))
            if b"text/html" in headers.get(b"content-type", b"") \
                    and b"content-encoding" not in headers:
                body = body.replace(b"<head>", b"<head>" + OVERRIDE, 1)
            kept = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
            await send({**start, "headers": [*kept, (b"content-length", str(len(body)).encode())]})
            await send({"type": "http.response.body", "body": body})

        await self.app(scope, receive, rewrite)


CHOICES = [("Español", "es"), ("English", "en")]  # each language named in itself


def T(key: str) -> I18nData:
    """A fixed text's key, translated in the browser."""
    return I18N(key)


def with_language(code: str | None, state: Session) -> Session:
    """The session in the language the page shows (a copy: Gradio state is not changed in place)."""
    lang = normalise(code)
    return state if state.lang == lang else replace(state, lang=lang)


def language_switch() -> gr.Radio:
    """Español | English; the demo wires it (`.input`: a person's choice, not a load's update)."""
    return gr.Radio(CHOICES, value=None, show_label=False, container=False,
                    elem_id="lang-switch", scale=0, min_width=230)


def follow_language(session: gr.State, tables: dict[gr.Dataframe, Sequence[str]]) -> None:
    """Tables whose column titles (keys) follow the reader's language.

    Gradio translates labels but not a table's headers: they are built in the course's language
    and set again when the session's language is known (page load) or changes."""
    keys = list(tables.values())

    def titles(state: Session) -> Any:
        updates = [gr.Dataframe(headers=[say(state.lang, key) for key in row]) for row in keys]
        return updates[0] if len(updates) == 1 else updates  # one output takes one value

    session.change(titles, session, list(tables), api_visibility="private",
                   show_progress="hidden")


def titled(keys: Sequence[str]) -> list[str]:
    """Column titles in the course's language, for a table being built."""
    return [say(DEFAULT, key) for key in keys]
