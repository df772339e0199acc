"""Issue 25: on the embedded model, how often do the right tool and arguments come out?

    python bench/bench_tools.py            # native `tools` vs constrained (JSON schema), 2 runs
    python bench/bench_tools.py --runs 3 --temperature 0
    python bench/bench_tools.py --final    # the whole turn: does the answer use the result?

Each prompt offers the three built-ins and a student tool (`weather`, answered from a table).
By default only the model's first decision is scored: the right tool (or none) with the right
arguments. Native calls are split into parsed `tool_calls` and calls printed as text. With
`--final`, the turn runs as the Chat tab runs it (calls, results, then the answer), and the
answer is scored: does it carry the tool's result (the product, the date, the weather)?
"""

from __future__ import annotations

import argparse
import collections
import datetime
import json
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from chatbot.chat import persona  # noqa: E402
from chatbot.client import ChatParams  # noqa: E402
from chatbot.context import AppContext  # noqa: E402
from chatbot.errors import ChatbotError  # noqa: E402
from chatbot.knowledge import library as lib  # noqa: E402
from chatbot.settings import Settings  # noqa: E402
from chatbot.tools import Toolbox, builtins, custom_tool  # noqa: E402
from chatbot.tools.calculator import calculate  # noqa: E402
from chatbot.tools.loop import answer_with_tools, decide, printed_call  # noqa: E402

WEATHER = custom_tool(json.dumps({
    "name": "weather", "description": "El tiempo que hace en una ciudad / The weather in a city",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}},
                   "required": ["city"]}}))


def calc_is(value: str) -> Callable[[dict[str, Any]], bool]:
    def check(args: dict[str, Any]) -> bool:
        try:
            return calculate(str(args.get("expression", ""))) == value
        except ChatbotError:
            return False
    return check


def has(key: str, *words: str) -> Callable[[dict[str, Any]], bool]:
    return lambda args: any(w in str(args.get(key, "")).lower() for w in words)


CASES: list[tuple[str, str | None, Callable[[dict[str, Any]], bool]]] = [
    ("¿Cuánto es 37 por 48?", "calculator", calc_is("1776")),
    ("¿Cuánto son 1234 + 5678?", "calculator", calc_is("6912")),
    ("Calcula (250 - 40) / 7", "calculator", calc_is("30")),
    ("¿Qué día es hoy?", "today", lambda a: True),
    ("¿En qué fecha estamos?", "today", lambda a: True),
    ("Busca en los documentos el precio de la entrada del museo", "search_knowledge",
     has("query", "entrada", "precio", "museo")),
    ("Busca en mis documentos a qué hora abre el museo", "search_knowledge",
     has("query", "hora", "abre", "museo")),
    ("¿Qué tiempo hace en Lugo?", "weather", has("city", "lugo")),
    ("¿Va a llover hoy en Vigo?", "weather", has("city", "vigo")),
    ("Hola, ¿cómo estás?", None, lambda a: True),
    ("Cuéntame un chiste corto", None, lambda a: True),
]


def final_expect(question: str) -> tuple[str, ...]:
    """What a right final answer contains (none: not scored; the document searches run over
    the course pack alone here, so they find nothing to cite)."""
    today = datetime.date.today()
    return {"¿Cuánto es 37 por 48?": ("1776", "1.776"),
            "¿Cuánto son 1234 + 5678?": ("6912", "6.912"),
            "Calcula (250 - 40) / 7": ("30",),
            "¿Qué día es hoy?": (today.isoformat(), f"{today.day} de "),
            "¿En qué fecha estamos?": (today.isoformat(), f"{today.day} de "),
            "¿Qué tiempo hace en Lugo?": ("20",),
            "¿Va a llover hoy en Vigo?": ("20", "sol")}.get(question, ())


def carries(answer: str, result: str) -> bool:
    """Does the answer repeat a word or number of the tool's result ("lunes", "1776", "20")?"""
    said = set(re.findall(r"\w+", answer.lower()))
    return any(w in said for w in re.findall(r"\w\w+", result.lower()))


