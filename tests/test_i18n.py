"""The language tables and the language picked for a reader."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

from chatbot.i18n import TABLES, cli_lang, normalise, one_language, say


def fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_both_tables_have_the_same_keys_and_fields() -> None:
    es, en = TABLES["es"], TABLES["en"]
    assert sorted(es) == sorted(en)
    wrong = [key for key in es if fields(es[key]) != fields(en[key])]
    assert wrong == []


def test_no_text_is_doubled_with_a_slash() -> None:
    """One language per string: the old "español / English" pairs do not come back."""
    doubled = [(lang, key) for lang, table in TABLES.items() for key, text in table.items()
               if one_language(text, "es") != text]
    assert doubled == []


@pytest.mark.parametrize(("code", "lang"), [("es-MX", "es"), ("es", "es"), ("en-GB", "en"),
                                            ("fr-FR", "en"), (None, "es"), ("", "es")])
def test_a_browser_code_becomes_one_of_two_languages(code: str | None, lang: str) -> None:
    assert normalise(code) == lang


def test_say_fills_fields_in_the_asked_language() -> None:
    key = next(k for k, v in TABLES["en"].items() if not fields(v))
    assert say("en", key) == TABLES["en"][key]
    assert say("es-ES", key) == TABLES["es"][key]
    with pytest.raises(KeyError):
        say("en", "no.such.key")


def test_cli_follows_its_own_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHATBOT_LANG", "en")
    assert cli_lang() == "en"
    monkeypatch.setenv("CHATBOT_LANG", "es_ES.UTF-8")
    assert cli_lang() == "es"
    monkeypatch.delenv("CHATBOT_LANG")
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")  # no language chosen: the course's
    assert cli_lang() == "es"
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    assert cli_lang() == "en"


def test_a_legacy_pair_is_cut_to_one_side_and_other_slashes_stay() -> None:
    pair = "No hay mensaje que reintentar. / Nothing to retry."
    assert one_language(pair, "es") == "No hay mensaje que reintentar."
    assert one_language(pair, "en") == "Nothing to retry."
    assert one_language("a / b / c", "en") == "a / b / c"
    inner = "Sin conexión con Servidor / Server: x. / Cannot connect to Servidor / Server: x."
    assert one_language(inner, "en") == "Cannot connect to Servidor / Server: x."
    assert one_language("3/4 tokens", "en") == "3/4 tokens"


# T("key"), say(lang, "key"), Error.keyed("key", "hint_key"), Msg("key"), words("key")
# (chatbot/finetune/words.py): the literal key, fields kept as {...}.
KEY = r"""f?["']([a-z_]+\.(?:[a-z0-9_.]|\{[^}]*\})+)["'\s]"""
KEY_IN_CODE = re.compile(r"""(?:\bT\(|\bsay\([^,()]+,\s*|\.keyed\(|\bMsg\(|\bwords\()""" + KEY)
HINT_IN_CODE = re.compile(r"""\.keyed\("[a-z_.]+",\s*""" + KEY)


def test_every_key_the_code_names_is_in_both_tables() -> None:
    """A key typed wrong raises KeyError only when its text is shown: find them all now.
    Keys built with a field (``f"status.embedded_{state}"``) must match at least one key."""
    root = Path(__file__).resolve().parents[1] / "chatbot"
    named = {key for path in root.rglob("*.py")
             for pattern in (KEY_IN_CODE, HINT_IN_CODE)
             for key in pattern.findall(path.read_text(encoding="utf-8"))}
    assert len(named) > 100  # the pattern still finds the code's keys
    missing = []
    for key in sorted(named):
        pattern = re.compile(re.sub(r"\\\{[^}]*\\\}", ".+", re.escape(key)) + "$")
        if not all(any(pattern.match(k) for k in table) for table in TABLES.values()):
            missing.append(key)
    assert missing == []
