"""Ask with tools offered, run the calls the model makes, ask again until it answers.

Two ways to ask. Native: OpenAI's `tools`, the server parses the model's calls into `tool_calls`
(llama.cpp does for Qwen 2.5's template). Constrained: no `tools`; the tool list is described in
the system prompt and the model's first reply is forced by `response_format` (a JSON schema
llama.cpp turns into a grammar) to be one of the tools with its arguments, or "answer"; a small
model then cannot print a call as loose text or invent a tool.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from typing import Any

from chatbot.client import ChatParams, LLMClient, Result, ToolCall
from chatbot.i18n import say
from chatbot.tools.toolbox import Toolbox, ToolRun

MAX_ROUNDS = 3
ANSWER = "answer"  # the constrained choice meaning "no tool: answer now"
_PRINTED = re.compile(r"\{.*\"name\"\s*:\s*\"([^\"]+)\".*\"arguments\"\s*:\s*(\{.*?\})\s*\}",
                      re.DOTALL)


@dataclass(frozen=True)
class ToolTurn:
    """The calls made (in order), the final answer, and every request it took."""

    runs: tuple[ToolRun, ...]
    answer: str
    results: tuple[Result, ...]
    printed: int = 0  # calls the model wrote as text instead of `tool_calls` (then run anyway)

    @property
    def cost_usd(self) -> float | None:
        costs = [r.cost_usd for r in self.results]
        return None if any(c is None for c in costs) else sum(c or 0.0 for c in costs)

    @property
    def prompt_tokens(self) -> int:
        return sum(r.usage.prompt_tokens for r in self.results)

    @property
    def completion_tokens(self) -> int:
        return sum(r.usage.completion_tokens for r in self.results)


@dataclass(frozen=True)
class Decision:
    """What one request decided: the calls (none: it answered), and how they came."""

    calls: tuple[ToolCall, ...]
    result: Result
    how: str  # "tool_calls", "printed" (written as text, parsed here), "schema", "answer"


def printed_call(text: str) -> ToolCall | None:
    """A call a model wrote as text (`<tool_call>{"name": …, "arguments": {…}}</tool_call>`)."""
    match = _PRINTED.search(text or "")
    return ToolCall("printed", match.group(1), match.group(2)) if match else None


def choice_schema(toolbox: Toolbox) -> dict[str, Any]:
    """JSON schema of one decision: a tool with arguments of that tool's schema, or "answer"."""
    options = [{"type": "object", "properties": {"tool": {"const": t.name},
                                                 "arguments": t.parameters},
                "required": ["tool", "arguments"]} for t in toolbox.tools]
    options.append({"type": "object", "properties": {"tool": {"const": ANSWER},
                                                     "arguments": {"type": "object"}},
                    "required": ["tool", "arguments"]})
    return {"type": "object", "properties": {"call": {"anyOf": options}}, "required": ["call"]}


def tool_list_prompt(toolbox: Toolbox) -> str:
    lang = toolbox.lang
    arguments = say(lang, "tools.list_arguments")
    lines = [f"- {t.name}: {t.description} {arguments} "
             f"{json.dumps(t.parameters.get('properties', {}), ensure_ascii=False)}"
             for t in toolbox.tools]
    return "\n".join([say(lang, "tools.list_header"), *lines,
                      say(lang, "tools.list_instruction", answer=ANSWER)])


def _with_system(messages: list[dict[str, Any]], extra: str) -> list[dict[str, Any]]:
    if messages and messages[0]["role"] == "system":
        return [{"role": "system", "content": f"{messages[0]['content']}\n\n{extra}"},
                *messages[1:]]
    return [{"role": "system", "content": extra}, *messages]


def decide(client: LLMClient, messages: list[dict[str, Any]], params: ChatParams,
           toolbox: Toolbox, *, constrained: bool) -> Decision:
    """One request with the tools offered: which calls the model makes, if any."""
    names = {t.name for t in toolbox.tools}
    if constrained:
        schema = {"type": "json_schema", "json_schema": {"name": "tool_call",
                                                         "schema": choice_schema(toolbox)}}
        result = client.chat(_with_system(messages, tool_list_prompt(toolbox)),
                             replace(params, response_format=schema))
        try:
            call = json.loads(result.text)["call"]
            name = str(call["tool"])
            arguments = json.dumps(call.get("arguments", {}), ensure_ascii=False)
        except (json.JSONDecodeError, KeyError, TypeError):
            return Decision((), result, "answer")
        if name not in names:
            return Decision((), result, "answer")
        return Decision((ToolCall("schema", name, arguments),), result, "schema")
    result = client.chat(messages, replace(params, tools=tuple(toolbox.specs()),
                                           tool_choice="auto"))
    choice = result.choices[0]
    if choice.tool_calls:
        return Decision(choice.tool_calls, result, "tool_calls")
    found = printed_call(choice.text)
    if found is not None and found.name in names:
        return Decision((found,), result, "printed")
    return Decision((), result, "answer")


def _with_results(messages: list[dict[str, Any]], decision: Decision, runs: list[ToolRun],
                  lang: str) -> list[dict[str, Any]]:
    """The next request: the calls and their results added to the conversation.

    Parsed `tool_calls` go back as OpenAI's protocol (the call, then a `tool` message per
    result). A call that came as text (printed, or a JSON decision) has no id to answer, so its
    results join the system prompt, as documents do, and the question stays the last message:
    given its own JSON call and then the result as the next turns, the 0.5B model wrote another
    JSON call instead of an answer (`bench/bench_tools.py --final`, docs/knowledge.md)."""
    if decision.how == "tool_calls":
        calls = [{"id": c.id, "type": "function",
                  "function": {"name": c.name, "arguments": c.arguments}}
                 for c in decision.calls]
        return [*messages,
                {"role": "assistant", "content": decision.result.text or None,
                 "tool_calls": calls},
                *({"role": "tool", "tool_call_id": c.id, "content": r.result}
                  for c, r in zip(decision.calls, runs, strict=True))]
    results = [say(lang, "tools.result_of", name=r.name, arguments=r.arguments, result=r.result)
               for r in runs]
    return _with_system(messages, "\n".join([say(lang, "tools.results_header"), *results,
                                             say(lang, "tools.now_answer")]))


def answer_with_tools(client: LLMClient, messages: list[dict[str, Any]], params: ChatParams,
                      toolbox: Toolbox, *, constrained: bool = False) -> ToolTurn:
    """The model's answer after the calls it asked for, each run here and shown in `runs`."""
    runs: list[ToolRun] = []
    results: list[Result] = []
    printed = 0
    for _ in range(MAX_ROUNDS - 1):
        if not toolbox.tools:
            break
        decision = decide(client, messages, params, toolbox, constrained=constrained)
        results.append(decision.result)
        if not decision.calls:
            if decision.how == "answer" and not constrained:
                return ToolTurn(tuple(runs), decision.result.text, tuple(results), printed)
            break
        printed += decision.how == "printed"
        made = [toolbox.run(c.name, c.arguments) for c in decision.calls]
        runs.extend(made)
        messages = _with_results(messages, decision, made, toolbox.lang)
        if constrained:
            break  # one forced decision, then a free answer
    final = client.chat(messages, params)
    return ToolTurn(tuple(runs), final.text, (*results, final), printed)
