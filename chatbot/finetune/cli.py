"""`python -m chatbot finetune validate|prepare|cost|create|status|cancel|evaluate …`

Offline commands (validate, prepare, cost) never import the web stack; the others build their
client from the settings, as the app does. Project errors become a message and exit code 2
(in `chatbot/__main__.py`); `validate` exits 1 when the file has errors.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable
from pathlib import Path

from chatbot.client import JobEvent, JobInfo, LLMClient
from chatbot.context import AppContext, Session
from chatbot.errors import InvalidInput
from chatbot.finetune import evaluate as ev
from chatbot.finetune import jobs, prepare, stats, validate
from chatbot.finetune.on_machine import cli as local_cli
from chatbot.models.catalog import Catalog
from chatbot.settings import Settings

DEFAULT_MODEL = "gpt-4o-mini"


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "finetune", help="Datos y trabajos de fine-tuning / fine-tuning data and jobs",
        description="Valida, prepara, estima, lanza, sigue y evalúa fine-tuning. / Validate, "
                    "prepare, cost, launch, follow and evaluate fine-tuning.")
    sub = parser.add_subparsers(dest="ft_command", required=True, metavar="ACTION")
    _data_parsers(sub)
    _job_parsers(sub)
    _evaluate_parser(sub)


def _data_parsers(sub: argparse._SubParsersAction) -> None:
    """validate, cost and prepare: offline work on a file."""
    p = sub.add_parser("validate", help="Valida un JSONL / validate a JSONL (exit 1 on errors)")
    p.add_argument("file", type=Path)
    _model_args(p)

    p = sub.add_parser("cost", help="Tokens, épocas y coste / tokens, epochs and cost")
    p.add_argument("file", type=Path)
    _model_args(p)
    p.add_argument("--epochs", type=int, help="épocas (por defecto, las de OpenAI) / epochs "
                                              "(default: OpenAI's)")

    p = sub.add_parser("prepare", help="Convierte y limpia / convert and clean (CSV, JSONL)")
    p.add_argument("file", type=Path)
    p.add_argument("--system", default="", help="prompt de sistema para cada ejemplo / system "
                                                "prompt for every example")
    p.add_argument("--output", choices=("chat", "legacy"), default="chat",
                   help="formato de salida / output format")
    p.add_argument("--fix", action="append", default=[], choices=sorted(prepare.FIXES),
                   help="arreglo a aplicar (repetible) / fix to apply (repeatable)")
    p.add_argument("--valid", type=float, default=0.0, metavar="FRACTION",
                   help="fracción para validación, p. ej. 0.2 / validation fraction, e.g. 0.2")
    p.add_argument("--seed", type=int, default=42, help="semilla del reparto / split seed")
    p.add_argument("--question", help="columna de preguntas del CSV / CSV question column")
    p.add_argument("--answer", help="columna de respuestas del CSV / CSV answer column")
    p.add_argument("--analyze", action="store_true",
                   help="solo analizar, sin escribir / analyse only, write nothing")
    _model_args(p)


def _job_parsers(sub: argparse._SubParsersAction) -> None:
    """create, status and cancel: jobs on the backend (or this machine)."""
    p = sub.add_parser("create", help="Sube el fichero y lanza el trabajo / upload and launch")
    p.add_argument("file", type=Path)
    p.add_argument("--model", default=DEFAULT_MODEL)
    p.add_argument("--validation", type=Path, help="fichero de validación / validation file")
    p.add_argument("--suffix", help="sufijo del nombre del modelo / model name suffix")
    p.add_argument("--seed", type=int)
    p.add_argument("--epochs", type=int)
    p.add_argument("--batch-size", type=int)
    p.add_argument("--lr-multiplier", type=float)
    p.add_argument("--no-check", action="store_true",
                   help="no validar antes de subir / skip the local check before uploading")
    p.add_argument("--follow", action="store_true", help="seguir hasta el final / follow to "
                                                         "the end")
    p.add_argument("--interval", type=float, default=10.0, help="segundos entre consultas / "
                                                                "seconds between polls")
    local_cli.add_arguments(p)

    p = sub.add_parser("status", help="Lista trabajos o muestra uno / list jobs or show one")
    p.add_argument("job", nargs="?", help="id del trabajo / job id (ftjob-…)")
    p.add_argument("--follow", action="store_true")
    p.add_argument("--interval", type=float, default=10.0, help="segundos / seconds")

    p = sub.add_parser("cancel", help="Cancela un trabajo / cancel a job")
    p.add_argument("job")


def _evaluate_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("evaluate", help="Compara dos modelos / compare two models")
    p.add_argument("file", type=Path, help="JSONL de validación o CSV etiquetado / validation "
                                           "JSONL or labelled CSV")
    for side in ("a", "b"):
        p.add_argument(f"--model-{side}", help=f"modelo {side.upper()} / model {side.upper()}")
        p.add_argument(f"--backend-{side}", choices=("default", "local"), default="default",
                       help="backend configurado o el embebido / configured or embedded backend")
        p.add_argument(f"--prompt-{side}", help="prompt de sistema propio / own system prompt")
    p.add_argument("--system", default="", help="prompt de sistema si el fichero no trae / "
                                                "system prompt when the file has none")
    p.add_argument("--question")
    p.add_argument("--answer")
    p.add_argument("--limit", type=int, default=50, help="máximo de ejemplos / max examples")
    p.add_argument("--max-tokens", type=int, default=32)


def _model_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--model", default=DEFAULT_MODEL,
                   help="modelo cuyo tokenizador, límite y precio se usan / model whose "
                        "tokenizer, limit and price apply")
    p.add_argument("--limit", type=int, help="tokens por ejemplo (por defecto, el del modelo) / "
                                             "tokens per example (default: the model's)")


def run(args: argparse.Namespace) -> int:
    command = {"validate": _validate, "cost": _cost, "prepare": _prepare, "create": _create,
               "status": _status, "cancel": _cancel, "evaluate": _evaluate}[args.ft_command]
    return command(args)


def _catalog() -> Catalog:
    return Catalog.load(Settings.from_env().prices)


def _max_line() -> int:
    return Settings.from_env().max_line_kb * 1024


def _validated(args: argparse.Namespace, catalog: Catalog) -> validate.Report:
    """Validation with the megabytes read shown on a terminal (100 MB take a while)."""
    tty = sys.stderr.isatty()

    def progress(done: int) -> None:
        print(f"\r… {done / 2**20:.0f} MB", end="", file=sys.stderr, flush=True)

    report = validate.validate_file(args.file, catalog, args.model, limit=args.limit,
                                    max_line=_max_line(), progress=progress if tty else None)
    if tty:
        print("\r" + " " * 16 + "\r", end="", file=sys.stderr)  # clear the progress line
    return report


def _plain(markdown: str) -> str:
    """The tab's Markdown, readable in a terminal."""
    return markdown.replace("**", "").replace("`", "")


