import json
from datetime import date

import pytest

from chatbot.engine.embedded_model import LOCAL_MODEL_NAME
from chatbot.errors import ConfigError
from chatbot.models.catalog import DATA_FILE, OFFLINE_ENCODINGS, Catalog

TODAY = date(2026, 11, 23)


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return Catalog.load(today=TODAY)


def test_data_file_names_its_source_date_and_fine_tuning_wind_down():
    raw = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    assert any("pricing" in url for url in raw["source"])
    assert any("deprecations" in url for url in raw["source"])
    date.fromisoformat(raw["as_of"])
    assert "2027-01-06" in raw["note"]
    assert "fine_tunable" in raw["note"]


@pytest.mark.parametrize(("name", "status", "replacement"), [
    ("text-davinci-003", "retired", "gpt-3.5-turbo-instruct"),
    ("gpt-3.5-turbo", "retired", "gpt-4o-mini"),
    ("gpt-4", "retired", "gpt-4.1"),
    ("davinci-002", "active", None),
    ("babbage-002", "active", None),
    ("gpt-3.5-turbo-instruct", "active", None),
])
def test_course_models_have_their_status(catalog, name, status, replacement):
    info = catalog.get(name)
    assert info.known
    assert info.status == status
    assert info.replacement == replacement
    assert info.input_per_1m is not None and info.output_per_1m is not None


@pytest.mark.parametrize(("name", "encoding"), [
    ("gpt-4o", "o200k_base"), ("gpt-4o-mini", "o200k_base"), ("gpt-4.1", "o200k_base"),
    ("gpt-4.1-mini", "o200k_base"), ("gpt-5", "o200k_base"), ("gpt-5-nano", "o200k_base"),
    ("gpt-3.5-turbo", "cl100k_base"), ("gpt-4", "cl100k_base"), ("davinci-002", "cl100k_base"),
    ("babbage-002", "cl100k_base"),
    # snapshots and fine-tunes by their base model
    ("gpt-4o-2024-08-06", "o200k_base"), ("gpt-3.5-turbo-0125", "cl100k_base"),
    ("gpt-4-0613", "cl100k_base"),
    ("ft:gpt-3.5-turbo-0125:acme::abc123", "cl100k_base"),
    ("ft:gpt-4o-mini-2024-07-18:acme:custom:xyz", "o200k_base"),
    # unknown names: tiktoken's family table, else o200k_base
    ("gpt-4-32k-0314", "cl100k_base"), ("gpt-9-galaxy", "o200k_base"),
])
def test_encoding_per_model(catalog, name, encoding):
    assert catalog.get(name).encoding == encoding


def test_every_catalog_entry_is_consistent(catalog):
    for name in catalog.names():
        info = catalog.get(name)
        assert info.encoding in (*OFFLINE_ENCODINGS, "local"), name
        assert info.provider in ("openai", "local"), name
        for price in (info.input_per_1m, info.cached_input_per_1m, info.output_per_1m,
                      info.training_per_1m):
            assert price is None or price >= 0, name
        if info.replacement:
            assert info.replacement in catalog.names(), name
        if info.status == "retired":
            assert info.shutdown_date and not info.fine_tunable, name
        if info.fine_tunable:
            assert info.training_per_1m, name
        for note in info.note:  # said in each language, one at a time
            es, en = note.said("es"), note.said("en")
            assert es != en and " / " not in es + en, name


def test_snapshot_resolves_to_its_alias_prices(catalog):
    snap = catalog.get("gpt-4o-mini-2024-07-18")
    assert snap.name == "gpt-4o-mini-2024-07-18"
    assert snap.input_per_1m == catalog.get("gpt-4o-mini").input_per_1m


def test_fine_tuned_name_gets_fine_tuned_inference_prices(catalog):
    ft = catalog.get("ft:gpt-4o-mini-2024-07-18:acme::9xYz")
    base = catalog.get("gpt-4o-mini")
    assert ft.known and ft.encoding == "o200k_base"
    assert ft.input_per_1m == 0.30 and ft.output_per_1m == 1.20
    assert ft.input_per_1m > base.input_per_1m
    assert ft.shutdown_date == base.shutdown_date
    assert not ft.fine_tunable
    assert "gpt-4o-mini" in ft.note[0].said("en")


def test_fine_tuned_of_retired_base_is_retired(catalog):
    msg = catalog.retired_message("ft:gpt-3.5-turbo-0125:acme::abc", today=TODAY)
    assert msg and "gpt-4o-mini" in msg.said("es")


@pytest.mark.parametrize("name", ["gpt-9-galaxy", "", "ft:", "ft:::", "ft:nonexistent:org::x",
                                  "   ", "a" * 5000, "<script>"])
def test_get_never_raises_and_says_when_it_guesses(catalog, name):
    info = catalog.get(name)
    assert not info.known
    assert info.input_per_1m is None
    assert "desconocido" in info.note[0].said("es") and "Unknown" in info.note[0].said("en")


