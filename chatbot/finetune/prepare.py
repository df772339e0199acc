"""Turn a CSV or JSONL of examples into clean training files, changing only what the user chose.

The suggestions are those of OpenAI's legacy `openai tools fine_tunes.prepare_data` for
prompt/completion data (a common separator ending prompts, completions starting with a space, a
stop ending, duplicates, over-long examples, upper-case text, classification detection); nothing is
applied unless named in `PrepareOptions.fixes`. Two streamed passes keep memory flat.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from chatbot.errors import InvalidInput
from chatbot.finetune import files
from chatbot.finetune.formats import CHAT, LEGACY, example_key
from chatbot.finetune.records import ReadOptions, read_rows
from chatbot.finetune.stats import ExampleCounter
from chatbot.finetune.words import Refusal
from chatbot.i18n import Msg
from chatbot.models import token_count
from chatbot.models.catalog import Catalog

# The fixes a student may tick; what each does is the key finetune.fix_<name>.
FIXES = ("drop_invalid", "remove_duplicates", "remove_long", "lowercase", "add_separator",
         "completion_space", "add_stop")
LEGACY_ONLY = ("add_separator", "completion_space", "add_stop")
SEPARATORS = (" ->", "\n\n###\n\n", "\n\n===\n\n", "\n\n---\n\n", "\n\n===>\n\n", "\n\n--->\n\n")
DEFAULT_SEPARATOR = "\n\n### =>\n\n"
STOPS = ("\n", ".", " END", "***", "+++", "&&&", "$$$", "@@@", "%%%")
DEFAULT_STOP = " [END]"
CLASSIFICATION_THRESHOLD = 3  # at least this many examples per label on average
MAX_LABELS = 1000
MAX_LISTED = 20
COUNT_BATCH = 512  # examples tokenised per call

_INVALID, _DUPLICATE, _LONG = 1, 2, 4
_REASONS = ((_INVALID, "drop_invalid"), (_DUPLICATE, "remove_duplicates"), (_LONG, "remove_long"))


@dataclass(frozen=True)
class PrepareOptions:
    system_prompt: str = ""
    output: str = CHAT  # CHAT, or LEGACY to keep prompt/completion
    fixes: frozenset[str] = frozenset()
    validation_fraction: float = 0.0
    seed: int = 42
    question_column: str | None = None  # CSV only; None: recognised by name
    answer_column: str | None = None
    model: str = "gpt-4o-mini"  # whose token limit "remove_long" uses
    limit: int | None = None
    max_line: int = files.MAX_LINE_BYTES

    def problems(self) -> list[Msg]:
        found = [Msg("finetune.no_such_fix", fix=f) for f in sorted(self.fixes - set(FIXES))]
        if self.output not in (CHAT, LEGACY):
            found.append(Msg("finetune.no_such_output", output=self.output))
        if self.output == CHAT:
            found += [Msg("finetune.legacy_only_fix", fix=f)
                      for f in sorted(self.fixes & set(LEGACY_ONLY))]
        if not 0 <= self.validation_fraction < 1:
            found.append(Msg("finetune.fraction_range"))
        return found

    @property
    def read(self) -> ReadOptions:
        return ReadOptions(self.system_prompt, self.output, self.question_column,
                           self.answer_column, self.max_line)


def _pair(record: dict[str, Any]) -> tuple[str, str]:
    """The text the legacy checks look at: prompt/completion, or last user/assistant turn."""
    if "messages" not in record:
        return record["prompt"], record["completion"]
    user = assistant = ""
    for m in record["messages"]:
        if m.get("role") == "user":
            user = token_count.value_text(m.get("content"))
        elif m.get("role") == "assistant":
            assistant = token_count.value_text(m.get("content"))
    return user, assistant


def _common_suffix(acc: str | None, text: str) -> str:
    if acc is None:
        return text
    n = 0
    for a, b in zip(reversed(acc), reversed(text), strict=False):
        if a != b:
            break
        n += 1
    return acc[len(acc) - n:] if n else ""


def _cases(text: str) -> tuple[int, int]:
    return sum(map(str.isupper, text)), sum(map(str.islower, text))


@dataclass
class Analysis:
    path: Path
    source: str  # CHAT or LEGACY (a CSV is read as prompt/completion)
    rows: int = 0
    invalid: list[tuple[int, Msg]] = field(default_factory=list)  # the first MAX_LISTED
    invalid_count: int = 0
    duplicates: list[int] = field(default_factory=list)
    duplicate_count: int = 0
    long: list[int] = field(default_factory=list)
    long_count: int = 0
    limit: int | None = None
    prompt_suffix: str = ""
    completion_suffix: str = ""
    all_space_start: bool = True
    all_prompts_empty: bool = True
    separator: str = DEFAULT_SEPARATOR
    stop: str = DEFAULT_STOP
    upper: int = 0
    lower: int = 0
    labels: Counter[str] | None = field(default_factory=Counter)  # None: too many to be labels
    flags: bytearray = field(default_factory=bytearray, repr=False)

    @property
    def usable(self) -> int:
        return self.rows - self.invalid_count

    @property
    def task(self) -> str:
        """As prepare_data guessed it: open-ended generation, classification or generation."""
        if self.all_prompts_empty:
            return "open-ended"
        if self.labels is not None and len(self.labels) < self.usable / CLASSIFICATION_THRESHOLD:
            return "classification"
        return "generation"

    def suggestions(self, output: str) -> list[tuple[str | None, Msg]]:
        """(fix name or None for plain advice, what it is about), most urgent first."""
        out: list[tuple[str | None, Msg]] = []
        if self.invalid_count:
            line, why = self.invalid[0]
            out.append(("drop_invalid", Msg("finetune.suggest_invalid",
                                              count=self.invalid_count, line=line, why=why)))
        if self.duplicate_count:
            out.append(("remove_duplicates", Msg("finetune.suggest_duplicates",
                                                   count=self.duplicate_count,
                                                   lines=_lines(self.duplicates))))
        if self.long_count:
            out.append(("remove_long", Msg("finetune.suggest_long", count=self.long_count,
                                             limit=self.limit, lines=_lines(self.long))))
        if self.upper * 2 > self.lower:
            out.append(("lowercase", Msg("finetune.suggest_lowercase")))
        if self.task == "classification" and self.labels is not None:
            names = ", ".join(f"{k!r} ({v})" for k, v in self.labels.most_common(8))
            out.append((None, Msg("finetune.suggest_classification", count=len(self.labels),
                                    names=names)))
        if self.source == LEGACY and output == LEGACY:
            out += self._legacy_suggestions()
        return out

    def _legacy_suggestions(self) -> list[tuple[str | None, Msg]]:
        out: list[tuple[str | None, Msg]] = []
        if self.task != "open-ended":
            if self.prompt_suffix:
                out.append((None, Msg("finetune.suggest_prompt_suffix",
                                        suffix=_show(self.prompt_suffix))))
            else:
                out.append(("add_separator", Msg("finetune.suggest_separator",
                                                   separator=_show(self.separator))))
        if not self.all_space_start:
            out.append(("completion_space", Msg("finetune.suggest_space")))
        if self.task == "generation" and not self.completion_suffix:
            out.append(("add_stop", Msg("finetune.suggest_stop", stop=_show(self.stop))))
        return out


def task_words(task: str) -> Msg:
    """What `Analysis.task` is called ("open-ended" → finetune.task_open_ended)."""
    return Msg(f"finetune.task_{task.replace('-', '_')}")


def _lines(numbers: list[int]) -> str:
    return ", ".join(map(str, numbers[:MAX_LISTED])) + ("…" if len(numbers) > MAX_LISTED else "")


def _show(text: str) -> str:
    return text.replace("\n", "\\n")


def _mark_long(result: Analysis, counter: ExampleCounter,
               pending: list[tuple[int, int, dict[str, Any]]]) -> None:
    """Count a batch of examples in one call and flag those over the limit."""
    counts = counter.count_many([record for _, _, record in pending]) if pending else []
    for (index, line, _), n in zip(pending, counts, strict=True):
        if result.limit and n > result.limit:
            result.flags[index] |= _LONG
            result.long_count += 1
            if len(result.long) < MAX_LISTED:
                result.long.append(line)
    pending.clear()


@dataclass
class _Shape:
    """What every example has in common so far: the suffixes, separators and stops still possible."""

    prompt_suffix: str | None = None
    completion_suffix: str | None = None
    seps: set[str] = field(default_factory=lambda: set(SEPARATORS))
    stops: set[str] = field(default_factory=lambda: set(STOPS))

    def observe(self, result: Analysis, prompt: str, completion: str) -> None:
        self.prompt_suffix = _common_suffix(self.prompt_suffix, prompt)
        self.completion_suffix = _common_suffix(self.completion_suffix, completion)
        self.seps = {s for s in self.seps if s not in prompt and not (s == " ->" and "\n" in prompt)}
        self.stops = {s for s in self.stops if s not in completion}
        result.all_space_start &= completion.startswith(" ")
        result.all_prompts_empty &= not prompt
        up, low = _cases(prompt + completion)
        result.upper += up
        result.lower += low
        if result.labels is not None:
            result.labels[completion.strip()] += 1
            if len(result.labels) > MAX_LABELS:
                result.labels = None

    def finish(self, result: Analysis) -> None:
        result.prompt_suffix = self.prompt_suffix or ""
        result.completion_suffix = self.completion_suffix or ""
        result.separator = next((s for s in SEPARATORS if s in self.seps), DEFAULT_SEPARATOR)
        result.stop = next((s for s in STOPS if s in self.stops), DEFAULT_STOP)


def _flag_row(result: Analysis, line: int, record: dict[str, Any] | None, error: Msg | None,
              seen: set[int]) -> int:
    """The row's problems a fix could remove (invalid, duplicate); long ones are marked later."""
    if record is None:
        result.invalid_count += 1
        if len(result.invalid) < MAX_LISTED:
            result.invalid.append((line, error or Msg("finetune.unusable_row")))
        return _INVALID
    key = example_key(CHAT if "messages" in record else LEGACY, record)
    duplicate = key in seen
    seen.add(key)
    if not duplicate:
        return 0
    result.duplicate_count += 1
    if len(result.duplicates) < MAX_LISTED:
        result.duplicates.append(line)
    return _DUPLICATE