def _print_report(report: validate.Report) -> None:
    for p in report.problems:
        where = f"línea / line {p.line}" if p.line else "fichero / file"
        print(f"{where}: {p.severity} [{p.code}] {p.message}\n    → {p.fix}")
    print()
    print(_plain(validate.summary_markdown(report)))


def _validate(args: argparse.Namespace) -> int:
    report = _validated(args, _catalog())
    _print_report(report)
    return 0 if report.ok else 1


def _cost(args: argparse.Namespace) -> int:
    catalog = _catalog()
    report = _validated(args, catalog)
    print(_plain(validate.summary_markdown(report)), end="\n\n")
    cost = stats.training_cost(catalog, args.model, report.tokens, limit=report.limit,
                               n_epochs=args.epochs)
    print(_plain(stats.cost_markdown(cost, stats.Distribution.of(report.tokens))))
    return 0


def _prepare(args: argparse.Namespace) -> int:
    opts = prepare.PrepareOptions(
        system_prompt=args.system, output=args.output, fixes=frozenset(args.fix),
        validation_fraction=args.valid, seed=args.seed, question_column=args.question,
        answer_column=args.answer, model=args.model, limit=args.limit, max_line=_max_line())
    catalog = _catalog()
    if args.analyze:
        analysis = prepare.analyze(args.file, catalog, opts)
        print(f"{analysis.rows} filas / rows · tarea / task: {analysis.task}")
        for fix, text in analysis.suggestions(opts.output):
            print(f"- {'[--fix ' + fix + '] ' if fix else ''}{text}")
        return 0
    result = prepare.prepare(args.file, catalog, opts)
    for path in result.outputs:
        print(f"Escrito / written: {path}")
    print(f"Entrenamiento / training: {result.train} · validación / validation: "
          f"{result.validation}")
    for fix, n in result.dropped.items():
        print(f"Quitados / dropped ({fix}): {n}")
    for note in result.notes:
        print(f"- {note}")
    return 0


