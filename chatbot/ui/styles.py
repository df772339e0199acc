"""The app's CSS, gathered in one place; Gradio 6 takes it in launch() (app.py passes it)."""

from __future__ import annotations

PLAYGROUND = """
.pg-grid {display:grid; grid-template-columns:repeat(auto-fit, minmax(260px, 1fr)); gap:12px}
.pg-card {border:1px solid var(--border-color-primary); border-radius:8px; padding:10px}
.pg-head {font-size:0.85em; opacity:0.8; margin-bottom:6px}
.pg-body {white-space:normal; line-height:1.9}
.tok {border-radius:3px; padding:1px 0; color:#111}
"""

CSS = PLAYGROUND
