"""`python -m chatbot telegram`: the course's chatbot on Telegram, by long polling.

Same personas, client, backends and billing as the web app (through `AppContext`); the
embedded model answers when no OpenAI key is set. The pieces live in `chatbot/telegram/`.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import Any

from telegram import Update
from telegram.error import InvalidToken, NetworkError

from chatbot.chat import PRESETS
from chatbot.context import AppContext
from chatbot.errors import BackendUnreachable, ConfigError
from chatbot.i18n import cli_lang, say
from chatbot.policy.redaction import redact
from chatbot.settings import Settings
from chatbot.telegram.handlers import BotConfig, build_application

DEFAULTS = BotConfig()


TOKEN_SHOWN_AS = "<TELEGRAM_BOT_TOKEN>"


class BotLogFormatter(logging.Formatter):
    """The bot token is in every request URL (httpx logs them) and in some of PTB's messages: it
    never reaches a log line. Tracebacks only with --verbose; otherwise their last line."""

    def __init__(self, token: str, *, verbose: bool) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")
        self.token = token
        self.verbose = verbose

    def formatException(self, ei: Any) -> str:
        if self.verbose:
            return super().formatException(ei)
        return f"  ({type(ei[1]).__name__}: {ei[1]})"

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record), self.token, TOKEN_SHOWN_AS)


def setup_logging(token: str, *, verbose: bool) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(BotLogFormatter(token, verbose=verbose))
    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO, handlers=[handler],
                        force=True)
    for noisy in ("httpx", "httpcore", "openai"):  # one line per request, URL and token included
        logging.getLogger(noisy).setLevel(logging.WARNING)


def add_parser(subparsers: Any) -> None:
    lang = cli_lang()
    parser = subparsers.add_parser("telegram", help=say(lang, "telegram.cli_help"),
                                   description=say(lang, "telegram.cli_description"))
    parser.add_argument("--persona", choices=[p.key for p in PRESETS], default=DEFAULTS.persona,
                        help=say(lang, "telegram.cli_persona"))
    parser.add_argument("--max-tokens", type=int, default=DEFAULTS.max_tokens,
                        help=say(lang, "telegram.cli_max_tokens"))
    parser.add_argument("--edit-interval", type=float, default=DEFAULTS.edit_interval,
                        help=say(lang, "telegram.cli_edit_interval"))
    parser.add_argument("--knowledge", nargs="+", type=Path, metavar="FILE",
                        help=say(lang, "telegram.cli_knowledge"))
    parser.add_argument("-v", "--verbose", action="store_true",
                        help=say(lang, "telegram.cli_verbose"))


def run(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    if args.max_tokens < 1 or args.edit_interval < 0:
        raise ConfigError.keyed("telegram.bad_numbers")
    config = BotConfig(persona=args.persona, max_tokens=args.max_tokens,
                       edit_interval=args.edit_interval,
                       knowledge=tuple(args.knowledge) if args.knowledge else None)
    ctx = AppContext.create(settings)
    application = build_application(ctx, config)  # names a missing token before anything starts
    token = settings.telegram_token or ""
    setup_logging(token, verbose=args.verbose)
    if ctx.embedded is not None and ctx.backend_kind(ctx.new_session()) == "local":
        ctx.embedded.start()  # loads while the bot connects; first answers wait for it
    where = settings.telegram_base_url or "https://api.telegram.org/bot"
    try:
        application.run_polling(allowed_updates=[Update.MESSAGE, Update.EDITED_MESSAGE],
                                bootstrap_retries=3)
    except InvalidToken:
        raise ConfigError.keyed("telegram.token_rejected", "telegram.token_rejected_hint",
                                where=where) from None
    except NetworkError as exc:
        raise BackendUnreachable.keyed(
            "telegram.unreachable", "telegram.unreachable_hint", where=where,
            detail=redact(str(exc), token, TOKEN_SHOWN_AS)) from None
    finally:
        for server in (ctx.embedded, ctx.embedder):  # the chat model and the documents' embedder
            if server is not None:
                server.stop()
    return 0
