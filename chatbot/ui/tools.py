"""Chat tab, tools panel: which functions the model may call, the student's own tool and its
table of answers. Wiring only; the logic is `chatbot.tools`, in the session's language.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import gradio as gr

from chatbot.chat.turn import History, error_notice, prepare_turn
from chatbot.client import ChatParams
from chatbot.context import AppContext, Session
from chatbot.errors import ChatbotError
from chatbot.knowledge import library as lib
from chatbot.money.billing import format_usd
from chatbot.tools import BUILTIN_NAMES, Toolbox, answer_with_tools, builtins, custom_tool
from chatbot.tools.views import turn_line, turn_messages
from chatbot.ui.common import error_for, warn
from chatbot.ui.i18n import T, follow_language, titled

EXAMPLE_TOOL = """{
  "name": "weather",
  "description": "El tiempo que hace en una ciudad",
  "parameters": {"type": "object",
                 "properties": {"city": {"type": "string"}},
                 "required": ["city"]}
}"""
EXAMPLE_TABLE = [["Lugo", "Lluvia, 12 °C"], ["*", "Soleado, 20 °C"]]
TABLE_HEADERS = ("tools.argument", "tools.answer")


@dataclass
class ToolsPanel:
    inputs: list[Any]  # builtins, custom JSON, table, constrained: appended to the chat's inputs


def build_panel(session: gr.State, *, constrained_first: bool) -> ToolsPanel:
    """`constrained_first`: the call is forced into JSON from the start (the app's default
    backend is the embedded model, which almost never calls a tool otherwise)."""
    with gr.Accordion(T("tools.panel"), open=False):
        gr.Markdown(T("tools.intro"))
        offered = gr.CheckboxGroup(list(BUILTIN_NAMES), value=[], label=T("tools.builtins"))
        custom = gr.Code("", language="json", label=T("tools.custom"), lines=6)
        gr.Markdown(f"```json\n{EXAMPLE_TOOL}\n```")
        table = gr.Dataframe(EXAMPLE_TABLE, headers=titled(TABLE_HEADERS),
                             column_count=2, interactive=True, type="array",
                             label=T("tools.table"))
        constrained = gr.Checkbox(constrained_first, label=T("tools.constrained"),
                                  info=T("tools.constrained_info"))
    follow_language(session, {table: TABLE_HEADERS})
    return ToolsPanel([offered, custom, table, constrained])


def _rows(table: list[list[Any]] | None) -> tuple[tuple[str, str], ...]:
    return tuple((str(r[0]), str(r[1])) for r in table or () if len(r) >= 2)


def toolbox(ctx: AppContext, session: Session, library: lib.Library, names: list[str] | None,
            custom: str, table: list[list[Any]] | None) -> Toolbox:
    """The session's choice of tools, in its language; searching uses its own knowledge."""
    lang = session.lang
    chosen = tuple(tool for tool in builtins(lang) if tool.name in (names or []))
    mine = custom_tool(custom) if (custom or "").strip() else None
    return Toolbox(chosen, mine, _rows(table),
                   lambda q: lib.search_text(ctx, session, library, q), lang=lang)


def respond(ctx: AppContext, session: Session, message: str, history: History,
            system_prompt: str, temperature: float, max_tokens: int, tools: Toolbox,
            constrained: bool) -> Iterator[tuple[History, str, str]]:
    """The answer after the model's tool calls, each shown first; not streamed."""
    history = list(history or [])
    try:
        messages, notice = prepare_turn(ctx, session, message, history, system_prompt,
                                        int(max_tokens))
    except ChatbotError as exc:
        raise error_for(exc, session.lang) from None
    mine = [*history, {"role": "user", "content": message}]
    yield [*mine, {"role": "assistant", "content": "…"}], "", notice
    params = ChatParams(model=ctx.model_for(session), temperature=float(temperature),
                        max_tokens=int(max_tokens))
    try:
        turn = answer_with_tools(ctx.client_for(session), messages, params, tools,
                                 constrained=bool(constrained))
    except ChatbotError as exc:
        warn(exc, session.lang)
        yield history, message, error_notice(exc, session.lang)
        return
    yield ([*mine, *turn_messages(turn, session.lang)], "",
           f"{notice}\n\n{turn_line(turn, format_usd(turn.cost_usd), session.lang)}".strip())
