"""Prepare: prepare_data's checks applied only by choice, conversion to chat, a seeded split."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from chatbot.errors import InvalidInput
from chatbot.finetune.formats import CHAT, LEGACY
from chatbot.finetune.prepare import PrepareOptions, analyze, prepare
from chatbot.finetune.validate import validate_file
from chatbot.models.catalog import Catalog

DATA = Path(__file__).parent / "data" / "finetune"


@pytest.fixture()
def work(tmp_path: Path) -> Path:
    for f in DATA.iterdir():
        shutil.copy(f, tmp_path / f.name)
    return tmp_path


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def fixes(*names: str) -> frozenset[str]:
    return frozenset(names)


def test_legacy_analysis_finds_what_prepare_data_found(catalog: Catalog, work: Path) -> None:
    a = analyze(work / "legacy_sentiment.jsonl", catalog,
                PrepareOptions(output=LEGACY, model="babbage-002"))
    assert a.source == LEGACY and a.rows == 13 and a.task == "classification"
    assert dict(a.labels) == {"positive": 4, "negative": 5, "neutral": 4}
    suggested = {fix for fix, _ in a.suggestions(LEGACY)}
    assert {"remove_duplicates", "add_separator", "completion_space", None} <= suggested
    assert "add_stop" not in suggested  # classification needs no stop ending
    assert a.duplicates == [13] and a.separator == " ->"


def test_nothing_changes_unless_chosen(catalog: Catalog, work: Path) -> None:
    src = work / "legacy_sentiment.jsonl"
    result = prepare(src, catalog, PrepareOptions(output=LEGACY, model="babbage-002"))
    assert read_jsonl(result.outputs[0]) == read_jsonl(src)
    assert result.dropped == {} and result.applied == []


def test_each_chosen_legacy_fix_is_applied(catalog: Catalog, work: Path) -> None:
    src = work / "legacy_sentiment.jsonl"
    before = src.read_bytes()
    result = prepare(src, catalog, PrepareOptions(
        output=LEGACY, model="babbage-002",
        fixes=fixes("add_separator", "completion_space", "add_stop", "lowercase",
                    "remove_duplicates")))
    rows = read_jsonl(result.outputs[0])
    assert len(rows) == 12 and result.dropped == {"remove_duplicates": 1}
    assert all(r["prompt"].endswith(" ->") for r in rows)
    assert all(r["completion"].startswith(" ") and r["completion"].endswith("\n") for r in rows)
    assert rows[0]["prompt"] == "i love this course ->"
    assert any(note.said("en").startswith('Use stop=["\\n"]') for note in result.notes)
    assert any(note.said("es").startswith('Usa stop=["\\n"]') for note in result.notes)
    assert src.read_bytes() == before  # the input is never touched


def test_legacy_converts_to_chat_with_a_system_prompt(catalog: Catalog, work: Path) -> None:
    result = prepare(work / "legacy_sentiment.jsonl", catalog,
                     PrepareOptions(system_prompt="Clasifica el sentimiento."))
    rows = read_jsonl(result.outputs[0])
    assert rows[0] == {"messages": [
        {"role": "system", "content": "Clasifica el sentimiento."},
        {"role": "user", "content": "I LOVE THIS COURSE"},
        {"role": "assistant", "content": "positive"}]}
    report = validate_file(result.outputs[0], catalog, "gpt-4o-mini")
    assert report.ok and report.format == CHAT


def test_excel_csv_to_chat(catalog: Catalog, work: Path) -> None:
    src = work / "faq_excel.csv"
    with pytest.raises(InvalidInput) as err:  # one row has no answer: we do not guess
        prepare(src, catalog, PrepareOptions(system_prompt="Eres el asistente."))
    said = err.value.said("es")
    assert "drop_invalid" in said and "'Respuesta'" in said and " / " not in said
    assert err.value.said("en").startswith("1 rows cannot be used; the first is line")
    result = prepare(src, catalog, PrepareOptions(system_prompt="Eres el asistente.",
                                                  fixes=fixes("drop_invalid")))
    rows = read_jsonl(result.outputs[0])
    assert len(rows) == 12 and result.dropped == {"drop_invalid": 1}
    assert rows[2]["messages"][2]["content"].endswith("\nTambién en PDF.")
    assert validate_file(result.outputs[0], catalog, "gpt-4o-mini").ok


def test_csv_with_wrong_columns_says_which_it_found(catalog: Catalog, work: Path) -> None:
    with pytest.raises(InvalidInput) as err:
        prepare(work / "wrong_columns.csv", catalog, PrepareOptions())
    text = str(err.value)
    assert "'id', 'name', 'email'" in text and "question" in text
    result = prepare(work / "wrong_columns.csv", catalog,
                     PrepareOptions(question_column="name", answer_column="email"))
    assert read_jsonl(result.outputs[0])[0]["messages"][0] == {"role": "user", "content": "Ana"}
    with pytest.raises(InvalidInput):
        prepare(work / "wrong_columns.csv", catalog, PrepareOptions(question_column="nombre"))


def test_split_is_seeded_complete_and_disjoint(catalog: Catalog, work: Path) -> None:
    src = work / "chat_valid.jsonl"
    opts = PrepareOptions(validation_fraction=0.25, seed=7)
    first = prepare(src, catalog, opts)
    again = prepare(src, catalog, opts)
    other = prepare(src, catalog, PrepareOptions(validation_fraction=0.25, seed=8))
    train, valid = (read_jsonl(p) for p in first.outputs)
    assert (first.train, first.validation) == (9, 3) and len(valid) == 3
    assert sorted(map(json.dumps, train + valid)) == sorted(map(json.dumps, read_jsonl(src)))
    assert read_jsonl(again.outputs[1]) == valid
    assert read_jsonl(other.outputs[1]) != valid
    assert [p.name for p in again.outputs] == ["chat_valid_prepared_train-2.jsonl",
                                               "chat_valid_prepared_valid-2.jsonl"]


def test_outputs_never_overwrite(catalog: Catalog, work: Path) -> None:
    src = work / "chat_valid.jsonl"
    taken = work / "chat_valid_prepared.jsonl"
    taken.write_text("mine\n", encoding="utf-8")
    result = prepare(src, catalog, PrepareOptions())
    assert result.outputs == [work / "chat_valid_prepared-2.jsonl"]
    assert taken.read_text(encoding="utf-8") == "mine\n"


def test_chat_input_gets_the_system_prompt_only_where_missing(catalog: Catalog,
                                                              work: Path) -> None:
    src = work / "mixed_system.jsonl"
    src.write_text(
        json.dumps({"messages": [{"role": "system", "content": "propio"},
                                 {"role": "user", "content": "a"},
                                 {"role": "assistant", "content": "b"}]}) + "\n"
        + json.dumps({"messages": [{"role": "user", "content": "c"},
                                   {"role": "assistant", "content": "d"}]}) + "\n",
        encoding="utf-8")
    rows = read_jsonl(prepare(src, catalog, PrepareOptions(system_prompt="común")).outputs[0])
    assert [r["messages"][0]["content"] for r in rows] == ["propio", "común"]


def test_remove_long_uses_the_token_limit(catalog: Catalog, work: Path) -> None:
    src = work / "long.jsonl"
    lines = [{"prompt": f"q{i}", "completion": "palabra " * (300 if i in (2, 5) else 2)}
             for i in range(10)]
    src.write_text("".join(json.dumps(r) + "\n" for r in lines), encoding="utf-8")
    opts = PrepareOptions(limit=100, fixes=fixes("remove_long"))
    a = analyze(src, catalog, opts)
    assert a.long == [3, 6]
    result = prepare(src, catalog, opts)
    assert result.dropped == {"remove_long": 2} and result.train == 8


def test_generation_data_gets_a_stop_suggestion(catalog: Catalog, work: Path) -> None:
    src = work / "gen.jsonl"
    rows = [{"prompt": f"Resume el texto {i}", "completion": f" Resumen número {i}."}
            for i in range(12)]
    src.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    a = analyze(src, catalog, PrepareOptions(output=LEGACY))
    suggested = dict(a.suggestions(LEGACY))
    assert "add_stop" not in suggested  # all completions already end with "."
    assert a.completion_suffix == "." and "add_separator" in suggested
    open_ended = work / "open.jsonl"
    open_ended.write_text("".join(json.dumps({"prompt": "", "completion": f" t{i}"}) + "\n"
                                  for i in range(12)), encoding="utf-8")
    a = analyze(open_ended, catalog, PrepareOptions(output=LEGACY))
    assert a.task == "open-ended" and "add_separator" not in dict(a.suggestions(LEGACY))


def test_bad_options_are_named(catalog: Catalog, work: Path) -> None:
    src = work / "legacy_sentiment.jsonl"
    with pytest.raises(InvalidInput) as err:
        prepare(src, catalog, PrepareOptions(fixes=fixes("add_stop", "magic")))
    assert "add_stop" in str(err.value) and "magic" in str(err.value)
    with pytest.raises(InvalidInput):
        prepare(work / "chat_valid.jsonl", catalog, PrepareOptions(output=LEGACY))
    with pytest.raises(InvalidInput):
        prepare(src, catalog, PrepareOptions(validation_fraction=1.5))


def test_broken_jsonl_rows_are_listed_and_dropped_by_choice(catalog: Catalog,
                                                            work: Path) -> None:
    src = work / "chat_broken.jsonl"
    a = analyze(src, catalog)
    assert [line for line, _ in a.invalid][:3] == [2, 3, 4]
    result = prepare(src, catalog, PrepareOptions(fixes=fixes("drop_invalid",
                                                              "remove_duplicates")))
    assert result.train == 1 and result.dropped["remove_duplicates"] == 1