def _context() -> tuple[AppContext, Session]:
    """As the app builds it; the embedded model starts only if a command asks it something."""
    ctx = AppContext.create(Settings.from_env())
    return ctx, ctx.new_session()


def _show_job(job: JobInfo, events: Iterable[JobEvent]) -> None:
    print(_plain(jobs.job_markdown(job)))
    for when, level, message in reversed(jobs.events_table(events)):
        print(f"  {when} {level:5} {message}")
    metrics = jobs.metric_rows(events)
    if metrics:
        last = max(r["step"] for r in metrics)
        print(f"  paso / step {last}: " + ", ".join(
            f"{r['metric']}={r['value']:.4f}" for r in metrics if r["step"] == last))


def _follow(client: LLMClient, job_id: str, interval: float) -> int:
    """Exit 1 when the job ends failed, so scripts can tell."""
    for job, events in jobs.follow(client, job_id, interval=interval):
        print(f"{jobs.STATUS.get(job.status, job.status)} · {len(events)} eventos / events",
              flush=True)
    _show_job(job, events)
    return 1 if job.status == "failed" else 0


def _create(args: argparse.Namespace) -> int:
    if args.backend == "local":
        return local_cli.create(args, _show_job)
    ctx, session = _context()
    client = jobs.job_client(ctx, session)
    req = jobs.JobRequest(args.file, args.model, args.validation, args.suffix, args.seed,
                          args.epochs, args.batch_size, args.lr_multiplier)
    job = jobs.launch(client, req, check=not args.no_check, progress=print)
    print(_plain(jobs.job_markdown(job)))
    return _follow(client, job.id, args.interval) if args.follow else 0


def _status(args: argparse.Namespace) -> int:
    if local_cli.is_local(args.job) or (not args.job and Settings.from_env().backend == "local"):
        return local_cli.status(args.job, args.follow, _show_job)
    ctx, session = _context()
    client = jobs.job_client(ctx, session)
    if not args.job:
        rows = jobs.jobs_table(client.list_jobs())
        for row in rows:
            print(" · ".join(cell for cell in row if cell))
        if not rows:
            print("No hay trabajos. / No jobs.")
        return 0
    if args.follow:
        return _follow(client, args.job, args.interval)
    _show_job(client.get_job(args.job), client.job_events(args.job))
    return 0


def _cancel(args: argparse.Namespace) -> int:
    if local_cli.is_local(args.job):
        return local_cli.cancel(args.job, _show_job)
    ctx, session = _context()
    print(_plain(jobs.job_markdown(jobs.job_client(ctx, session).cancel_job(args.job))))
    return 0


def _evaluate(args: argparse.Namespace) -> int:
    if args.limit < 1 or args.max_tokens < 1:
        raise InvalidInput("--limit y --max-tokens deben ser ≥ 1. / --limit and --max-tokens "
                           "must be ≥ 1.")
    examples, skipped = ev.load_examples(args.file, system_prompt=args.system,
                                         question_column=args.question,
                                         answer_column=args.answer, limit=args.limit,
                                         max_line=_max_line())
    for line, why in skipped:
        print(f"línea / line {line} omitida / skipped: {why}")
    ctx, default = _context()
    contenders = []
    for side in ("a", "b"):
        model, backend, prompt = (getattr(args, f"{k}_{side}") for k in ("model", "backend",
                                                                          "prompt"))
        if side == "b" and not (model or prompt or backend != "default"):
            continue  # B only when asked for
        contenders.append(ev.contender(ctx, default, side.upper(), backend, model, prompt))
    result = ev.evaluate(examples, contenders, max_tokens=args.max_tokens,
                         on_progress=lambda d, t: print(f"\r{d}/{t}", end="", flush=True))
    print("\n" + _plain(ev.summary_markdown(result)))
    for s in result.scores:
        for ls in s.per_label:
            print(f"  {s.name} {ls.label}: P={ls.precision:.2f} R={ls.recall:.2f} "
                  f"F1={ls.f1:.2f} n={ls.support}")
    for i in range(len(result.scores)):
        headers, rows = ev.confusion_rows(result, i)
        if rows:
            print(f"\n{result.scores[i].name}: " + " | ".join(headers))
            for row in rows:
                print("  " + " | ".join(map(str, row)))
    print("\nlínea / line | pregunta / question | esperado / expected | "
          + " | ".join(s.name for s in result.scores))
    for row in result.side_by_side():
        print(" | ".join(str(c).replace("\n", " ")[:80] for c in row))
    return 0
