"""The conversation tree, its files and the dataset made from it: pure functions, no server."""

from __future__ import annotations

import json

import pytest

from chatbot.conversations import dataset, exchange
from chatbot.conversations.exchange import Persona, Saved
from chatbot.conversations.tree import Conversation
from chatbot.errors import InvalidInput
from chatbot.finetune.validate import validate_file
from chatbot.messages import history_to_messages
from chatbot.models.catalog import Catalog

GREETING = {"role": "assistant", "content": "¡Hola!"}


def turns(*texts: str) -> list[dict[str, str]]:
    roles = ("user", "assistant")
    return [GREETING] + [{"role": roles[i % 2], "content": t} for i, t in enumerate(texts)]


def test_sync_keeps_every_retried_answer_as_a_version() -> None:
    tree = Conversation.from_history(turns("2+2?", "4"))
    tree = tree.sync(turns("2+2?", "Cuatro"))  # a retry: same question, another answer
    assert tree.history() == turns("2+2?", "Cuatro")
    assert tree.versions() == [(1, 1), (1, 1), (2, 2)]
    back = tree.switch(2, -1)
    assert back.history() == turns("2+2?", "4")
    assert back.versions()[2] == (1, 2)
    assert back.switch(2, -1).history() == back.history()  # already the first: stays


def test_a_box_under_an_answer_stays_a_box_and_never_reaches_the_model() -> None:
    """The sources (or a tool call) under an answer: kept with its title through an edit, a
    save and a load, so the chat shows it folded and the model is not sent the passages."""
    sources = {"role": "assistant", "content": "### faq.md › Horario\nDe 9 a 14.",
               "metadata": {"title": "📚 Fuentes: faq.md › Horario", "status": "done"}}
    history = [*turns("¿Horario?", "De 9 a 14."), sources, {"role": "user", "content": "¿Y?"}]
    tree = Conversation.from_dict(json.loads(json.dumps(
        Conversation.from_history(history).to_dict())))
    assert tree.history()[3] == sources
    assert tree.spoken() == [*turns("¿Horario?", "De 9 a 14."), {"role": "user", "content": "¿Y?"}]
    edited = tree.edit(4, "¿Y el sábado?")
    assert history_to_messages(edited.history()) == [
        *turns("¿Horario?", "De 9 a 14."), {"role": "user", "content": "¿Y el sábado?"}]
    assert exchange.openai_messages(tree, "")[-2:] == [
        {"role": "assistant", "content": "De 9 a 14."}, {"role": "user", "content": "¿Y?"}]
    assert exchange.from_json(exchange.to_json(Saved(tree, Persona("Edu", "", ""))).encode()) \
        .conversation.history() == tree.history()
    assert "<summary>📚 Fuentes: faq.md › Horario</summary>" in exchange.to_markdown(
        Saved(tree, Persona("Edu", "", "")))


def test_gradio_block_content_and_empty_placeholders_fold_into_text() -> None:
    history = [GREETING, {"role": "user", "content": [{"type": "text", "text": "hola"}]},
               {"role": "assistant", "content": None}]
    assert Conversation.from_history(history).history() == [GREETING, {"role": "user",
                                                                       "content": "hola"}]


def test_editing_a_question_branches_and_going_back_restores_what_followed() -> None:
    tree = Conversation.from_history(turns("q1", "a1", "q2", "a2"))
    edited = tree.edit(3, "q2 bis")
    assert edited.history() == turns("q1", "a1", "q2 bis")
    answered = edited.sync(turns("q1", "a1", "q2 bis", "a2 bis"))
    assert answered.versions()[3] == (2, 2)
    old = answered.switch(3, -1)
    assert old.history() == turns("q1", "a1", "q2", "a2")  # the old answer came back with it
    assert old.switch(3, +1).history() == turns("q1", "a1", "q2 bis", "a2 bis")


