"""The page in one language: `T(key)` for fixed text, `Session.lang` for text built on the server.

Gradio translates `T(key)` in the browser from the tables in chatbot/i18n/ (`gr.I18n`, passed to
launch() by app.py), in the browser's language. The switch on top stores the reader's choice in
the browser (localStorage) and hands it to Gradio's own locale (the `changeLocale` its settings
panel uses), on the spot and on every later visit; the server's text follows `Session.lang`,
set from the same choice when the page loads or the switch moves. How to add a string:
chatbot/i18n/__init__.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import gradio as gr
from gradio.i18n import I18nData

from chatbot.context import Session
from chatbot.i18n import DEFAULT, TABLES, normalise, say

I18N = gr.I18n(**TABLES)
STORE = "chatbot-lang"  # the localStorage key the switch writes

# Gradio's locale lives in its core module, which does not put it on `window`: the module is found
# among the page's loaded scripts and imported again (same URL, same instance).
_SET_LOCALE = """async function setLocale(lang) {
  const url = performance.getEntriesByType("resource").map(e => e.name)
    .find(name => /\\/assets\\/core-[^/]*\\.js$/.test(name));
  if (!url) return;
  const core = await import(url);
  if (core.changeLocale) core.changeLocale(lang);
}"""
# On load: the stored choice, else the browser's language (what Gradio picked), to the server.
READ_JS = f"""async (code, state) => {{
  {_SET_LOCALE}
  const lang = window.localStorage.getItem("{STORE}");
  if (lang && !document.documentElement.lang.startsWith(lang)) await setLocale(lang);
  return [lang || window.navigator.language, state];
}}"""
SWITCH_JS = f"""async (lang, state) => {{
  {_SET_LOCALE}
  window.localStorage.setItem("{STORE}", lang);
  await setLocale(lang);
  return [lang, state];
}}"""
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