def run_final(client: Any, system: str, params: ChatParams, toolbox: Toolbox, runs: int) -> None:
    """The whole turn, in both modes: how often the answer uses the result it was given (a word
    or number of it), and how often it is right."""
    for constrained in (False, True):
        mode = "constrained" if constrained else "native"
        tally: collections.Counter[str] = collections.Counter()
        for question, _want, _check in CASES:
            wanted = final_expect(question)
            for _ in range(runs):
                turn = answer_with_tools(client, persona.build_messages(system, [], question),
                                         params, toolbox, constrained=constrained)
                calls = ", ".join(f"{r.name}→{r.result[:30]}" for r in turn.runs) or "no call"
                # an "answer" that is one more call (JSON) neither uses the result nor answers
                call_again = '"arguments"' in turn.answer or printed_call(turn.answer) is not None
                used = (bool(turn.runs) and turn.runs[-1].ok and not call_again
                        and carries(turn.answer, turn.runs[-1].result))
                right = not call_again and any(w in turn.answer.lower() for w in wanted)
                tally["called"] += bool(turn.runs and turn.runs[-1].ok)
                tally["used"] += used
                tally["call again"] += call_again
                if wanted:
                    tally["scored"] += 1
                    tally["right"] += right
                mark = ("✓" if right else "✗") if wanted else "·"
                print(f"  [{mode[:6]}] {mark}{' used' if used else ''} {question} [{calls}] → "
                      f"{' '.join(turn.answer.split())[:110]}")
        print(f"== {mode}: answers using a tool's result {tally['used']} of {tally['called']} "
              f"turns that ran one; right answers {tally['right']}/{tally['scored']}; final "
              f"answers that were another call {tally['call again']}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--temperature", type=float, default=0.7)
    parser.add_argument("--max-tokens", type=int, default=96)  # a decision, not an essay
    parser.add_argument("--final", action="store_true", help="score the whole turn's answer")
    args = parser.parse_args()
    ctx = AppContext.create(Settings.from_env({"CHATBOT_TIMEOUT": "600"}))  # a loaded machine
    assert ctx.embedded is not None
    ctx.embedded.start()
    library = lib.Library(None, pack=True)
    session = ctx.new_session()
    toolbox = Toolbox(builtins("es"), WEATHER, (("*", "Sol, 20 °C"),),
                      lambda q: lib.search_text(ctx, session, library, q))
    edu = persona.PRESETS[0]
    system = persona.identity_prompt(edu.name, edu.system_prompt)
    try:
        client = ctx.client_for(session)
        params = ChatParams(model=ctx.model_for(session), temperature=args.temperature,
                            max_tokens=args.max_tokens)
        if args.final:
            run_final(client, system, params, toolbox, args.runs)
            return
        for constrained in (False, True):
            mode = "constrained (json_schema)" if constrained else "native (tools)"
            tally: collections.Counter[str] = collections.Counter()
            for question, want, check in CASES:
                for _ in range(args.runs):
                    messages = persona.build_messages(system, [], question)
                    d = decide(client, messages, params, toolbox, constrained=constrained)
                    call = d.calls[0] if d.calls else None
                    got = call.name if call else None
                    try:
                        parsed = json.loads(call.arguments) if call else {}
                    except json.JSONDecodeError:
                        parsed = None
                    tool_ok = got == want
                    args_ok = tool_ok and isinstance(parsed, dict) and check(parsed)
                    tally["total"] += 1
                    tally["tool"] += tool_ok
                    tally["tool+args"] += args_ok
                    tally[d.how] += 1
                    if want is None:
                        tally["no-tool cases"] += 1
                        tally["no-tool right"] += tool_ok
                    shown = f"{got}({call.arguments})" if call else d.result.text[:70]
                    print(f"  [{mode[:6]}] {'✓' if args_ok else '✗'} {question} → {d.how}: "
                          f"{' '.join(shown.split())}")
            print(f"== {mode}: right tool {tally['tool']}/{tally['total']}, right tool and "
                  f"arguments {tally['tool+args']}/{tally['total']}; no-tool prompts answered "
                  f"without a tool {tally['no-tool right']}/{tally['no-tool cases']}; how: "
                  + ", ".join(f"{k} {tally[k]}" for k in ("tool_calls", "printed", "schema",
                                                         "answer")))
    finally:
        ctx.embedded.stop()


if __name__ == "__main__":
    main()