def test_editing_the_bots_answer_writes_the_answer_wanted() -> None:
    tree = Conversation.from_history(turns("q1", "a1")).edit(2, "the answer I wanted")
    assert tree.history() == turns("q1", "the answer I wanted")
    assert tree.versions()[2] == (2, 2)


def test_the_same_words_are_one_version_not_two() -> None:
    tree = Conversation.from_history(turns("q1", "a1"))
    assert tree.edit(1, "q1").nodes == tree.nodes


@pytest.mark.parametrize("index, text, fragment", [
    (9, "x", "no message 9"),
    (-1, "x", "no message -1"),
    (1, "   ", "empty"),
])
def test_bad_edits_say_what_is_wrong(index: int, text: str, fragment: str) -> None:
    with pytest.raises(InvalidInput, match=fragment):
        Conversation.from_history(turns("q1", "a1")).edit(index, text)


def test_feedback_goes_on_answers_only_and_can_be_cleared() -> None:
    tree = Conversation.from_history(turns("q1", "a1")).rate(2, "up", " clear and short ")
    node = tree.nodes[tree.path[2]]
    assert (node.feedback, node.note) == ("up", "clear and short")
    assert tree.rate(2, "").nodes[tree.path[2]].feedback is None
    with pytest.raises(InvalidInput, match="only the bot's answers"):
        tree.rate(1, "up")
    with pytest.raises(InvalidInput, match="Unknown rating 'meh'"):
        tree.rate(2, "meh")


def test_the_stored_form_round_trips_and_broken_ones_are_named() -> None:
    tree = Conversation.from_history(turns("q1", "a1")).sync(turns("q1", "b1")).rate(2, "down")
    assert Conversation.from_dict(json.loads(json.dumps(tree.to_dict()))) == tree
    broken = tree.to_dict()
    broken["nodes"][2]["parent"] = 5
    with pytest.raises(InvalidInput, match=r"nodes\[2\]: 'parent' must be an earlier id"):
        Conversation.from_dict(broken)
    jumping = tree.to_dict() | {"path": [0, 2]}
    with pytest.raises(InvalidInput, match="jumps between branches"):
        Conversation.from_dict(jumping)


def saved(tree: Conversation) -> Saved:
    return Saved(tree, Persona("Edu", "Eres Edu.", "¡Hola!"))


def test_export_is_openai_messages_with_every_branch_and_the_feedback() -> None:
    tree = (Conversation.from_history(turns("q1", "a1")).sync(turns("q1", "b1"))
            .rate(2, "up", "better"))
    document = json.loads(exchange.to_json(saved(tree)))
    assert document["messages"] == [{"role": "system", "content": "Eres Edu."}, *turns("q1", "b1")]
    contents = {n["content"]: n for n in document["branches"]["nodes"]}
    assert {"a1", "b1"} <= set(contents)
    assert contents["b1"]["feedback"] == "up" and contents["b1"]["note"] == "better"
    for lang, words in (("es", ("**🧑 Tú**", "versión 2/2 👍", "_Nota: better_", "Otra versión")),
                        ("en", ("**🧑 You**", "version 2/2 👍", "_Note: better_", "Other version"))):
        markdown = exchange.to_markdown(saved(tree), lang)
        assert "Eres Edu." in markdown and "a1" in markdown
        assert all(word in markdown for word in words), words
        assert " / " not in markdown  # the exporting session's one language


def test_import_gives_back_what_was_exported() -> None:
    tree = Conversation.from_history(turns("q1", "a1")).sync(turns("q1", "b1")).rate(2, "up")
    back = exchange.from_json(exchange.to_json(saved(tree)).encode())
    assert back == saved(tree)


def test_plain_openai_messages_and_fine_tuning_records_import_too() -> None:
    record = {"messages": [{"role": "system", "content": "S"}, *turns("q", "a")[1:]]}
    back = exchange.from_json(json.dumps(record).encode())
    assert back.persona.system_prompt == "S"
    assert back.conversation.history() == turns("q", "a")[1:]
    assert exchange.from_json(json.dumps(record["messages"]).encode()) == back


