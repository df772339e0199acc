"""Tool calls as the chat shows them: one collapsible message per call, before the answer."""

from __future__ import annotations

import json
from typing import Any

from chatbot.i18n import DEFAULT, say
from chatbot.tools.loop import ToolTurn
from chatbot.tools.toolbox import ToolRun


def _pretty(arguments: str) -> str:
    try:
        return json.dumps(json.loads(arguments or "{}"), ensure_ascii=False, indent=1)
    except json.JSONDecodeError:
        return arguments


def run_message(run: ToolRun, lang: str = DEFAULT) -> dict[str, Any]:
    """Gradio 6 shows `metadata` as a titled box with the time it took."""
    mark = "🛠️" if run.ok else "⚠️"
    body = (f"**{say(lang, 'tools.shown_arguments')}**\n```json\n{_pretty(run.arguments)}\n```\n"
            f"**{say(lang, 'tools.shown_result')}**\n```text\n{run.result}\n```")
    return {"role": "assistant", "content": body,
            "metadata": {"title": f"{mark} {run.name}", "duration": round(run.seconds, 4),
                         "status": "done"}}


def turn_messages(turn: ToolTurn, lang: str = DEFAULT) -> list[dict[str, Any]]:
    """Every call, then the answer."""
    return [*(run_message(r, lang) for r in turn.runs),
            {"role": "assistant", "content": turn.answer}]


def turn_line(turn: ToolTurn, money: str, lang: str = DEFAULT) -> str:
    printed = say(lang, "tools.printed", n=turn.printed) if turn.printed else ""
    return say(lang, "tools.turn", calls=len(turn.runs), requests=len(turn.results),
               prompt=turn.prompt_tokens, completion=turn.completion_tokens, cost=money,
               printed=printed)
