"""What the Tokens tab shows, as plain functions: coloured tokens, counts side by side, the chat
format overhead and what that text would cost on every model of the catalog."""

from __future__ import annotations

import html
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from chatbot.errors import ChatbotError, InvalidInput
from chatbot.i18n import DEFAULT, say
from chatbot.models.catalog import OFFLINE_ENCODINGS, Catalog, ModelInfo
from chatbot.models.token_count import (
    REPLY_PRIMING,
    TOKENS_PER_MESSAGE,
    TOKENS_PER_NAME,
    chat_overhead,
    count_chat,
    count_text,
    get_encoding,
    local_tokenizer,
    parse_chat,
    value_text,
)
from chatbot.money.billing import format_usd

MAX_TAB_CHARS = 2_000_000  # a long book; bigger files go through the CLI, which streams
MAX_SHOWN_TOKENS = 2_000  # coloured spans beyond this slow the browser down, not the count
_PREFIX_CHARS = MAX_SHOWN_TOKENS * 16
PALETTE = ("#fde68a", "#bfdbfe", "#bbf7d0", "#fecaca", "#ddd6fe", "#fbcfe8", "#a5f3fc")
# inline styles: the tab needs no CSS wired into the app
_TOKEN_STYLE = "color:#111;border-radius:3px;padding:1px 1px;margin:0 1px"
_VIEW_STYLE = "font-family:ui-monospace,monospace;line-height:2;word-break:break-all"
VIEWS = (*OFFLINE_ENCODINGS, "local")
COST_HEADERS = ("model", "status", "encoding", "tokens", "input", "output")  # keys: tokens.col_*
COUNT_HEADERS = ("tokenizer", "text", "format", "total", "chars_per_token", "note")


def headers(names: tuple[str, ...], lang: str) -> list[str]:
    """A table's column titles in `lang`."""
    return [say(lang, f"tokens.col_{name}") for name in names]


def check_text(text: str | None) -> str:
    if text is None or not text.strip():
        raise InvalidInput.keyed("tokens.type_a_text")
    if len(text) > MAX_TAB_CHARS:
        raise InvalidInput.keyed("tokens.text_too_long", "tokens.use_the_cli",
                                 chars=f"{len(text):,}", most=f"{MAX_TAB_CHARS:,}")
    return text


def visible(piece: bytes) -> str:
    """A token's text, HTML-escaped, with its whitespace drawn; partial UTF-8 bytes as hex."""
    try:
        text = piece.decode("utf-8")
    except UnicodeDecodeError:
        return ('<span class="tok-bytes" style="font-size:0.8em;opacity:0.75">‹'
                + " ".join(f"{b:02x}" for b in piece) + "›</span>")
    text = (html.escape(text).replace(" ", "·").replace("\t", "→").replace("\r", "␍")
            .replace("\n", "↵<br>"))
    return text or "∅"


def render_tokens_html(pieces: list[tuple[int, bytes]], total: int | None = None,
                       lang: str = DEFAULT) -> str:
    """One coloured span per token, its id on hover; `total` says when only a prefix is shown."""
    spans = [
        f'<span class="tok" style="background:{PALETTE[i % len(PALETTE)]};{_TOKEN_STYLE}" '
        f'title="id {tid}">{visible(piece)}</span>'
        for i, (tid, piece) in enumerate(pieces[:MAX_SHOWN_TOKENS])
    ]
    more = ""
    if total is not None and total > len(spans):
        more = ('<p class="tok-more">'
                + say(lang, "tokens.showing_first", shown=f"{len(spans):,}", total=f"{total:,}")
                + "</p>")
    return f'<div class="tok-view" style="{_VIEW_STYLE}">{"".join(spans)}</div>{more}'


def token_pieces(catalog: Catalog, text: str, view: str) -> list[tuple[int, bytes]]:
    """(id, bytes) of each token of `text` in `view` (an encoding, or "local")."""
    if view == "local":
        return local_tokenizer(catalog).pieces(text)
    enc = get_encoding(view)
    return [(t, enc.decode_single_token_bytes(t)) for t in enc.encode_ordinary(text)]


@dataclass(frozen=True)
class Counts:
    label: str
    text_tokens: int | None  # None: this tokenizer is not available here
    format_tokens: int
    note: str = ""

    @property
    def total(self) -> int | None:
        return None if self.text_tokens is None else self.text_tokens + self.format_tokens


