"""Tools: the safe calculator, the student's tool and table, and the call loop through the SDK."""

import datetime as dt
import json

import pytest

from chatbot.client import Backend, ChatParams, LLMClient, SDKPool
from chatbot.errors import InvalidInput
from chatbot.models.catalog import Catalog
from chatbot.money.billing import Ledger
from chatbot.tools import BUILTIN_NAMES, Toolbox, answer_with_tools, builtins, custom_tool
from chatbot.tools.calculator import calculate
from chatbot.tools.loop import choice_schema, printed_call, tool_list_prompt
from chatbot.tools.toolbox import table_answer
from chatbot.tools.views import run_message
from tests.fakes.openai_server import FakeOpenAI

WEATHER = json.dumps({"name": "weather", "description": "El tiempo",
                      "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}})


@pytest.mark.parametrize(("expression", "value"), [
    ("37*48", "1776"), ("(12+3)/4", "3.75"), ("2^10", "1024"), ("1,5 × 2", "3"),
    ("-7 // 2", "-4"), ("10 % 3", "1"), ("2**0.5", "1.414213562"),
])
def test_the_calculator_computes_arithmetic(expression: str, value: str) -> None:
    assert calculate(expression) == value


@pytest.mark.parametrize(("expression", "fragment"), [
    ("__import__('os').system('id')", "no acepta"),
    ("open('/etc/passwd')", "no acepta"),
    ("(1).__class__", "no acepta"),
    ("9**9**9", "exponentes"),
    ("10**99 * 10**99", "resultado"),
    ("1/0", "cero"),
    ("2 +", "no es una operación"),
    ("", "vacía"),
])
def test_the_calculator_refuses_anything_but_arithmetic(expression: str, fragment: str) -> None:
    with pytest.raises(InvalidInput, match=fragment):
        calculate(expression)


def test_the_students_tool_is_checked_and_answered_from_the_table() -> None:
    tool = custom_tool(WEATHER)
    assert tool.spec()["function"]["name"] == "weather"
    rows = (("Lugo", "Lluvia"), ("*", "Sol"))
    assert table_answer(rows, {"city": "  LUGO "}) == "Lluvia"
    assert table_answer(rows, {"city": "Vigo"}) == "Sol"
    assert table_answer(rows[:1], {"city": "Vigo"}) is None
    for bad, fragment in [("{", "no es JSON"), ('{"name": "a b"}', "name"),
                          ('{"name": "calculator"}', "incluida"),
                          ('{"name": "x", "parameters": {"type": "string"}}', "object")]:
        with pytest.raises(InvalidInput, match=fragment):
            custom_tool(bad)


def test_a_toolbox_runs_only_its_own_tools_and_turns_errors_into_results() -> None:
    box = Toolbox(builtins()[:2], custom_tool(WEATHER), (("*", "Sol"),),
                  today=lambda: dt.date(2026, 12, 7))
    assert box.run("calculator", '{"expression": "6*7"}').result == "42"
    assert box.run("today", "{}").result == "2026-12-07 (lunes)"
    assert box.run("weather", '{"city": "Lugo"}').result == "Sol"
    refused = [box.run("search_knowledge", '{"query": "x"}'), box.run("shell", "{}"),
               box.run("calculator", "not json"), box.run("calculator", '{"expression": "a"}')]
    assert [r.ok for r in refused] == [False] * 4
    assert "«shell»" in refused[1].result and "JSON" in refused[2].result
    shown = run_message(box.run("calculator", '{"expression": "6*7"}'))
    assert shown["metadata"]["title"] == "🛠️ calculator" and "42" in shown["content"]


@pytest.mark.parametrize("lang", ["es", "en"])
def test_what_the_model_and_the_student_read_is_in_the_sessions_one_language(lang: str) -> None:
    """Descriptions, results, refusals, the tool list and the boxes the chat shows."""
    box = Toolbox(builtins(lang), custom_tool(WEATHER), (("Lugo", "Lluvia"),),
                  today=lambda: dt.date(2026, 12, 7), lang=lang)
    runs = [box.run("today", "{}"), box.run("search_knowledge", '{"query": "x"}'),
            box.run("weather", '{"city": "Vigo"}'), box.run("shell", "{}"),
            box.run("calculator", "not json"), box.run("calculator", "[1]"),
            *(box.run("calculator", json.dumps({"expression": e}))
              for e in ("a", "9**9**9", "1/0", "", "2 +", "1" * 300))]
    texts = [tool_list_prompt(box), *(r.result for r in runs),
             *(run_message(r, lang)["content"] for r in runs), *(t.description for t in box.tools),
             json.dumps([t.parameters for t in box.tools], ensure_ascii=False)]
    assert [t for t in texts if " / " in t] == []
    other = "en" if lang == "es" else "es"
    elsewhere = Toolbox(builtins(other), today=box.today, lang=other)
    assert all(box.run(*call).result != elsewhere.run(*call).result
               for call in (("today", "{}"), ("calculator", '{"expression": "1/0"}')))
    assert ("lunes" if lang == "es" else "Monday") in runs[0].result


def test_a_call_printed_as_text_is_recognised() -> None:
    call = printed_call('<tool_call>\n{"name": "calculator", "arguments": {"expression": "2+2"}}'
                        "\n</tool_call>")
    assert call is not None and call.name == "calculator"
    assert json.loads(call.arguments) == {"expression": "2+2"}
    assert printed_call("El resultado es 4.") is None


def test_the_constrained_schema_offers_each_tool_with_its_arguments_or_an_answer() -> None:
    schema = choice_schema(Toolbox(builtins()[:1], custom_tool(WEATHER)))
    options = schema["properties"]["call"]["anyOf"]
    assert [o["properties"]["tool"]["const"] for o in options] == ["calculator", "weather",
                                                                   "answer"]
    assert options[0]["properties"]["arguments"]["required"] == ["expression"]


def tool_call_reply(name: str, arguments: str) -> bytes:
    return json.dumps({
        "id": "chatcmpl-1", "object": "chat.completion", "created": 1, "model": "gpt-4o-mini",
        "choices": [{"index": 0, "finish_reason": "tool_calls", "message": {
            "role": "assistant", "content": None, "tool_calls": [{
                "id": "call_7", "type": "function",
                "function": {"name": name, "arguments": arguments}}]}}],
        "usage": {"prompt_tokens": 50, "completion_tokens": 10, "total_tokens": 60}}).encode()


def test_the_loop_runs_the_call_and_sends_its_result_back() -> None:
    """Through the real SDK: the model asks for the calculator, the result goes back as a tool
    message with the call's id, and the second answer is the final one."""
    with FakeOpenAI() as fake:
        client = LLMClient(Backend("compatible", fake.base_url, "sk-test"), SDKPool(10, 0),
                           Catalog.load(), Ledger())
        fake.raw_next(tool_call_reply("calculator", '{"expression": "37*48"}'))
        turn = answer_with_tools(client, [{"role": "user", "content": "¿37 por 48?"}],
                                 ChatParams(model="gpt-4o-mini", max_tokens=64),
                                 Toolbox(builtins()))
        first, second = (r.json for r in fake.requests_to("/v1/chat/completions"))
    assert [t["function"]["name"] for t in first["tools"]] == list(BUILTIN_NAMES)
    assert [(r.name, r.result) for r in turn.runs] == [("calculator", "1776")]
    assert second["messages"][-2]["tool_calls"][0]["id"] == "call_7"
    assert second["messages"][-1] == {"role": "tool", "tool_call_id": "call_7",
                                      "content": "1776"}
    assert turn.answer and len(turn.results) == 2
    assert turn.prompt_tokens == 50 + turn.results[1].usage.prompt_tokens


def test_a_result_of_a_call_written_as_json_joins_the_system_prompt_and_the_question_stays_last(
        ) -> None:
    """Through the real SDK, the constrained path: the model's JSON decision is not sent back as
    its own turn (the 0.5B model then wrote another call instead of an answer); the result
    goes in the system prompt, and the student's question is still the last message."""
    decision = json.dumps({"call": {"tool": "calculator", "arguments": {"expression": "37*48"}}})
    reply = json.dumps({
        "id": "chatcmpl-2", "object": "chat.completion", "created": 1, "model": "gpt-4o-mini",
        "choices": [{"index": 0, "finish_reason": "stop",
                     "message": {"role": "assistant", "content": decision}}],
        "usage": {"prompt_tokens": 50, "completion_tokens": 10, "total_tokens": 60}}).encode()
    question = {"role": "user", "content": "¿Cuánto es 37 por 48?"}
    with FakeOpenAI() as fake:
        client = LLMClient(Backend("compatible", fake.base_url, "sk-test"), SDKPool(10, 0),
                           Catalog.load(), Ledger())
        fake.raw_next(reply)
        turn = answer_with_tools(client, [{"role": "system", "content": "Eres Edu."}, question],
                                 ChatParams(model="gpt-4o-mini", max_tokens=64),
                                 Toolbox(builtins()), constrained=True)
        first, second = (r.json for r in fake.requests_to("/v1/chat/completions"))
    assert first["response_format"]["type"] == "json_schema"
    assert [(r.name, r.result) for r in turn.runs] == [("calculator", "1776")]
    assert second["messages"][-1] == question and len(second["messages"]) == 2
    system = second["messages"][0]["content"]
    assert system.startswith("Eres Edu.") and '- calculator({"expression": "37*48"}): 1776' in system
    assert "response_format" not in second and turn.answer
