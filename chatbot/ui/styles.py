"""The app's CSS, gathered in one place (Gradio 6 takes it in launch(); app.py passes it), and
the phone layout's one step that CSS cannot take (folding an accordion)."""

from __future__ import annotations

import gradio as gr

PHONE = "(max-width: 640px)"  # the width below which the page is laid out for a phone

PLAYGROUND = """
.pg-grid {display:grid; grid-template-columns:repeat(auto-fit, minmax(min(260px, 100%), 1fr));
         gap:12px}
.pg-card {border:1px solid var(--border-color-primary); border-radius:8px; padding:10px;
         min-width:0}
.pg-head {font-size:0.85em; opacity:0.8; margin-bottom:6px}
.pg-body {white-space:normal; line-height:1.9; overflow-wrap:anywhere}
.tok {border-radius:3px; padding:1px 0; color:#111}
"""

LAB = """
.lab-compare {display:grid; grid-template-columns:repeat(auto-fit, minmax(min(240px, 100%), 1fr));
              gap:12px}
.lab-col {border:1px solid var(--border-color-primary); border-radius:8px; padding:10px;
          min-width:0; overflow-wrap:anywhere}
.lab-col h4 {margin:0 0 6px 0; font-size:0.9em}
.lab-answer {white-space:pre-wrap; line-height:1.6; margin-bottom:6px}
.lab-answer mark {background:#fde68a; color:#111; border-radius:3px}
.lab-error {color:#b91c1c}
"""

PAGE = """
#app-title h1 {margin:0; font-size:1.5em}
#lang-switch {flex-grow:0}
#backend-status {font-size:0.9em}
.scroll-table {overflow-x:auto}
/* Markdown tables: words whole ("servidor", not "servid/or"), the table scrolls sideways when
   it is wider than the screen. Gradio's prose breaks anywhere, so a column shrank to a few
   letters even with room to spare. */
.prose table {display:block; overflow-x:auto; border:none !important; padding:0 !important}
.prose th, .prose td {overflow-wrap:normal; word-break:normal}
""" + f"@media {PHONE} {{" + """
  #app-head {flex-wrap:nowrap; gap:4px}
  #app-title {min-width:0 !important}
  #app-title h1 {font-size:1em}
  #lang-switch {flex:none !important; width:auto !important; min-width:0 !important;
                font-size:0.8em}
  #lang-switch .wrap {flex-direction:column; gap:2px}
  #lang-switch label {padding:2px 6px !important; margin:0 !important}
  #backend-status {font-size:0.72em; line-height:1.3}
  #chat-row {flex-direction:column-reverse}
  #chat-box {height:300px !important}  /* the message box on the first screen */
}
"""

CSS = PAGE + PLAYGROUND + LAB


def fold_on_phones(accordion: gr.Accordion) -> None:
    """Close `accordion` when the page loads on a phone, so what it holds does not push the
    result below the first screen; it stays open on wider screens. Gradio renders a tab's
    content when it is first opened, from the state this sets."""
    narrow = gr.Checkbox(visible=False)
    gr.on(None, lambda phone: gr.Accordion(open=not phone), narrow, accordion,
          js=f"() => window.matchMedia('{PHONE}').matches", api_visibility="private",
          show_progress="hidden")
