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
from chatbot.i18n import cli_lang
from chatbot.models.catalog import Catalog, ModelInfo
from chatbot.models.token_count import count_chat, parse_chat
from chatbot.money import billing
from chatbot.settings import Settings

MAX_FILE_BYTES = 16 * 1024 * 1024  # whole-file reads; datasets (.jsonl) are streamed instead
_FILE_SUFFIXES = (".txt", ".md", ".json", ".jsonl")


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "tokens", help="cuenta tokens y coste / count tokens and cost",
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="gpt-4o-mini",
                        help="modelo del catálogo o cualquier nombre / catalog model or any name "
                             "(default: %(default)s)")
    parser.add_argument("--max-tokens", type=int, default=None,
                        help="longitud máxima de la respuesta, para el peor caso / longest answer, "
                             "for the worst case")
    parser.add_argument("input", metavar="TEXT|FILE",
                        help="texto, o ruta de un fichero (.txt, .json, .jsonl); - lee stdin / "
                             "text, or a file path; - reads stdin")
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
            raise InvalidInput(f"No encuentro el fichero / File not found: {source}")
        return source
    if path.suffix.lower() == ".jsonl":
        return path
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise InvalidInput(
            f"{path.name} ocupa {size / 2**20:.1f} MB; el máximo es {MAX_FILE_BYTES // 2**20} MB. "
            f"/ {path.name} is {size / 2**20:.1f} MB; the limit is {MAX_FILE_BYTES // 2**20} MB.",
            hint="Los datasets .jsonl no tienen límite (se leen por líneas). / .jsonl datasets "
                 "have no limit (read line by line).")
    data = path.read_bytes()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidInput(
            f"{path.name} no es UTF-8 (byte {exc.start}). / {path.name} is not UTF-8 "
            f"(byte {exc.start}).",
            hint="Guárdalo como UTF-8 en tu editor. / Save it as UTF-8 in your editor.") from None


def _header(info: ModelInfo, out: TextIO, retired: str | None) -> None:
    encoding = info.encoding if info.encoding != "local" else "tokenizador propio / own tokenizer"
    print(f"Modelo / Model: {info.name} ({encoding}, {info.status})", file=out)
    if retired:
        print(f"⚠️  {retired}", file=out)
    if info.provider == "local":
        print(info.note, file=out)


def _report_text(catalog: Catalog, info: ModelInfo, text: str, max_tokens: int | None,
                 out: TextIO) -> None:
    chat = parse_chat(text)
    prompt: Any = chat if chat is not None else text
    est = billing.estimate(catalog, info.name, prompt, max_tokens)
    if chat is None:
        print(f"Tokens: {est.input_tokens} · caracteres / characters: {len(text)}", file=out)
    elif info.encoding == "local":
        print(f"Chat: {len(chat)} mensajes / messages · {est.input_tokens} tokens "
              "(plantilla del modelo incluida / model's template included)", file=out)
    else:
        c = count_chat(chat, info.encoding)
        print(f"Chat: {c.messages} mensajes / messages · texto / text {c.text_tokens} + "
              f"formato / format {c.overhead_tokens} = {c.total} tokens", file=out)
    print(f"Coste como entrada / Cost as input: {billing.format_usd(est.low_usd)}", file=out)
    if chat is None:
        as_output = billing.cost(catalog, info.name, 0, est.input_tokens)
        print(f"Coste como salida / Cost as output: {billing.format_usd(as_output)}", file=out)
    if est.max_output_tokens:
        print(f"Peor caso con / Worst case with max_tokens={est.max_output_tokens}: "
              f"{billing.format_usd(est.high_usd)}", file=out)
    if est.note:
        print(est.note, file=out)


def _report_dataset(catalog: Catalog, info: ModelInfo, path: Path, out: TextIO) -> DatasetCount:
    result = count_dataset(path, catalog, info.name)
    print(f"{path.name}: {result.examples} ejemplos / examples · {result.messages} mensajes / "
          f"messages · texto / text {result.text_tokens} + formato / format "
          f"{result.format_tokens} = {result.total} tokens", file=out)
    as_input = billing.cost(catalog, info.name, result.total, 0)
    print(f"Coste como entrada / Cost as input: {billing.format_usd(as_input)}", file=out)
    if info.training_per_1m is not None:
        training = result.total * info.training_per_1m / 1e6
        print(f"Entrenamiento por época / Training per epoch: {billing.format_usd(training)}"
              + ("" if info.fine_tunable else " (ya no admite fine-tuning nuevo / no longer "
                 "accepts new fine-tuning)"), file=out)
    if result.bad_lines:
        print(f"{result.bad_lines} líneas no válidas / invalid lines:", file=out)
        for problem in result.problems:
            print(f"  {problem.said(cli_lang())}", file=out)
    return result


def run(args: argparse.Namespace, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    catalog = _catalog(Settings.from_env())
    info = catalog.get(args.model)
    try:
        if args.max_tokens is not None and args.max_tokens < 1:
            raise InvalidInput("--max-tokens debe ser al menos 1 / must be at least 1.")
        source = _read_input(args.input)
        _header(info, out, catalog.retired_message(info.name))
        if isinstance(source, Path):
            return 1 if _report_dataset(catalog, info, source, out).bad_lines else 0
        if not source.strip():
            raise InvalidInput("No hay texto que contar. / There is no text to count.")
        _report_text(catalog, info, source, args.max_tokens, out)
        return 0
    except InvalidInput as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"error: {args.input}: {exc.strerror}", file=sys.stderr)
        return 1
