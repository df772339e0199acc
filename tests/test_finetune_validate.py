"""Validation of training files: every problem on its line, errors apart from warnings."""

from __future__ import annotations

import json
import tracemalloc
import zipfile
from pathlib import Path

import pytest

from chatbot.errors import InvalidInput
from chatbot.finetune import formats
from chatbot.finetune.validate import MAX_DETAILS, problem_rows, validate_file
from chatbot.i18n import TABLES
from chatbot.models.catalog import Catalog

DATA = Path(__file__).parent / "data" / "finetune"


def codes_by_line(report) -> dict[int, set[str]]:
    found: dict[int, set[str]] = {}
    for p in report.problems:
        found.setdefault(p.line, set()).add(p.code)
    return found


def test_valid_chat_file_has_no_errors(catalog: Catalog) -> None:
    report = validate_file(DATA / "chat_valid.jsonl", catalog, "gpt-4o-mini")
    assert report.ok and report.format == formats.CHAT
    assert report.examples == 12
    assert [p.code for p in report.problems] == ["few"]  # 12 < 50: advice, not an error
    assert all(n > 20 for n in report.tokens)


def test_bom_and_crlf_are_accepted_and_counted_the_same(catalog: Catalog) -> None:
    plain = validate_file(DATA / "chat_valid.jsonl", catalog, "gpt-4o-mini")
    windows = validate_file(DATA / "chat_bom_crlf.jsonl", catalog, "gpt-4o-mini")
    assert windows.ok
    assert list(windows.tokens) == list(plain.tokens)


def test_every_broken_line_is_reported_on_its_line(catalog: Catalog) -> None:
    report = validate_file(DATA / "chat_broken.jsonl", catalog, "gpt-4o-mini")
    lines = codes_by_line(report)
    expected = {
        2: "invalid_json", 3: "unknown_role", 4: "empty_content", 5: "no_assistant",
        6: "unknown_message_key", 7: "key_case", 8: "blank_line", 9: "duplicate",
        10: "missing_role", 11: "mixed_format", 12: "not_object", 13: "content_type",
        14: "bad_weight",
    }
    for line, code in expected.items():
        assert code in lines.get(line, set()), (line, code, lines.get(line))
    assert {"unknown_key", "messages_not_list"} <= lines[15]
    assert 1 not in lines  # the good first line
    assert "too_few" in lines[0]  # only lines 1 and 9 are valid examples
    assert not report.ok


def test_errors_and_warnings_are_separate(catalog: Catalog) -> None:
    report = validate_file(DATA / "chat_broken.jsonl", catalog, "gpt-4o-mini")
    severities = {p.code: p.severity for p in report.problems}
    assert severities["duplicate"] == formats.WARNING
    assert severities["invalid_json"] == formats.ERROR
    assert report.warning_count >= 1 and report.error_count >= 13


def test_each_problem_is_said_in_the_reader_s_language_with_a_fix(catalog: Catalog) -> None:
    report = validate_file(DATA / "chat_broken.jsonl", catalog, "gpt-4o-mini")
    for p in report.problems:
        es, en = p.message.said("es"), p.message.said("en")
        assert es != en and " / " not in es + en, p
        assert p.fix.said("es") != p.fix.said("en") and " / " not in p.fix.said("es"), p
    blank = next(p for p in report.problems if p.code == "messages_not_list")
    assert blank.message.said("es") == "'messages' debe ser una lista no vacía."
    assert blank.message.said("en") == "'messages' must be a non-empty list."
    assert problem_rows(report, "en")[0][1] in {"error", "warning"}
    assert {row[1] for row in problem_rows(report, "es")} <= {"error", "aviso"}


def test_every_problem_code_has_a_message_and_a_fix_in_both_tables() -> None:
    for code in formats.SEVERITY:
        for lang in ("es", "en"):
            assert TABLES[lang][f"finetune.check_{code}"], code
            assert TABLES[lang][f"finetune.check_{code}_fix"], code


def test_legacy_format_is_validated_and_flagged(catalog: Catalog) -> None:
    report = validate_file(DATA / "legacy_sentiment.jsonl", catalog, "babbage-002")
    assert report.format == formats.LEGACY and report.examples == 13
    codes = [p.code for p in report.problems]
    assert "legacy_format" in codes and "duplicate" in codes
    assert report.ok  # legacy data is valid data; the warning says where it still works


def test_legacy_record_problems() -> None:
    kind, found = formats.record_findings({"prompt": "x", "completion": "", "label": 1})
    assert kind == formats.LEGACY
    assert {c for c, _ in found} == {"unknown_key", "empty_completion"}
    _, found = formats.record_findings({"prompt": 3})
    assert {c for c, _ in found} == {"content_type", "missing_key"}


def test_tool_calls_and_content_parts_are_valid() -> None:
    record = {"messages": [
        {"role": "user", "content": [{"type": "text", "text": "¿Tiempo en Madrid?"}]},
        {"role": "assistant", "tool_calls": [{"id": "c1", "type": "function",
                                              "function": {"name": "w", "arguments": "{}"}}]},
        {"role": "tool", "tool_call_id": "c1", "content": "20 °C"},
        {"role": "assistant", "content": "20 °C", "weight": 1},
    ], "tools": []}
    assert formats.record_findings(record) == (formats.CHAT, [])