@pytest.mark.parametrize("data, fragment", [
    (b"", "empty"),
    (b"\xff\xfe\x00", "not UTF-8"),
    (b'{"messages": [', "line 1"),
    (b'{"hello": 1}', "no 'messages'"),
    (b'{"messages": [{"role": "tool", "content": "x"}]}', "role 'tool' not supported"),
    (b'{"messages": [{"role": "user", "content": 3}]}', "'content' must be text"),
    (b'{"messages": [], "format": "other"}', "Unknown format"),
    (b'{"messages": [], "version": 99}', "newer version"),
    (b'{"messages": [{"role": "user", "content": "a"}], "branches": {"nodes": []}}',
     "disagree"),
    (b"[" * 100_000, "nested too deeply"),
])
def test_bad_files_get_a_specific_message(data: bytes, fragment: str) -> None:
    with pytest.raises(InvalidInput, match=fragment):
        exchange.from_json(data)


def test_a_file_over_the_limit_is_refused_unread() -> None:
    with pytest.raises(InvalidInput, match="limit is 5,120 KB"):
        exchange.from_json(b" " * (exchange.MAX_IMPORT_BYTES + 1))


def test_liked_answers_become_examples_with_their_own_branch_before_them() -> None:
    tree = (Conversation.from_history(turns("q1", "a1", "q2", "a2")).rate(4, "up")
            .edit(3, "q2 bis").sync(turns("q1", "a1", "q2 bis", "a2 bis")).rate(4, "down"))
    [example] = dataset.liked_examples(tree, "Eres Edu.")
    assert example["messages"] == [
        {"role": "system", "content": "Eres Edu."},
        {"role": "assistant", "content": "¡Hola!", "weight": 0},
        {"role": "user", "content": "q1"},
        {"role": "assistant", "content": "a1", "weight": 0},
        {"role": "user", "content": "q2"},
        {"role": "assistant", "content": "a2"},
    ]


def test_no_liked_answer_says_what_to_do() -> None:
    with pytest.raises(InvalidInput, match="like the ones you want"):
        dataset.liked_examples(Conversation.from_history(turns("q1", "a1")), "")


def test_collecting_appends_new_examples_once(tmp_path) -> None:  # type: ignore[no-untyped-def]
    one = Conversation.from_history(turns("q1", "a1")).rate(2, "up")
    two = Conversation.from_history(turns("p1", "b1", "p2", "b2")).rate(2, "up").rate(4, "up")
    first = dataset.collect([], dataset.liked_examples(one, "S"))
    both = dataset.collect(first.lines, dataset.liked_examples(two, "S")
                           + dataset.liked_examples(one, "S"))
    assert (first.added, both.added, both.already, len(both.lines)) == (1, 2, 1, 3)
    path = tmp_path / "liked.jsonl"
    path.write_text("\n".join(both.lines) + "\n", encoding="utf-8")
    report = validate_file(path, Catalog.load(), "gpt-4o-mini")
    assert report.format == "chat" and report.examples == 3
    assert report.ok and set(report.counts) == {"too_few"}  # only the warning of OpenAI's 10-example minimum


def test_errors_are_said_in_the_readers_one_language() -> None:
    with pytest.raises(InvalidInput) as bad:
        exchange.from_json(b'{"messages": [{"role": "tool", "content": "x"}]}')
    assert bad.value.said("en") == "messages[0]: role 'tool' not supported (system, user, assistant)."
    assert bad.value.said("es") == "messages[0]: rol 'tool' no admitido (system, user, assistant)."
    with pytest.raises(InvalidInput) as empty:
        exchange.from_json(b"{")
    assert " / " not in empty.value.said("en") and "Import the .json" in empty.value.said("en")