def analyze(path: Path | str, catalog: Catalog, opts: PrepareOptions | None = None) -> Analysis:
    """First pass: what is in the file and which fixes would change something."""
    opts = opts or PrepareOptions()
    path = Path(path)
    problems = opts.problems()
    if problems:
        raise Refusal(Msg("finetune.invalid_options", problems=problems))
    source, rows = read_rows(path, opts.read)
    counter = ExampleCounter(catalog, opts.model)
    result = Analysis(path, source, limit=opts.limit or counter.limit)
    seen: set[int] = set()
    pending: list[tuple[int, int, dict[str, Any]]] = []  # (row, line, record) awaiting a count
    shape = _Shape()
    for row in rows:
        result.rows += 1
        flag = _flag_row(result, row.line, row.record, row.error, seen)
        if row.record is not None:
            if result.limit:
                pending.append((len(result.flags), row.line, row.record))
            shape.observe(result, *_pair(row.record))
        result.flags.append(flag)
        if len(pending) >= COUNT_BATCH:
            _mark_long(result, counter, pending)
    _mark_long(result, counter, pending)
    shape.finish(result)
    return result


@dataclass(frozen=True)
class PrepareResult:
    analysis: Analysis
    outputs: list[Path]
    train: int
    validation: int
    dropped: dict[str, int]
    applied: list[str]
    notes: list[Msg]


