"""`python -m chatbot tokens|finetune|telegram|sentiment …`: the course's tools from the command line."""

from __future__ import annotations

import argparse
import importlib
import sys

from chatbot.errors import ChatbotError
from chatbot.i18n import cli_lang, say
from chatbot.settings import load_env_file

# Each subcommand lives with the feature it drives and exposes add_parser() and run().
COMMANDS = {
    "tokens": "chatbot.token_counter.cli",
    "finetune": "chatbot.finetune.cli",
    "telegram": "chatbot.telegram.cli",
    "sentiment": "chatbot.sentiment.cli",
}


def main(argv: list[str] | None = None) -> int:
    try:
        load_env_file()  # first, so CHATBOT_LANG from .env picks the language of the help too
    except ChatbotError as exc:
        return _failed(exc)
    parser = argparse.ArgumentParser(
        prog="python -m chatbot",
        description=say(cli_lang(), "app.cli_description"),
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    modules = {}
    for name, path in COMMANDS.items():
        module = importlib.import_module(path)
        module.add_parser(sub)
        modules[name] = module
    args = parser.parse_args(argv)
    try:
        return int(modules[args.command].run(args) or 0)
    except ChatbotError as exc:
        return _failed(exc)
    except KeyboardInterrupt:
        return 130


def _failed(exc: ChatbotError) -> int:
    """One line, exit code 2. An error written as keys, in the CLI's language (CHATBOT_LANG, else
    the system's); an older "español / English" one whole, as some say more on one side."""
    print(f"error: {exc.said(cli_lang()) if exc.keys is not None else exc}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