def test_local_model_is_free_and_uses_its_own_tokenizer(catalog):
    info = catalog.get(LOCAL_MODEL_NAME)
    assert info.provider == "local" and info.encoding == "local"
    assert info.input_per_1m == info.output_per_1m == 0


def test_local_models_mapping_adds_served_names():
    def server_root() -> str:
        return "http://127.0.0.1:9"

    cat = Catalog.load(today=TODAY, local_models={"my-model": server_root})
    assert cat.get("my-model").provider == "local"
    assert cat.local_server is server_root


def test_retired_message_is_said_in_each_language_and_names_the_replacement(catalog):
    msg = catalog.retired_message("gpt-4", today=TODAY)
    assert msg is not None
    assert msg.said("es") == "gpt-4 fue retirado el 2026-10-23; usa gpt-4.1."
    assert msg.said("en") == "gpt-4 was retired on 2026-10-23; use gpt-4.1."
    davinci = catalog.retired_message("text-davinci-003", today=TODAY)
    assert davinci and "gpt-3.5-turbo-instruct" in davinci.said("en")
    assert catalog.retired_message("gpt-4o-mini", today=TODAY) is None
    assert catalog.retired_message("gpt-9-galaxy", today=TODAY) is None


def test_deprecated_model_becomes_retired_on_its_shutdown_date():
    before = Catalog.load(today=date(2026, 12, 10))
    assert before.get("gpt-5").status == "deprecated"
    assert before.retired_message("gpt-5", today=date(2026, 12, 10)) is None
    assert "gpt-6-sol" in str(before.retired_message("gpt-5", today=date(2026, 12, 11)))
    after = Catalog.load(today=date(2026, 12, 11))
    assert after.get("gpt-5").status == "retired"
    # a model retired by date no longer takes fine-tuning jobs
    assert not Catalog.load(today=date(2027, 1, 14)).get("gpt-4o-mini").fine_tunable


def test_overrides_inline_json_change_and_add_models():
    cat = Catalog.load('{"gpt-4o-mini": {"input_per_1m": 0.2}, '
                       '"my-new-model": {"input_per_1m": 1, "output_per_1m": 2}}', today=TODAY)
    assert cat.get("gpt-4o-mini").input_per_1m == 0.2
    assert cat.get("gpt-4o-mini").output_per_1m == 0.6
    new = cat.get("my-new-model")
    assert new.known and new.input_per_1m == 1 and new.encoding == "o200k_base"
    assert "CHATBOT_PRICES" in new.note[-1].said("es")


def test_overrides_from_a_file(tmp_path):
    path = tmp_path / "prices.json"
    path.write_text('{"gpt-4": {"output_per_1m": 61.5, "encoding": "cl100k_base"}}',
                    encoding="utf-8")
    assert Catalog.load(str(path), today=TODAY).get("gpt-4").output_per_1m == 61.5


@pytest.mark.parametrize(("overrides", "words"), [
    ('{"gpt-4o": {"input_per_1m": -1}}', ["gpt-4o.input_per_1m=-1"]),
    ('{"gpt-4o": {"output_per_1m": 1e9}}', ["gpt-4o.output_per_1m"]),
    ('{"gpt-4o": {"input_per_1m": "cheap"}}', ["'cheap'"]),
    ('{"gpt-4o": {"input_per_1m": true}}', ["True"]),
    ('{"gpt-4o": {"input_per_1m": NaN}}', ["nan"]),
    ('{"gpt-4o": {"price": 1}}', ["unknown key"]),
    ('{"gpt-4o": 3}', ["must be an object"]),
    ('{"gpt-4o": {"encoding": "p50k_base"}}', ["encoding"]),
    ('{"gpt-4o": {"context_window": 0}}', ["context_window"]),
    ('[1, 2]', ["must be an object"]),
    ('{"gpt-4o": {"input_per_1m": 1,}}', ["invalid JSON", "line 1"]),
    ('/nonexistent/prices.json', ["Cannot read", "/nonexistent/prices.json"]),
])
def test_bad_overrides_give_clear_config_errors(overrides, words):
    with pytest.raises(ConfigError) as err:
        Catalog.load(overrides, today=TODAY)
    for word in words:
        assert word in err.value.said("en")
    assert " / " not in err.value.said("es")


def test_every_bad_price_is_named_at_once():
    with pytest.raises(ConfigError) as err:
        Catalog.load('{"gpt-4o": {"input_per_1m": -1, "output_per_1m": "x"}, '
                     '"gpt-4": {"cached_input_per_1m": -2}}', today=TODAY)
    text = err.value.said("es")
    assert "gpt-4o.input_per_1m" in text and "gpt-4o.output_per_1m" in text
    assert "gpt-4.cached_input_per_1m" in text


def test_non_utf8_price_file(tmp_path):
    path = tmp_path / "prices.json"
    path.write_bytes(b'{"gpt-4o": {"input_per_1m": 1}} \xff\xfe')
    with pytest.raises(ConfigError, match="UTF-8"):
        Catalog.load(str(path), today=TODAY)
