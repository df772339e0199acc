"""Entry point: `python app.py` (and Hugging Face Spaces, which finds `demo` here).

Importing this module builds the UI but starts nothing; the embedded model starts on launch.
"""

from __future__ import annotations

import os
import signal
import sys
import threading

from starlette.middleware import Middleware

from chatbot.context import AppContext
from chatbot.errors import ChatbotError
from chatbot.i18n import cli_lang
from chatbot.models import token_count
from chatbot.settings import Settings, load_env_file
from chatbot.ui import gradio_fixes
from chatbot.ui.demo import build_demo
from chatbot.ui.i18n import I18N, StoredLanguage
from chatbot.ui.styles import CSS

try:
    load_env_file()
    ctx = AppContext.create(Settings.from_env())
except ChatbotError as exc:
    sys.exit(exc.said(cli_lang()))

demo = build_demo(ctx)


def main() -> None:
    gradio_fixes.apply()
    # SIGTERM (Spaces, systemd, a test) exits like Ctrl+C, so atexit stops the embedded server.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    if ctx.embedded is not None and ctx.backend_kind(ctx.new_session()) == "local":
        ctx.embedded.start()
        if ctx.embedder is not None:  # the Sentiment tab's default embeds: no slow first click
            ctx.embedder.start()
    threading.Thread(target=token_count.preload, name="preload-encodings", daemon=True).start()
    limits = ctx.settings
    for warning in limits.start_warnings(cli_lang()):
        print(warning, file=sys.stderr, flush=True)
    # One slot per event would serialise every student behind the slowest answer; too many
    # would let one class exhaust a 2-core Space. Past queue_size, visitors are told to retry.
    demo.queue(default_concurrency_limit=limits.concurrency, max_size=limits.queue_size).launch(
        server_name=limits.server_name,
        server_port=int(os.environ.get("GRADIO_SERVER_PORT", "7860")),
        max_file_size=f"{limits.max_upload_mb}mb",
        css=CSS,
        i18n=I18N,
        app_kwargs={"middleware": [Middleware(StoredLanguage)]},  # the switch's choice, early
    )


if __name__ == "__main__":
    main()
