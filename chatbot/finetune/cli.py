"""`python -m chatbot finetune validate|prepare|cost|create|status|cancel|evaluate …`

Offline commands (validate, prepare, cost) never import the web stack; the others build their
client from the settings, as the app does. Project errors become a message in the CLI's language
and exit code 2 (`run`); `validate` exits 1 when the file has errors.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterable
from pathlib import Path

from chatbot.client import JobEvent, JobInfo, LLMClient
from chatbot.context import AppContext, Session
from chatbot.errors import ChatbotError, InvalidInput
from chatbot.finetune import evaluate as ev
from chatbot.finetune import jobs, prepare, stats, validate
from chatbot.finetune.on_machine import cli as local_cli
from chatbot.i18n import cli_lang, say
from chatbot.models.catalog import Catalog
from chatbot.settings import Settings

DEFAULT_MODEL = "gpt-4o-mini"


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    lang = cli_lang()

    def h(what: str, **fields: object) -> str:
        return say(lang, f"finetune.cli_{what}", **fields)

    parser = subparsers.add_parser("finetune", help=h("finetune"), description=h("description"))
    sub = parser.add_subparsers(dest="ft_command", required=True, metavar="ACTION")
    _data_parsers(sub, h)
    _job_parsers(sub, h, lang)
    _evaluate_parser(sub, h)


Help = Callable[..., str]  # an option's help in the CLI's language, by its name


def _data_parsers(sub: argparse._SubParsersAction, h: Help) -> None:
    """validate, cost and prepare: offline work on a file."""
    p = sub.add_parser("validate", help=h("validate"))
    p.add_argument("file", type=Path)
    _model_args(p, h)

    p = sub.add_parser("cost", help=h("cost"))
    p.add_argument("file", type=Path)
    _model_args(p, h)
    p.add_argument("--epochs", type=int, help=h("epochs"))

    p = sub.add_parser("prepare", help=h("prepare"))
    p.add_argument("file", type=Path)
    p.add_argument("--system", default="", help=h("system"))
    p.add_argument("--output", choices=("chat", "legacy"), default="chat", help=h("output"))
    p.add_argument("--fix", action="append", default=[], choices=sorted(prepare.FIXES),
                   help=h("fix"))
    p.add_argument("--valid", type=float, default=0.0, metavar="FRACTION", help=h("valid"))
    p.add_argument("--seed", type=int, default=42, help=h("seed"))
    p.add_argument("--question", help=h("question"))
    p.add_argument("--answer", help=h("answer"))
    p.add_argument("--analyze", action="store_true", help=h("analyze"))
    _model_args(p, h)


def _job_parsers(sub: argparse._SubParsersAction, h: Help, lang: str) -> None:
    """create, status and cancel: jobs on the backend (or this machine)."""
    p = sub.add_parser("create", help=h("create"))
    p.add_argument("file", type=Path)
    p.add_argument("--model", default=DEFAULT_MODEL)
    p.add_argument("--validation", type=Path, help=h("validation"))
    p.add_argument("--suffix", help=h("suffix"))
    p.add_argument("--seed", type=int)
    p.add_argument("--epochs", type=int)
    p.add_argument("--batch-size", type=int)
    p.add_argument("--lr-multiplier", type=float)
    p.add_argument("--no-check", action="store_true", help=h("no_check"))
    p.add_argument("--follow", action="store_true", help=h("follow"))
    p.add_argument("--interval", type=float, default=10.0, help=h("interval"))
    local_cli.add_arguments(p, lang)

    p = sub.add_parser("status", help=h("status"))
    p.add_argument("job", nargs="?", help=h("job"))
    p.add_argument("--follow", action="store_true")
    p.add_argument("--interval", type=float, default=10.0, help=h("seconds"))

    p = sub.add_parser("cancel", help=h("cancel"))
    p.add_argument("job")


def _evaluate_parser(sub: argparse._SubParsersAction, h: Help) -> None:
    p = sub.add_parser("evaluate", help=h("evaluate"))
    p.add_argument("file", type=Path, help=h("eval_file"))
    for side in ("a", "b"):
        p.add_argument(f"--model-{side}", help=h("model_side", side=side.upper()))
        p.add_argument(f"--backend-{side}", choices=("default", "local"), default="default",
                       help=h("backend_side"))
        p.add_argument(f"--prompt-{side}", help=h("prompt_side"))
    p.add_argument("--system", default="", help=h("eval_system"))
    p.add_argument("--question")
    p.add_argument("--answer")
    p.add_argument("--limit", type=int, default=50, help=h("max_examples"))
    p.add_argument("--max-tokens", type=int, default=32)


def _model_args(p: argparse.ArgumentParser, h: Help) -> None:
    p.add_argument("--model", default=DEFAULT_MODEL, help=h("model"))
    p.add_argument("--limit", type=int, help=h("limit"))


def run(args: argparse.Namespace) -> int:
    command = {"validate": _validate, "cost": _cost, "prepare": _prepare, "create": _create,
               "status": _status, "cancel": _cancel, "evaluate": _evaluate}[args.ft_command]
    try:
        return command(args)
    except ChatbotError as exc:  # as chatbot/__main__.py does, but in the CLI's language only
        print(f"error: {exc.said(cli_lang())}", file=sys.stderr)
        return 2


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


def _print_report(report: validate.Report, lang: str) -> None:
    for p in report.problems:
        where = say(lang, "finetune.cli_line", line=p.line) if p.line \
            else say(lang, "finetune.cli_whole_file")
        print(f"{where}: {say(lang, f'finetune.severity_{p.severity}')} [{p.code}] "
              f"{p.message.said(lang)}\n    → {p.fix.said(lang)}")
    print()
    print(_plain(validate.summary_markdown(report, lang)))


def _validate(args: argparse.Namespace) -> int:
    report = _validated(args, _catalog())
    _print_report(report, cli_lang())
    return 0 if report.ok else 1


def _cost(args: argparse.Namespace) -> int:
    catalog, lang = _catalog(), cli_lang()
    report = _validated(args, catalog)
    print(_plain(validate.summary_markdown(report, lang)), end="\n\n")
    cost = stats.training_cost(catalog, args.model, report.tokens, limit=report.limit,
                               n_epochs=args.epochs)
    print(_plain(stats.cost_markdown(cost, stats.Distribution.of(report.tokens), lang)))
    return 0


def _prepare(args: argparse.Namespace) -> int:
    opts = prepare.PrepareOptions(
        system_prompt=args.system, output=args.output, fixes=frozenset(args.fix),
        validation_fraction=args.valid, seed=args.seed, question_column=args.question,
        answer_column=args.answer, model=args.model, limit=args.limit, max_line=_max_line())
    catalog, lang = _catalog(), cli_lang()
    if args.analyze:
        analysis = prepare.analyze(args.file, catalog, opts)
        print(_plain(say(lang, "finetune.rows_task", rows=analysis.rows,
                         task=prepare.task_words(analysis.task).said(lang))))
        for fix, text in analysis.suggestions(opts.output):
            print(f"- {'[--fix ' + fix + '] ' if fix else ''}{text.said(lang)}")
        return 0
    result = prepare.prepare(args.file, catalog, opts)
    for path in result.outputs:
        print(_plain(say(lang, "finetune.written", name=path)))
    print(_plain(say(lang, "finetune.split", train=result.train, validation=result.validation)))
    for fix, n in result.dropped.items():
        print(say(lang, "finetune.dropped", fix=fix, count=n))
    for note in result.notes:
        print(f"- {note.said(lang)}")
    return 0


def _context() -> tuple[AppContext, Session]:
    """As the app builds it; the embedded model starts only if a command asks it something."""
    ctx = AppContext.create(Settings.from_env())
    return ctx, ctx.new_session()


def _show_job(job: JobInfo, events: Iterable[JobEvent]) -> None:
    lang = cli_lang()
    print(_plain(jobs.job_markdown(job, lang)))
    for when, level, message in reversed(jobs.events_table(events)):
        print(f"  {when} {level:5} {message}")
    metrics = jobs.metric_rows(events, lang)
    if metrics:
        last = max(r["step"] for r in metrics)
        print("  " + say(lang, "finetune.cli_step", step=last) + ": " + ", ".join(
            f"{r['metric']}={r['value']:.4f}" for r in metrics if r["step"] == last))


def _follow(client: LLMClient, job_id: str, interval: float) -> int:
    """Exit 1 when the job ends failed, so scripts can tell."""
    for job, events in jobs.follow(client, job_id, interval=interval):
        print(say(cli_lang(), "finetune.cli_progress", status=jobs.status_text(job.status, cli_lang()),
                  events=len(events)), flush=True)
    _show_job(job, events)
    return 1 if job.status == "failed" else 0


def _create(args: argparse.Namespace) -> int:
    if args.backend == "local":
        return local_cli.create(args, _show_job)
    ctx, session = _context()
    client = jobs.job_client(ctx, session)
    req = jobs.JobRequest(args.file, args.model, args.validation, args.suffix, args.seed,
                          args.epochs, args.batch_size, args.lr_multiplier)
    lang = cli_lang()
    job = jobs.launch(client, req, check=not args.no_check,
                      progress=lambda step: print(step.said(lang)))
    print(_plain(jobs.job_markdown(job, lang)))
    return _follow(client, job.id, args.interval) if args.follow else 0


def _status(args: argparse.Namespace) -> int:
    if local_cli.is_local(args.job) or (not args.job and Settings.from_env().backend == "local"):
        return local_cli.status(args.job, args.follow, _show_job)
    ctx, session = _context()
    client = jobs.job_client(ctx, session)
    if not args.job:
        rows = jobs.jobs_table(client.list_jobs(), cli_lang())
        for row in rows:
            print(" · ".join(cell for cell in row if cell))
        if not rows:
            print(say(cli_lang(), "finetune.cli_no_jobs"))
        return 0
    if args.follow:
        return _follow(client, args.job, args.interval)
    _show_job(client.get_job(args.job), client.job_events(args.job))
    return 0


def _cancel(args: argparse.Namespace) -> int:
    if local_cli.is_local(args.job):
        return local_cli.cancel(args.job, _show_job)
    ctx, session = _context()
    print(_plain(jobs.job_markdown(jobs.job_client(ctx, session).cancel_job(args.job),
                                   cli_lang())))
    return 0


def _evaluate(args: argparse.Namespace) -> int:
    if args.limit < 1 or args.max_tokens < 1:
        raise InvalidInput.keyed("finetune.cli_at_least_one")
    lang = cli_lang()
    examples, skipped = ev.load_examples(args.file, system_prompt=args.system,
                                         question_column=args.question,
                                         answer_column=args.answer, limit=args.limit,
                                         max_line=_max_line())
    for line, why in skipped:
        print(say(lang, "finetune.cli_skipped", line=line, why=why.said(lang)))
    ctx, default = _context()
    contenders = []
    for side in ("a", "b"):
        model, backend, prompt = (getattr(args, f"{k}_{side}") for k in ("model", "backend",
                                                                          "prompt"))
        if side == "b" and not (model or prompt or backend != "default"):
            continue  # B only when asked for
        contenders.append(ev.contender(ctx, default, side.upper(), backend, model, prompt))
    result = ev.evaluate(examples, contenders, lang=lang, max_tokens=args.max_tokens,
                         on_progress=lambda d, t: print(f"\r{d}/{t}", end="", flush=True))
    print("\n" + _plain(ev.summary_markdown(result, lang)))
    for s in result.scores:
        for ls in s.per_label:
            print(f"  {s.name} {ls.label}: P={ls.precision:.2f} R={ls.recall:.2f} "
                  f"F1={ls.f1:.2f} n={ls.support}")
    for i in range(len(result.scores)):
        headers, rows = ev.confusion_rows(result, i, lang)
        if rows:
            print(f"\n{result.scores[i].name}: " + " | ".join(headers))
            for row in rows:
                print("  " + " | ".join(map(str, row)))
    print("\n" + " | ".join([*(say(lang, f"finetune.{name}") for name in
                              ("line", "input", "expected")), *(s.name for s in result.scores)]))
    for row in result.side_by_side():
        print(" | ".join(str(c).replace("\n", " ")[:80] for c in row))
    return 0
