"""The page in one language: `T(key)` for fixed text, `Session.lang` for text built on the server.

Gradio translates `T(key)` in the browser from the tables in chatbot/i18n/ (`gr.I18n`, passed to
launch() by app.py), in the browser's language. The switch on top stores the other language in the
browser (localStorage) and reloads: a script in the page's head makes that the browser's language
before Gradio starts, so labels, hints, tabs and the server's text all change together and stay
changed on the next visit. How to add a string: chatbot/i18n/__init__.py.
"""

from __future__ import annotations

from dataclasses import replace

import gradio as gr
from gradio.i18n import I18nData

from chatbot.context import Session
from chatbot.i18n import TABLES, normalise

I18N = gr.I18n(**TABLES)
STORE = "chatbot-lang"  # the localStorage key the switch writes

# Runs before Gradio's own scripts (launch(head=...)): the stored choice becomes the browser's
# language, which is what Gradio's i18n reads.
HEAD = f"""<script>
(function () {{
  try {{
    var lang = window.localStorage.getItem("{STORE}");
    if (lang) {{
      Object.defineProperty(window.navigator, "language", {{get: function () {{ return lang; }}}});
      Object.defineProperty(window.navigator, "languages", {{get: function () {{ return [lang]; }}}});
    }}
  }} catch (e) {{}}
}})();
</script>"""

# The page's language as the browser shows it, sent to the server on load.
READ_JS = "(code, state) => [window.navigator.language, state]"
SWITCH_JS = f"""(lang) => {{
  window.localStorage.setItem("{STORE}", lang);
  window.location.reload();
  return lang;
}}"""
CHOICES = [("Español", "es"), ("English", "en")]  # each language named in itself


def T(key: str) -> I18nData:  # noqa: N802 (reads like the gettext `_`)
    """A fixed text's key, translated in the browser."""
    return I18N(key)


def with_language(code: str | None, state: Session) -> Session:
    """The session in the language the page shows (a copy: Gradio state is not changed in place)."""
    lang = normalise(code)
    return state if state.lang == lang else replace(state, lang=lang)


def language_switch() -> gr.Radio:
    """Español | English. Only a person's choice reloads (.input, not .change, which a load's
    update would also fire)."""
    switch = gr.Radio(CHOICES, value=None, show_label=False, container=False,
                      elem_id="lang-switch", scale=0, min_width=180)
    switch.input(None, switch, None, js=SWITCH_JS)
    return switch
