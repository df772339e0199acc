"""The process-wide context and the per-user session, shared by the web app, the CLI and the bot.

`app` is the composition root (what the process builds once); `session` holds one user's choices
and the policy that turns them into a backend, a model, caps and a client; `status` writes the
always-visible status line. Nothing here imports Gradio: the bot and the CLI start fast.
"""

from chatbot.context.app import AppContext
from chatbot.context.session import Session, SessionPolicy

__all__ = ["AppContext", "Session", "SessionPolicy"]