def _fix_text(record: dict[str, Any], fixes: frozenset[str], analysis: Analysis
              ) -> dict[str, Any]:
    if "messages" in record:
        if "lowercase" in fixes:
            record = {**record, "messages": [
                {**m, "content": m["content"].lower()}
                if m.get("role") in ("user", "assistant") and isinstance(m.get("content"), str)
                else m for m in record["messages"]]}
        return record
    prompt, completion = record["prompt"], record["completion"]
    if "lowercase" in fixes:
        prompt, completion = prompt.lower(), completion.lower()
    if "add_separator" in fixes:
        prompt += analysis.separator
    if "completion_space" in fixes and not completion.startswith(" "):
        completion = " " + completion
    if "add_stop" in fixes:
        completion += analysis.stop
    return {"prompt": prompt, "completion": completion}


def _drop_mask(fixes: frozenset[str]) -> int:
    return ((_INVALID if "drop_invalid" in fixes else 0)
            | (_DUPLICATE if "remove_duplicates" in fixes else 0)
            | (_LONG if "remove_long" in fixes else 0))


def prepare(path: Path | str, catalog: Catalog, opts: PrepareOptions) -> PrepareResult:
    """Analyse, then write `<name>_prepared.jsonl` (or a train/valid pair) beside the input."""
    analysis = analyze(path, catalog, opts)
    mask = _drop_mask(opts.fixes)
    if analysis.invalid_count and not mask & _INVALID:
        line, why = analysis.invalid[0]
        raise Refusal(Msg("finetune.rows_unusable", count=analysis.invalid_count, line=line,
                            why=why), Msg("finetune.rows_unusable_hint"))
    keep = [i for i, flag in enumerate(analysis.flags) if not flag & mask]
    if not keep:
        raise InvalidInput.keyed("finetune.nothing_left")
    n_valid = round(len(keep) * opts.validation_fraction)
    if opts.validation_fraction > 0:
        n_valid = min(max(n_valid, 1), len(keep) - 1)
    valid_rows = set(random.Random(opts.seed).sample(keep, n_valid)) if n_valid > 0 else set()
    tags = ["prepared_train", "prepared_valid"] if valid_rows else ["prepared"]
    outputs = files.output_paths(analysis.path, tags)
    dropped: Counter[str] = Counter()
    for flag in analysis.flags:  # each dropped row counted once, under its first reason
        hit = flag & mask
        reason = next((name for bit, name in _REASONS if hit & bit), None)
        if reason:
            dropped[reason] += 1
    _write(analysis, opts, mask, valid_rows, outputs)
    notes = [text for fix, text in analysis.suggestions(opts.output)
             if fix is None or fix not in opts.fixes]
    if "add_stop" in opts.fixes:
        notes.append(Msg("finetune.note_stop", stop=_show(analysis.stop)))
    if "add_separator" in opts.fixes:
        notes.append(Msg("finetune.note_separator", separator=_show(analysis.separator)))
    return PrepareResult(analysis, outputs, len(keep) - len(valid_rows), len(valid_rows),
                         dict(dropped),
                         sorted(opts.fixes), notes)


def _write(analysis: Analysis, opts: PrepareOptions, mask: int, valid_rows: set[int],
           outputs: list[Path]) -> None:
    _, rows = read_rows(analysis.path, opts.read)
    handles = []
    try:
        for out in outputs:
            handles.append(files.open_new(out))
        for index, (row, flag) in enumerate(zip(rows, analysis.flags, strict=True)):
            if flag & mask or row.record is None:
                continue
            record = _fix_text(row.record, opts.fixes, analysis)
            target = handles[1] if index in valid_rows else handles[0]
            target.write(json.dumps(record, ensure_ascii=False) + "\n")
    except BaseException:
        for fh, out in zip(handles, outputs, strict=False):
            fh.close()
            out.unlink(missing_ok=True)  # only files this call created
        raise
    for fh in handles:
        fh.close()
