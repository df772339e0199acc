"""`python -m chatbot telegram`: the course's chatbot on Telegram, by long polling.

Same personas, client, backends and billing as the web app (through `AppContext`); the
embedded model answers when no OpenAI key is set. The pieces live in `chatbot/telegram/`.
"""

from __future__ import annotations

import argparse
import logging
import sys
from typing import Any

from telegram import Update
from telegram.error import InvalidToken, NetworkError

from chatbot.chat import PRESETS
from chatbot.context import AppContext
from chatbot.errors import BackendUnreachable, ConfigError
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
    parser = subparsers.add_parser(
        "telegram", help="el chatbot en Telegram / the chatbot on Telegram",
        description="Sirve el chatbot en Telegram (long polling). Token en TELEGRAM_BOT_TOKEN; "
                    "TELEGRAM_API_BASE_URL para un servidor Bot API local. / Serves the chatbot "
                    "on Telegram (long polling). Token in TELEGRAM_BOT_TOKEN; "
                    "TELEGRAM_API_BASE_URL for a local Bot API server.")
    parser.add_argument("--persona", choices=[p.key for p in PRESETS], default=DEFAULTS.persona,
                        help="personalidad inicial de cada chat (/persona la cambia) / each "
                             "chat's starting persona (/persona switches it)")
    parser.add_argument("--max-tokens", type=int, default=DEFAULTS.max_tokens,
                        help="longitud máxima de cada respuesta / longest answer, in tokens")
    parser.add_argument("--edit-interval", type=float, default=DEFAULTS.edit_interval,
                        help="segundos entre ediciones de una respuesta en curso / seconds "
                             "between edits of an answer being written")
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="registro detallado / debug logging")


def run(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    if args.max_tokens < 1 or args.edit_interval < 0:
        raise ConfigError("--max-tokens ≥ 1 y / and --edit-interval ≥ 0.")
    config = BotConfig(persona=args.persona, max_tokens=args.max_tokens,
                       edit_interval=args.edit_interval)
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
        raise ConfigError(
            f"{where} rechazó el token. / {where} rejected the token.",
            hint="Copia de nuevo el token de @BotFather en TELEGRAM_BOT_TOKEN. / Copy the token "
                 "from @BotFather into TELEGRAM_BOT_TOKEN again.",
        ) from None
    except NetworkError as exc:
        raise BackendUnreachable(
            f"No puedo conectar con la API de Telegram ({where}): {redact(str(exc), token, TOKEN_SHOWN_AS)}."
            f" / Cannot reach the Telegram API ({where}).",
            hint="Revisa la conexión o TELEGRAM_API_BASE_URL. / Check the connection or "
                 "TELEGRAM_API_BASE_URL.",
        ) from None
    finally:
        if ctx.embedded is not None:
            ctx.embedded.stop()
    return 0
