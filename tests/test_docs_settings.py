"""docs/settings.md lists exactly the environment variables the code reads, so it cannot drift."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NAME = re.compile(r"(CHATBOT|OPENAI|TELEGRAM|GRADIO|SPACE)_[A-Z0-9_]+")
READ_BY_THE_SDK = {"OPENAI_ORG_ID", "OPENAI_PROJECT_ID"}  # named in prose, read by openai itself


def names_in_code() -> set[str]:
    """Every string literal in the app's code that is exactly a setting's name."""
    found: set[str] = set()
    for path in [ROOT / "app.py", *sorted((ROOT / "chatbot").rglob("*.py"))]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) \
                    and NAME.fullmatch(node.value):
                found.add(node.value)
    return found


def names_in_table() -> set[str]:
    text = (ROOT / "docs" / "settings.md").read_text(encoding="utf-8")
    return {m.group(1) for m in re.finditer(r"^\| `([A-Z0-9_]+)` \|", text, re.MULTILINE)}


def test_the_settings_table_lists_every_variable_the_code_reads_and_no_other() -> None:
    code, table = names_in_code(), names_in_table()
    assert sorted(code - table) == [], "read by the code but missing from docs/settings.md"
    assert sorted(table - code) == [], "in docs/settings.md but read nowhere"


def test_env_example_names_only_real_settings() -> None:
    text = (ROOT / ".env.example").read_text(encoding="utf-8")
    named = {m.group(1) for m in re.finditer(r"^# ([A-Z0-9_]+)=", text, re.MULTILINE)}
    assert named, ".env.example names no setting"
    assert sorted(named - names_in_table() - READ_BY_THE_SDK) == []
