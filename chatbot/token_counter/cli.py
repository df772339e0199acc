"""`python -m chatbot tokens --model MODEL TEXT|FILE`: tokens and cost, offline.

TEXT is counted as typed; a FILE can be plain text, a chat (.json, a list of messages) or a
fine-tuning dataset (.jsonl), which is streamed so its size does not matter.
Exit codes: 0 counted, 1 bad input (or bad lines in a dataset), 2 configuration.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, TextIO

from chatbot.context import AppContext
from chatbot.errors import InvalidInput
from chatbot.finetune import DatasetCount, count_dataset
from chatbot.i18n import Msg, cli_lang, say
from chatbot.models.catalog import Catalog, ModelInfo
from chatbot.models.token_count import count_chat, parse_chat
from chatbot.money import billing
from chatbot.settings import Settings

MAX_FILE_BYTES = 16 * 1024 * 1024  # whole-file reads; datasets (.jsonl) are streamed instead
_FILE_SUFFIXES = (".txt", ".md", ".json", ".jsonl")


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    lang = cli_lang()
    parser = subparsers.add_parser(
        "tokens", help=say(lang, "tokens.cli_help"),
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="gpt-4o-mini",
                        help=say(lang, "tokens.cli_model", default="%(default)s"))
    parser.add_argument("--max-tokens", type=int, default=None,
                        help=say(lang, "tokens.cli_max_tokens"))
    parser.add_argument("input", metavar="TEXT|FILE", help=say(lang, "tokens.cli_input"))
    return parser


def _catalog(settings: Settings) -> Catalog:
    """As the app builds it: the embedded server starts only if the embedded model is counted."""
    return AppContext.create(settings).catalog


def _read_input(source: str) -> str | Path:
    """The text to count, or the path of a dataset (.jsonl) to stream."""
    if source == "-":
        return sys.stdin.read()
    path = Path(source).expanduser()
    if not path.is_file():
        if path.suffix.lower() in _FILE_SUFFIXES and " " not in source:
            raise InvalidInput.keyed("tokens.no_file", source=source)
        return source
    if path.suffix.lower() == ".jsonl":
        return path
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise InvalidInput.keyed("tokens.file_too_big", "tokens.jsonl_no_limit", name=path.name,
                                 mb=f"{size / 2**20:.1f}", most=MAX_FILE_BYTES // 2**20)
    data = path.read_bytes()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidInput.keyed("tokens.file_not_utf8", "tokens.save_as_utf8", name=path.name,
                                 byte=exc.start) from None


def _notes(notes: tuple[Msg, ...], lang: str, out: TextIO) -> None:
    for note in notes:
        print(note.said(lang), file=out)


def _header(info: ModelInfo, out: TextIO, retired: Msg | None, lang: str) -> None:
    encoding = info.encoding if info.encoding != "local" else say(lang, "tokens.own_tokenizer")
    print(say(lang, "tokens.cli_header", model=info.name, encoding=encoding, status=info.status),
          file=out)
    if retired:
        print(f"⚠️  {retired.said(lang)}", file=out)
    if info.provider == "local":
        _notes(info.note, lang, out)


def _report_text(catalog: Catalog, info: ModelInfo, text: str, max_tokens: int | None,
                 out: TextIO, lang: str) -> None:
    chat = parse_chat(text)
    prompt: Any = chat if chat is not None else text
    est = billing.estimate(catalog, info.name, prompt, max_tokens)
    if chat is None:
        print(say(lang, "tokens.cli_text", tokens=est.input_tokens, chars=len(text)), file=out)
    elif info.encoding == "local":
        print(say(lang, "tokens.cli_chat_local", messages=len(chat), tokens=est.input_tokens),
              file=out)
    else:
        c = count_chat(chat, info.encoding)
        print(say(lang, "tokens.cli_chat", messages=c.messages, text=c.text_tokens,
                  format=c.overhead_tokens, total=c.total), file=out)
    print(say(lang, "tokens.cli_cost_in", usd=billing.format_usd(est.low_usd, lang)), file=out)
    if chat is None:
        as_output = billing.cost(catalog, info.name, 0, est.input_tokens)
        print(say(lang, "tokens.cli_cost_out", usd=billing.format_usd(as_output, lang)), file=out)
    if est.max_output_tokens:
        print(say(lang, "tokens.cli_worst", max_tokens=est.max_output_tokens,
                  usd=billing.format_usd(est.high_usd, lang)), file=out)
    _notes(est.notes, lang, out)


def _report_dataset(catalog: Catalog, info: ModelInfo, path: Path, out: TextIO, lang: str
                    ) -> DatasetCount:
    result = count_dataset(path, catalog, info.name)
    print(say(lang, "tokens.cli_dataset", name=path.name, examples=result.examples,
              messages=result.messages, text=result.text_tokens, format=result.format_tokens,
              total=result.total), file=out)
    as_input = billing.cost(catalog, info.name, result.total, 0)
    print(say(lang, "tokens.cli_cost_in", usd=billing.format_usd(as_input, lang)), file=out)
    if info.training_per_1m is not None:
        training = result.total * info.training_per_1m / 1e6
        print(say(lang, "tokens.cli_training", usd=billing.format_usd(training, lang))
              + ("" if info.fine_tunable else say(lang, "tokens.cli_no_new_tuning")), file=out)
    if result.bad_lines:
        print(say(lang, "tokens.cli_bad_lines", n=result.bad_lines), file=out)
        for problem in result.problems:
            print(f"  {problem.said(lang)}", file=out)
    return result


def run(args: argparse.Namespace, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    lang = cli_lang()
    catalog = _catalog(Settings.from_env())
    info = catalog.get(args.model)
    try:
        if args.max_tokens is not None and args.max_tokens < 1:
            raise InvalidInput.keyed("tokens.cli_max_tokens_min")
        source = _read_input(args.input)
        _header(info, out, catalog.retired_message(info.name), lang)
        if isinstance(source, Path):
            return 1 if _report_dataset(catalog, info, source, out, lang).bad_lines else 0
        if not source.strip():
            raise InvalidInput.keyed("tokens.cli_no_text")
        _report_text(catalog, info, source, args.max_tokens, out, lang)
        return 0
    except InvalidInput as exc:
        print(f"error: {exc.said(lang)}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"error: {args.input}: {exc.strerror}", file=sys.stderr)
        return 1
