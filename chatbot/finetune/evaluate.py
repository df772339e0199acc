"""Compare two models (base vs tuned, embedded vs OpenAI, or one model under two prompts) on held-out
examples: exact match, and for labelled data accuracy, per-label scores and a confusion matrix.

Every answer comes from the client module, so it is billed and its errors are the project's.
Answers are scored after a light normalisation (case, spacing, surrounding punctuation), and for
labels a wordy answer that names exactly one label counts as that label.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from chatbot.client import ChatParams, LLMClient
from chatbot.errors import ContextTooLong, InvalidInput
from chatbot.finetune.files import MAX_LINE_BYTES
from chatbot.finetune.formats import CHAT
from chatbot.finetune.records import ReadOptions, read_rows
from chatbot.i18n import Msg, say
from chatbot.models import token_count

if TYPE_CHECKING:
    from chatbot.context import AppContext, Session

MAX_LABELS = 20  # more distinct answers than this: free text, scored by exact match only
OTHER = "(other)"  # no label can be it (normalize strips brackets); shown in words
_STRIP = " \t\n\"'`.,;:!?¡¿()[]{}*"


@dataclass(frozen=True)
class EvalExample:
    line: int
    messages: list[dict[str, Any]]  # what is sent: everything before the last assistant turn
    expected: str

    @property
    def question(self) -> str:
        users = [m for m in self.messages if m.get("role") == "user"]
        return token_count.value_text(users[-1].get("content")) if users else ""


def load_examples(path: Path | str, *, system_prompt: str = "", question_column: str | None = None,
                  answer_column: str | None = None, limit: int | None = None,
                  max_line: int = MAX_LINE_BYTES
                  ) -> tuple[list[EvalExample], list[tuple[int, Msg]]]:
    """(examples, skipped rows with the reason): a chat/legacy JSONL or a labelled CSV."""
    _, rows = read_rows(path, ReadOptions(system_prompt, CHAT, question_column, answer_column,
                                          max_line))
    examples: list[EvalExample] = []
    skipped: list[tuple[int, Msg]] = []
    for row in rows:
        if row.record is None:
            skipped.append((row.line, row.error or Msg("finetune.unusable_row")))
            continue
        messages = row.record["messages"]
        last = max(i for i, m in enumerate(messages) if m.get("role") == "assistant")
        examples.append(EvalExample(row.line, messages[:last],
                                    token_count.value_text(messages[last].get("content"))))
        if limit and len(examples) >= limit:
            break
    if not examples:
        raise InvalidInput.keyed("finetune.nothing_to_evaluate", "finetune.nothing_to_evaluate_hint")
    return examples, skipped


@dataclass(frozen=True)
class Contender:
    """One side of the comparison: a model on a backend, optionally under its own system prompt."""

    name: str
    client: LLMClient
    model: str
    system_prompt: str | None = None

    def messages_for(self, example: EvalExample) -> list[dict[str, Any]]:
        if not self.system_prompt:
            return example.messages
        rest = [m for m in example.messages if m.get("role") != "system"]
        return [{"role": "system", "content": self.system_prompt}, *rest]


def contender(ctx: AppContext, session: Session, name: str, backend: str, model: str | None,
              prompt: str | None) -> Contender:
    """`backend` "local": the embedded model (keyless), else the session's own backend; a blank
    model means that backend's model for the session."""
    model = (model or "").strip() or None
    side = replace(session, backend="local", model=model) if backend == "local" else session
    return Contender(name, ctx.client_for(side, model), model or ctx.model_for(side),
                     (prompt or "").strip() or None)


def normalize(text: str) -> str:
    text = " ".join(unicodedata.normalize("NFKC", text).casefold().split())
    return text.strip(_STRIP)


def _label_of(answer: str, labels: list[str]) -> str:
    norm = normalize(answer)
    if norm in labels:
        return norm
    named = [lab for lab in labels if re.search(rf"(?<!\w){re.escape(lab)}(?!\w)", norm)]
    return named[0] if len(named) == 1 else OTHER


@dataclass(frozen=True)
class LabelScore:
    label: str
    precision: float
    recall: float
    f1: float
    support: int


@dataclass
class ModelScore:
    name: str
    model: str
    answers: list[str]
    predicted: list[str] = field(default_factory=list)  # the label read from each answer
    correct: list[bool] = field(default_factory=list)  # per example, exact or label match
    exact: int = 0
    per_label: list[LabelScore] = field(default_factory=list)
    confusion: list[list[int]] = field(default_factory=list)  # rows: expected; cols: predicted

    @property
    def accuracy(self) -> float:
        return sum(self.correct) / len(self.correct) if self.correct else 0.0