def _local_counts(catalog: Catalog, text: str, chat: list[dict[str, Any]] | None,
                  lang: str) -> Counts:
    label = say(lang, "tokens.embedded_model")
    try:
        tok = local_tokenizer(catalog)
        if chat is None:
            return Counts(label, len(tok.encode(text)), 0)
        plain = sum(len(tok.encode(value_text(v))) for m in chat for v in m.values())
        return Counts(label, plain, tok.count_chat(chat) - plain,
                      say(lang, "tokens.own_template"))
    except ChatbotError as exc:
        return Counts(label, None, 0, say(lang, "tokens.unavailable", why=exc))


def count_all(catalog: Catalog, text: str, chat: list[dict[str, Any]] | None,
              lang: str = DEFAULT) -> list[Counts]:
    rows = []
    for name in OFFLINE_ENCODINGS:
        if chat is None:
            rows.append(Counts(name, count_text(text, name), 0))
        else:
            c = count_chat(chat, name)
            rows.append(Counts(name, c.text_tokens, c.overhead_tokens))
    rows.append(_local_counts(catalog, text, chat, lang))
    return rows


def counts_table(rows: list[Counts], chars: int) -> list[list[Any]]:
    return [[r.label, "—" if r.text_tokens is None else r.text_tokens, r.format_tokens,
             "—" if r.total is None else r.total,
             f"{chars / r.total:.2f}" if r.total else "—", r.note] for r in rows]


def overhead_markdown(chat: list[dict[str, Any]] | None, local: Counts, lang: str) -> str:
    if chat is None:
        return say(lang, "tokens.plain_text")
    names = sum(1 for m in chat if "name" in m)
    lines = [say(lang, "tokens.chat_format", messages=len(chat), per=TOKENS_PER_MESSAGE,
                 names=names, per_name=TOKENS_PER_NAME, priming=REPLY_PRIMING,
                 total=chat_overhead(chat))]
    if local.text_tokens is not None:
        lines.append(say(lang, "tokens.template_adds", n=local.format_tokens))
    return "\n\n".join(lines)


def status_label(info: ModelInfo, lang: str) -> str:
    if info.status == "retired":
        to = f" → {info.replacement}" if info.replacement else ""
        return say(lang, "tokens.retired", date=info.shutdown_date or "") + to
    if info.status == "deprecated":
        return say(lang, "tokens.shuts_down", date=info.shutdown_date)
    return say(lang, "tokens.active")


def cost_table(catalog: Catalog, counts: Mapping[str, Counts], lang: str = DEFAULT
               ) -> list[list[Any]]:
    """Input cost of the text (chat format included) and its cost if a model wrote it."""
    rows: list[list[Any]] = []
    for name in catalog.names():
        info = catalog.get(name)
        row = counts[info.encoding]
        if row.total is None or row.text_tokens is None:
            rows.append([name, status_label(info, lang), info.encoding, "—", "—", "—"])
            continue
        cost_in = None if info.input_per_1m is None else row.total * info.input_per_1m / 1e6
        cost_out = (None if info.output_per_1m is None
                    else row.text_tokens * info.output_per_1m / 1e6)
        rows.append([name, status_label(info, lang), info.encoding, row.total, format_usd(cost_in),
                     format_usd(cost_out)])
    return rows


@dataclass(frozen=True)
class TokenReport:
    html: str
    counts: list[list[Any]]
    overhead: str
    costs: list[list[Any]]


def analyse(catalog: Catalog, text: str | None, view: str = "o200k_base",
            lang: str = DEFAULT) -> TokenReport:
    """Everything the Tokens tab shows for a text or a chat pasted as JSON."""
    text = check_text(text)
    if view not in VIEWS:
        raise InvalidInput.keyed("tokens.unknown_view", view=repr(view))
    chat = parse_chat(text)
    rows = count_all(catalog, text, chat, lang)
    by_encoding = {name: row for name, row in zip(VIEWS, rows, strict=True)}
    if chat is None:
        html_view = render_tokens_html(token_pieces(catalog, text[:_PREFIX_CHARS], view),
                                       by_encoding[view].total, lang)
    elif view == "local":  # the whole prompt as llama.cpp builds it, special tokens and all
        prompt = local_tokenizer(catalog).render_chat(chat)
        html_view = render_tokens_html(token_pieces(catalog, prompt[:_PREFIX_CHARS], view))
    else:
        html_view = "".join(
            f'<div class="tok-msg"><b class="tok-role">{html.escape(m["role"])}</b>'
            + render_tokens_html(token_pieces(
                catalog, value_text(m.get("content"))[:_PREFIX_CHARS], view)) + "</div>"
            for m in chat)
    return TokenReport(html_view, counts_table(rows, len(text)),
                       overhead_markdown(chat, by_encoding["local"], lang),
                       cost_table(catalog, by_encoding, lang))
