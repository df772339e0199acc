"""`python -m chatbot sentiment classify|batch …`: the Sentiment tab from a terminal.

    python -m chatbot sentiment classify "Odio los lunes 😡"
    python -m chatbot sentiment classify "qué bien" --method similar --pool train.csv
    python -m chatbot sentiment batch tweets.csv --output labelled.csv --method embeddings
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from chatbot.context import AppContext, Session
from chatbot.errors import InvalidInput
from chatbot.i18n import Msg, cli_lang, say
from chatbot.sentiment.classify import Verdict
from chatbot.sentiment.pool import Pool, load_pool
from chatbot.sentiment.prompt import DEFAULT_PROMPT
from chatbot.sentiment.render import verdict_markdown, write_csv
from chatbot.sentiment.service import DEFAULT_METHOD, METHODS, classify_batch, plan
from chatbot.settings import Settings


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    lang = cli_lang()
    parser = subparsers.add_parser("sentiment", help=say(lang, "sentiment.cli_help"))
    sub = parser.add_subparsers(dest="sentiment_command", required=True, metavar="ACTION")
    one = sub.add_parser("classify", help=say(lang, "sentiment.cli_classify"))
    one.add_argument("tweet")
    many = sub.add_parser("batch", help=say(lang, "sentiment.cli_batch"))
    many.add_argument("file", type=Path)
    many.add_argument("--output", type=Path, required=True, help=say(lang, "sentiment.cli_output"))
    for p in (one, many):
        p.add_argument("--method", choices=list(METHODS), default=DEFAULT_METHOD,
                       help="; ".join(f"{m}: {say(lang, f'sentiment.method_{m}')}"
                                      for m in METHODS))
        p.add_argument("--pool", type=Path, help=say(lang, "sentiment.cli_pool"))
        p.add_argument("--prompt-file", type=Path, help=say(lang, "sentiment.cli_prompt_file"))
        p.add_argument("--no-calibration", action="store_true",
                       help=say(lang, "sentiment.cli_no_calibration"))


def _plain(markdown: str) -> str:
    return markdown.replace("**", "").replace("### ", "").replace("*", "")


def _inputs(args: argparse.Namespace) -> tuple[str, Pool | None]:
    prompt = args.prompt_file.read_text(encoding="utf-8") if args.prompt_file else DEFAULT_PROMPT
    return prompt, load_pool(args.pool) if args.pool else None


def _classify(ctx: AppContext, session: Session, args: argparse.Namespace) -> int:
    prompt, pool = _inputs(args)
    setup, _ = plan(ctx, session, {}, prompt, not args.no_calibration, args.method, pool)
    verdict = setup.run(args.tweet)
    source = setup.probe.source if setup.probe else (
        setup.calibration.source if setup.calibration else None)
    print(_plain(verdict_markdown(verdict, not args.no_calibration, source, cli_lang())))
    return 0 if verdict.label else 1


def _batch(ctx: AppContext, session: Session, args: argparse.Namespace) -> int:
    if args.output.resolve() == args.file.resolve():
        raise InvalidInput.keyed("sentiment.cli_output_is_input")
    prompt, pool = _inputs(args)
    verdicts: list[Verdict] = []
    notices: list[Msg] = []
    for _, done, notes, total, _, _ in classify_batch(
            ctx, session, {}, "", str(args.file), prompt, not args.no_calibration,
            args.method, pool):
        verdicts, notices = done, notes
        print(f"\r{len(verdicts)}/{total}", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    for note in notices:
        print(_plain(note.said(cli_lang())), file=sys.stderr)
    print(say(cli_lang(), "sentiment.cli_written", path=write_csv(verdicts, args.output)))
    return 0


def run(args: argparse.Namespace) -> int:
    ctx = AppContext.create(Settings.from_env())
    try:
        command = {"classify": _classify, "batch": _batch}[args.sentiment_command]
        return command(ctx, ctx.new_session(), args)
    finally:
        for server in (ctx.embedded, ctx.embedder):
            if server is not None:
                server.stop()
