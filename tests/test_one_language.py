"""Issue 27: what the app says comes out in ONE language, the reader's, never
"español / English"."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from chatbot import errors
from chatbot.client import Backend, CapabilityBook
from chatbot.client.params import ChatParams
from chatbot.client.request import Requests
from chatbot.errors import ChatbotError
from chatbot.lab import compare, distribution, presets, votes
from chatbot.lab.fault_server import FAILURES
from chatbot.lab.snippets import snippet
from chatbot.models.catalog import Catalog
from chatbot.money import billing
from chatbot.policy.urlguard import check_typed_url
from chatbot.sentiment import inputs, prompt
from chatbot.settings import Settings
from chatbot.token_counter import view

ROOT = Path(__file__).resolve().parents[1]
MODULES = ["chatbot"]  # every package; words live in chatbot/i18n
SPANISH_ONLY = set("áéíóúñ¿¡")


def sources() -> list[Path]:
    found: list[Path] = []
    for name in MODULES:
        path = ROOT / name
        found += [path] if path.is_file() else sorted(path.rglob("*.py"))
    return found


def doubled(text: str) -> bool:
    """A " / " between words: the old "español / English" pair (a bare " / " joins, it is code)."""
    return " / " in text and text.strip() != "/"


def test_no_string_in_the_app_is_written_in_two_languages() -> None:
    """Literal text (f-strings' pieces too), docstrings aside: words live in chatbot/i18n."""
    found = []
    for path in sources():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                      if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef)
                      and node.body and isinstance(node.body[0], ast.Expr)}
        found += [f"{path.relative_to(ROOT)}:{node.lineno}: {node.value[:60]!r}"
                  for node in ast.walk(tree)
                  if isinstance(node, ast.Constant) and isinstance(node.value, str)
                  and id(node) not in docstrings and doubled(node.value)]
    assert len(sources()) > 150  # the walk still finds the modules
    assert found == []


def raised(make: Callable[[], object]) -> ChatbotError:
    with pytest.raises(ChatbotError) as err:
        make()
    return err.value


CATALOG = Catalog.load()
MAKERS: dict[str, Callable[[], object]] = {
    "preset": lambda: presets.load("parameters", json.dumps({"kind": "parameters", "values": {
        "temperature": 3, "n": 1.5, "stop": ["a", ""], "colour": "red"}}).encode()),
    "preset_json": lambda: presets.load("persona", b"{"),
    "settings": lambda: Settings.from_env({"CHATBOT_TIMEOUT": "x", "CHATBOT_BACKEND": "zz",
                                           "CHATBOT_ENGINE_BUILD": "maybe"}),
    "prices": lambda: Catalog.load('{"gpt-4o": {"input_per_1m": -1, "price": 2}}'),
    "params": lambda: Requests(Backend("openai", None, "sk-x"), CATALOG, CapabilityBook(CATALOG)
                               ).validate(ChatParams("", n=0, temperature=3, stop=("",))),
    "knobs": lambda: distribution.knobs("hot", 99, -1),
    "configs": lambda: compare.parse_configs([["mars", "m", "x", 1, 5, None]]),
    "vote": lambda: votes.add_vote([], "p", [{"config": "A · m"}], "Z"),
    "tweets": lambda: inputs.gather("", b"col\n1\n"),
    "prompt": lambda: prompt.parse_prompt("Tweet: hi\nSentiment: maybe"),
    "tokens": lambda: view.analyse(CATALOG, "x" * (view.MAX_TAB_CHARS + 1)),
    "url": lambda: check_typed_url(Settings(), "ftp://host"),
}


@pytest.mark.parametrize("name", sorted(MAKERS))
def test_each_error_is_said_in_the_readers_language_only(name: str) -> None:
    err = raised(MAKERS[name])
    es, en = err.said("es"), err.said("en")
    assert es != en
    for text in (es, en, err.title_in("es"), err.title_in("en")):
        assert not doubled(text), text
    assert not SPANISH_ONLY & set(en), en


@pytest.mark.parametrize("cls", [c for c in vars(errors).values() if isinstance(c, type)
                                 and issubclass(c, ChatbotError)])
def test_every_error_title_comes_in_each_language(cls: type[ChatbotError]) -> None:
    err = cls("x")
    assert not doubled(err.title_in("es")) and not doubled(err.title_in("en"))


@pytest.mark.parametrize("lang", ["es", "en"])
def test_notes_snippets_and_estimates_are_in_one_language(lang: str) -> None:
    said = [n.said(lang) for n in billing.estimate(CATALOG, "gpt-9-galaxy", "hola", None).notes]
    said += [n.said(lang) for name in CATALOG.names() for n in CATALOG.get(name).note]
    said += [snippet(failure, lang) for failure in FAILURES]
    assert said and not [s for s in said if doubled(s)]
    if lang == "en":
        assert not [s for s in said if SPANISH_ONLY & set(s) and "Explícame" not in s]


@pytest.mark.parametrize(("lang", "words"), [("es", "No hay texto que contar"),
                                             ("en", "There is no text to count")])
def test_the_token_cli_speaks_its_language(lang: str, words: str, tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_text(" ", encoding="utf-8")
    run = subprocess.run([sys.executable, "-m", "chatbot", "tokens", str(empty)],
                         capture_output=True, text=True, cwd=ROOT, timeout=120,
                         env={**os.environ, "CHATBOT_LANG": lang})
    assert run.returncode == 1
    assert words in run.stderr and not doubled(run.stdout + run.stderr), run.stderr