@dataclass
class Evaluation:
    examples: list[EvalExample]
    labels: list[str] | None  # None: free-text answers (exact match only)
    scores: list[ModelScore]

    def differs(self, i: int) -> bool:
        """With labels, a different label; otherwise a different (normalised) text."""
        if self.labels:
            return len({s.predicted[i] for s in self.scores}) > 1
        return len({normalize(s.answers[i]) for s in self.scores}) > 1

    def side_by_side(self) -> list[list[Any]]:
        """One row per example, those where the models disagree first."""
        order = sorted(range(len(self.examples)),
                       key=lambda i: (not self.differs(i), self.examples[i].line))
        return [[self.examples[i].line, self.examples[i].question[:300],
                 self.examples[i].expected,
                 *[("✅ " if s.correct[i] else "❌ ") + s.answers[i] for s in self.scores]]
                for i in order]


def _score(score: ModelScore, examples: list[EvalExample], labels: list[str] | None) -> None:
    expected = [normalize(ex.expected) for ex in examples]
    score.exact = sum(normalize(a) == e for a, e in zip(score.answers, expected, strict=True))
    if labels is None:
        score.correct = [normalize(a) == e for a, e in zip(score.answers, expected, strict=True)]
        return
    predicted = score.predicted = [_label_of(a, labels) for a in score.answers]
    score.correct = [p == e for p, e in zip(predicted, expected, strict=True)]
    columns = [*labels, OTHER]
    score.confusion = [[sum(1 for p, e in zip(predicted, expected, strict=True)
                            if e == row and p == col) for col in columns] for row in labels]
    for lab in labels:
        tp = sum(1 for p, e in zip(predicted, expected, strict=True) if p == e == lab)
        said = sum(1 for p in predicted if p == lab)
        truth = sum(1 for e in expected if e == lab)
        precision = tp / said if said else 0.0
        recall = tp / truth if truth else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        score.per_label.append(LabelScore(lab, precision, recall, f1, truth))


def label_set(examples: list[EvalExample]) -> list[str] | None:
    distinct = sorted({normalize(ex.expected) for ex in examples})
    return distinct if len(distinct) <= MAX_LABELS and len(distinct) < len(examples) else None


def evaluate(examples: list[EvalExample], contenders: list[Contender], *, lang: str,
             max_tokens: int = 32, seed: int = 0,
             on_progress: Callable[[int, int], None] | None = None) -> Evaluation:
    """Ask every contender every example at temperature 0, then score them the same way (an
    example too long for a model gets, as its answer, why, in `lang`).

    A reasoning model is asked at its lowest reasoning effort ("none" takes temperature 0 back),
    so its hidden thinking neither eats the short answer budget nor changes the comparison."""
    if not 1 <= len(contenders) <= 2:
        raise InvalidInput.keyed("finetune.one_or_two_models")
    labels = label_set(examples)
    total = len(examples) * len(contenders)
    scores: list[ModelScore] = []
    for c in contenders:
        caps = c.client.capabilities_for(c.model)
        params = ChatParams(model=c.model, temperature=0.0, max_tokens=max_tokens, seed=seed,
                            reasoning_effort=caps.efforts[0] if caps.efforts else None)
        answers = []
        for ex in examples:
            try:
                answers.append(c.client.chat(c.messages_for(ex), params).text)
            except ContextTooLong as exc:  # one over-long example must not stop the run
                answers.append(f"⚠️ {exc.said(lang)}")
            if on_progress:
                on_progress(len(scores) * len(examples) + len(answers), total)
        scores.append(ModelScore(c.name, c.model, answers))
    for s in scores:
        _score(s, examples, labels)
    return Evaluation(examples, labels, scores)


def summary_markdown(ev: Evaluation, lang: str) -> str:
    n = len(ev.examples)
    lines = [say(lang, "finetune.eval_labels", n=n, labels=", ".join(ev.labels)) if ev.labels
             else say(lang, "finetune.eval_free_text", n=n)]
    for s in ev.scores:
        line = say(lang, "finetune.eval_exact", name=s.name, model=s.model, exact=s.exact, n=n,
                   share=f"{s.exact / n:.0%}")
        if ev.labels:
            line += say(lang, "finetune.eval_accuracy", share=f"{s.accuracy:.0%}")
        lines.append(line)
    if len(ev.scores) == 2:
        lines.append(say(lang, "finetune.eval_differ", differ=sum(map(ev.differs, range(n))),
                         n=n))
    return "\n".join(lines)


def per_label_rows(ev: Evaluation) -> list[list[Any]]:
    return [[s.name, ls.label, round(ls.precision, 3), round(ls.recall, 3), round(ls.f1, 3),
             ls.support] for s in ev.scores for ls in s.per_label]


def confusion_rows(ev: Evaluation, index: int, lang: str) -> tuple[list[str], list[list[Any]]]:
    """(headers, rows) of one model's confusion matrix: expected down, predicted across."""
    if not ev.labels or index >= len(ev.scores):
        return [], []
    headers = [say(lang, "finetune.expected_predicted"), *ev.labels,
               say(lang, "finetune.other_label")]
    return headers, [[lab, *row] for lab, row in zip(ev.labels, ev.scores[index].confusion,
                                                    strict=True)]