def test_unhashable_role_is_reported_not_raised() -> None:
    _, found = formats.record_findings({"messages": [{"role": ["user"], "content": "x"}]})
    assert ("unknown_role", {"index": 1, "role": ["user"]}) in found


def test_over_the_limit_is_an_error_with_the_numbers(catalog: Catalog, tmp_path: Path) -> None:
    path = tmp_path / "long.jsonl"
    rows = [{"messages": [{"role": "user", "content": f"q{i}"},
                          {"role": "assistant", "content": "palabra " * (400 if i == 4 else 3)}]}
            for i in range(12)]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    report = validate_file(path, catalog, "gpt-4o-mini", limit=300)
    too_long = [p for p in report.problems if p.code == "too_long"]
    assert [p.line for p in too_long] == [5]
    assert too_long[0].message.said("es") == ("El ejemplo tiene 415 tokens; el límite de "
                                              "gpt-4o-mini es 300.")


def test_binary_files_are_refused_plainly(catalog: Catalog, tmp_path: Path) -> None:
    xlsx = tmp_path / "datos.xlsx"
    with zipfile.ZipFile(xlsx, "w") as zf:
        zf.writestr("xl/workbook.xml", "<workbook/>")
    blob = tmp_path / "model.jsonl"
    blob.write_bytes(bytes(range(256)) * 40)
    for path in (xlsx, blob):
        with pytest.raises(InvalidInput) as err:
            validate_file(path, catalog, "gpt-4o-mini")
        assert "CSV" in str(err.value) and path.name in str(err.value)


def test_bad_utf8_line_is_one_error(catalog: Catalog, tmp_path: Path) -> None:
    good = (DATA / "chat_valid.jsonl").read_bytes()
    path = tmp_path / "latin1.jsonl"
    path.write_bytes(good + '{"messages": "ñ"}\n'.encode("latin-1"))
    report = validate_file(path, catalog, "gpt-4o-mini")
    assert codes_by_line(report)[13] == {"not_utf8"}


def test_json_document_instead_of_jsonl(catalog: Catalog, tmp_path: Path) -> None:
    path = tmp_path / "data.json"
    path.write_text(json.dumps([{"messages": []}], indent=2), encoding="utf-8")
    report = validate_file(path, catalog, "gpt-4o-mini")
    assert "json_document" in codes_by_line(report)[0]


def test_empty_and_missing_files(catalog: Catalog, tmp_path: Path) -> None:
    empty = tmp_path / "empty.jsonl"
    empty.write_bytes(b"")
    with pytest.raises(InvalidInput):
        validate_file(empty, catalog, "gpt-4o-mini")
    with pytest.raises(InvalidInput):
        validate_file(tmp_path / "nope.jsonl", catalog, "gpt-4o-mini")
    blank = tmp_path / "blank.jsonl"
    blank.write_text("\n\n", encoding="utf-8")
    assert "empty_file" in codes_by_line(validate_file(blank, catalog, "gpt-4o-mini"))[0]


def test_one_bad_line_among_100000(catalog: Catalog, tmp_path: Path) -> None:
    path = tmp_path / "big.jsonl"
    bad_line = 73_421
    with path.open("w", encoding="utf-8") as fh:
        for i in range(1, 100_001):
            if i == bad_line:
                fh.write('{"prompt": "x", "completion": " y"\n')
            else:
                fh.write(json.dumps({"prompt": f"p {i} ->", "completion": f" r {i}"}) + "\n")
    before = path.read_bytes()
    report = validate_file(path, catalog, "babbage-002")
    errors = [(p.line, p.code) for p in report.problems if p.severity == formats.ERROR]
    assert errors == [(bad_line, "invalid_json")]
    assert report.examples == 99_999 and report.lines == 100_000
    assert path.read_bytes() == before


def test_problem_details_are_capped_but_all_counted(catalog: Catalog, tmp_path: Path) -> None:
    path = tmp_path / "all_bad.jsonl"
    path.write_text("nope\n" * (MAX_DETAILS + 500), encoding="utf-8")
    report = validate_file(path, catalog, "gpt-4o-mini")
    assert report.counts["invalid_json"] == MAX_DETAILS + 500
    assert report.truncated
    assert any(p.code == "empty_file" for p in report.problems)  # whole-file problems kept


def test_memory_stays_flat(catalog: Catalog, tmp_path: Path) -> None:
    """Four times the file, about the same peak: the file is streamed, not loaded."""
    row = json.dumps({"prompt": "pregunta " * 40, "completion": "respuesta " * 40})
    peaks = []
    for n in (3_000, 12_000):
        path = tmp_path / f"mem{n}.jsonl"
        with path.open("w", encoding="utf-8") as fh:
            for i in range(n):
                fh.write(row.replace("pregunta", f"p{i}", 1) + "\n")
        validate_file(path, catalog, "babbage-002")  # warm the tokenizer caches
        tracemalloc.start()
        validate_file(path, catalog, "babbage-002")
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
    small, big = peaks
    growth = (tmp_path / "mem12000.jsonl").stat().st_size - (tmp_path / "mem3000.jsonl").stat().st_size
    assert big < 1.6 * small, peaks
    assert big - small < growth / 10, (peaks, growth)  # a few bytes per example, not per line
