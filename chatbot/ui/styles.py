"""The app's CSS, gathered in one place; Gradio 6 takes it in launch() (app.py passes it)."""

from __future__ import annotations

PLAYGROUND = """
.pg-grid {display:grid; grid-template-columns:repeat(auto-fit, minmax(260px, 1fr)); gap:12px}
.pg-card {border:1px solid var(--border-color-primary); border-radius:8px; padding:10px}
.pg-head {font-size:0.85em; opacity:0.8; margin-bottom:6px}
.pg-body {white-space:normal; line-height:1.9}
.tok {border-radius:3px; padding:1px 0; color:#111}
"""

LAB = """
.lab-compare {display:grid; grid-template-columns:repeat(auto-fit, minmax(240px, 1fr)); gap:12px}
.lab-col {border:1px solid var(--border-color-primary); border-radius:8px; padding:10px}
.lab-col h4 {margin:0 0 6px 0; font-size:0.9em}
.lab-answer {white-space:pre-wrap; line-height:1.6; margin-bottom:6px}
.lab-answer mark {background:#fde68a; color:#111; border-radius:3px}
.lab-error {color:#b91c1c}
"""

CSS = PLAYGROUND + LAB
