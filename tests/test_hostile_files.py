"""Hostile training and chat data gets a specific message, never a traceback: deep nesting,
a CSV field past csv's limit, a line past CHATBOT_MAX_LINE_KB, a seed of inf."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from chatbot.errors import InvalidInput
from chatbot.finetune import files
from chatbot.finetune.prepare import PrepareOptions, prepare
from chatbot.finetune.validate import validate_file
from chatbot.models.catalog import Catalog
from chatbot.models.token_count import parse_chat
from chatbot.playground import parse_seed

DEEP = "[" * 100_000 + "]" * 100_000
GOOD = json.dumps({"messages": [{"role": "user", "content": "hola"},
                                {"role": "assistant", "content": "¡hola!"}]})


def test_deeply_nested_json_is_an_invalid_line(tmp_path: Path) -> None:
    path = tmp_path / "deep.jsonl"
    path.write_text(f"{GOOD}\n{{\"messages\": {DEEP}}}\n")
    report = validate_file(path, Catalog.load(), "gpt-4o-mini")
    bad = [p for p in report.problems if p.line == 2]
    assert [p.code for p in bad] == ["invalid_json"]
    assert "nested too deeply" in bad[0].message.said("en")
    assert bad[0].message.said("es").startswith("JSON no válido: ")


def test_deeply_nested_chat_in_the_tokens_tab_is_plain_text() -> None:
    assert parse_chat(DEEP) is None  # not a chat: counted as the text it is


def test_overlong_line_is_skipped_unread(tmp_path: Path) -> None:
    path = tmp_path / "one_line.jsonl"
    with path.open("w") as fh:
        fh.write(GOOD + "\n")
        fh.write('{"messages": [{"role": "user", "content": "' + "x" * (3 << 20) + '"}]}\n')
        fh.write(GOOD + "\n")
    report = validate_file(path, Catalog.load(), "gpt-4o-mini", max_line=64 * 1024)
    assert {p.code for p in report.problems if p.line == 2} == {"line_too_long"}
    assert report.lines == 3
    too_long = next(p.message for p in report.problems if p.line == 2)
    assert too_long.said("es") == "La línea pasa de 64 KB y no se lee."
    assert too_long.said("en") == "The line is over 64 KB and is not read."


def test_prepare_reports_an_overlong_line(tmp_path: Path) -> None:
    path = tmp_path / "data.jsonl"
    path.write_text("\n".join([GOOD] * 12 + ["{" + " " * 5000 + "}"]) + "\n")
    result = prepare(path, Catalog.load(), PrepareOptions(fixes=frozenset({"drop_invalid"}),
                                                          max_line=1024))
    assert result.dropped.get("drop_invalid") == 1


def test_csv_field_over_the_csv_limit_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    path.write_text('question,answer\nhola,adiós\n"' + "y" * 200_000 + '",no\n')
    _, rows = files.iter_csv(path)
    with pytest.raises(InvalidInput) as err:
        list(rows)
    assert err.value.said("en").startswith("big.csv, line 3: the CSV cannot be read (a field is "
                                           "over 128 KB).")
    assert err.value.said("es").startswith("big.csv, línea 3: el CSV no se puede leer (un campo "
                                           "pasa de 128 KB).")


@pytest.mark.parametrize("value", ["inf", "-inf", "nan", "1e400", 1e300])
def test_seed_out_of_range(value: object) -> None:
    with pytest.raises(InvalidInput, match="Seed"):
        parse_seed(value)
