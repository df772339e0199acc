"""Preset files: written and read back; every bad file gets a clear message, all problems at once."""

import json

import pytest

from chatbot.errors import InvalidInput
from chatbot.lab.presets import MAX_BYTES, dump, load
from chatbot.playground.request import form_values, preset_values

PERSONA = {"name": "Edu", "system_prompt": "Eres un tutor.", "greeting": "¡Hola!",
           "temperature": 0.7, "max_tokens": 256}
PARAMS = {"system": "", "endpoint": "chat", "model": "gpt-4o-mini", "temperature": 1.0,
          "top_p": 1.0, "n": 2, "max_tokens": None, "frequency_penalty": 0.0,
          "presence_penalty": 0.0, "stop": ["\n"], "seed": 7, "logprobs": True, "top_logprobs": 5}


@pytest.mark.parametrize("kind, values", [("persona", PERSONA), ("parameters", PARAMS)])
def test_a_preset_comes_back_as_written(kind: str, values: dict) -> None:
    text = dump(kind, {**values, "api_key": "sk-never-saved"})
    assert "sk-never" not in text  # only the kind's own fields are written
    assert load(kind, text.encode()) == values


def test_a_field_left_out_is_simply_not_set() -> None:
    raw = json.dumps({"kind": "persona", "values": {"name": "Byte"}}).encode()
    assert load("persona", raw) == {"name": "Byte"}


def bad(kind: str, raw: bytes) -> str:
    """The Spanish message, then the English one, each in one language only."""
    with pytest.raises(InvalidInput) as err:
        load(kind, raw)
    es, en = err.value.said("es"), err.value.said("en")
    assert " / " not in es and " / " not in en and es != en
    return f"{es}\n{en}"


def test_not_json_says_where() -> None:
    es, en = bad("persona", b'{"kind": ,}').split("\n")
    assert "(línea 1, columna 10)" in es and "(line 1, column 10)" in en


def test_not_utf8_too_big_or_not_a_preset() -> None:
    assert "UTF-8" in bad("persona", b"\xff\xfe\x00garbage")
    assert "KB" in bad("persona", b" " * (MAX_BYTES + 1))
    assert "Not a preset" in bad("persona", b"[1, 2]")
    assert "Not a preset" in bad("persona", b'{"kind": "persona"}')


def test_the_wrong_kind_is_named() -> None:
    text = dump("parameters", PARAMS).encode()
    assert "'parameters' preset, not 'persona'" in bad("persona", text)


def test_every_bad_value_is_named_at_once() -> None:
    raw = json.dumps({"kind": "parameters", "values": {
        "temperature": 3, "n": 1.5, "stop": ["a", ""], "logprobs": "yes", "model": 5,
        "endpoint": "images", "colour": "red", "top_p": None,
    }}).encode()
    text = bad("parameters", raw)
    for fragment in ("'temperature'=3", "'n'=1.5", "'stop'", "'logprobs'", "'model' debe ser texto",
                     "'endpoint'='images'", "unknown field 'colour'", "'top_p' está vacío"):
        assert fragment in text, fragment


def test_a_persona_too_long_is_refused() -> None:
    raw = json.dumps({"kind": "persona", "values": {"name": "x" * 101}}).encode()
    assert "100" in bad("persona", raw)


def test_an_unknown_version_is_refused() -> None:
    raw = json.dumps({"kind": "persona", "version": 2, "values": {}}).encode()
    assert "version 2" in bad("persona", raw)


def test_the_playground_form_round_trips_through_a_preset() -> None:
    form = {"system": "s", "endpoint": "chat", "model": "", "temperature": 0.5, "top_p": 1.0,
            "n": 2.0, "max_tokens": None, "frequency_penalty": 0.0, "presence_penalty": 0.0,
            "stop": "FIN\n\\n", "seed": " 12 ", "logprobs": True, "top_logprobs": 3.0}
    values = preset_values(form)
    assert values["stop"] == ["FIN", "\n"] and values["seed"] == 12 and values["n"] == 2
    back = form_values(load("parameters", dump("parameters", values).encode()))
    assert back["stop"] == "FIN\n\\n" and back["seed"] == "12" and back["max_tokens"] is None


def test_a_bad_seed_in_the_form_is_named_before_saving() -> None:
    with pytest.raises(InvalidInput, match="Seed"):
        preset_values({"stop": "", "seed": "abc", "n": 1, "top_logprobs": 0, "max_tokens": 8})
