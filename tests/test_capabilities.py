import json
from datetime import date

import pytest

from chatbot.client import ChatParams
from chatbot.client.capability_book import learn, merge_probe
from chatbot.client.request import build_request
from chatbot.models.capabilities import FEATURES, control_states
from chatbot.models.catalog import DATA_FILE, Catalog

TODAY = date(2026, 12, 1)


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return Catalog.load(today=TODAY)


def test_data_names_its_source_and_date_and_every_family_is_complete():
    raw = json.loads(DATA_FILE.read_text(encoding="utf-8"))["capabilities"]
    assert any("reasoning" in url for url in raw["source"])
    date.fromisoformat(raw["as_of"])
    for name, profile in raw["profiles"].items():
        assert set(profile["takes"]) <= set(FEATURES), name
        assert profile["token_limit"] in ("max_tokens", "max_completion_tokens"), name
        if profile["reasoning"]:
            assert profile["default_effort"] in profile["efforts"], name
    assert set(raw["families"].values()) <= set(raw["profiles"])


@pytest.mark.parametrize(("model", "reasoning", "limit"), [
    ("gpt-4o-mini", False, "max_tokens"),
    ("gpt-4o-2024-08-06", False, "max_tokens"),
    ("gpt-4.1-nano", False, "max_tokens"),
    ("davinci-002", False, "max_tokens"),
    ("gpt-5-mini", True, "max_completion_tokens"),
    ("gpt-5.1-2025-11-13", True, "max_completion_tokens"),
    ("gpt-5.6-luna", True, "max_completion_tokens"),
    ("gpt-6-sol", True, "max_completion_tokens"),
    ("o3-mini", True, "max_completion_tokens"),
])
def test_families_by_prefix(catalog, model, reasoning, limit):
    caps = catalog.capabilities(model)
    assert caps.reasoning is reasoning
    assert caps.token_limit == limit
    assert caps.source == "catalog"
    assert ("temperature" in caps.takes) is not reasoning


def test_longest_prefix_wins_gpt_5_1_has_effort_none_gpt_5_has_not(catalog):
    assert "none" in catalog.capabilities("gpt-5.1").efforts
    assert "none" not in catalog.capabilities("gpt-5").efforts
    assert "minimal" in catalog.capabilities("gpt-5-nano").efforts


def test_fine_tuned_model_inherits_its_base(catalog):
    tuned = catalog.capabilities("ft:gpt-4o-mini:org:course:abc123")
    base = catalog.capabilities("gpt-4o-mini")
    assert tuned.takes == base.takes and tuned.token_limit == base.token_limit
    assert tuned.model == "ft:gpt-4o-mini:org:course:abc123"


@pytest.mark.parametrize("name", ["", "mistral-7b", "ft:", "ft:::", "gpt-", "o"])
def test_unknown_names_never_raise_and_take_everything(catalog, name):
    caps = catalog.capabilities(name)
    assert caps.source == "guess"
    assert caps.takes == frozenset(FEATURES)


def test_embedded_model_is_known_not_guessed(catalog):
    local = next(n for n in catalog.names() if catalog.get(n).provider == "local")
    caps = catalog.capabilities(local)
    assert caps.source == "embedded" and caps.takes == frozenset(FEATURES)


def test_reasoning_model_gets_max_completion_tokens_and_a_note_per_refused_setting(catalog):
    params = ChatParams("gpt-5.6-luna", temperature=0.2, top_p=1, max_tokens=128,
                        frequency_penalty=0.5, presence_penalty=0, stop=("END",), seed=7,
                        logprobs=True, top_logprobs=5, n=2)
    applied = build_request(params, catalog.capabilities("gpt-5.6-luna"))
    assert applied.body == {"model": "gpt-5.6-luna", "max_completion_tokens": 128, "n": 2,
                            "seed": 7}
    notes = "\n".join(n.said("en") for n in applied.notes)
    assert ("temperature 0.2 not applied: gpt-5.6-luna samples only at 1 unless reasoning "
            "effort is none.") in notes
    assert ("temperature 0.2 no aplicado: gpt-5.6-luna solo muestrea a 1 salvo con reasoning "
            "effort none.") in "\n".join(n.said("es") for n in applied.notes)
    assert " / " not in notes
    assert "frequency_penalty 0.5 not applied" in notes
    assert "presence_penalty" not in notes  # left at its default: nothing was lost
    assert "logprobs not applied" in notes and "stop ['END'] not applied" in notes
    assert len(applied.notes) == 4


def test_defaults_are_dropped_silently(catalog):
    params = ChatParams("gpt-5.6-luna", temperature=1, top_p=1, frequency_penalty=0,
                        presence_penalty=0, max_tokens=64)
    applied = build_request(params, catalog.capabilities("gpt-5.6-luna"))
    assert applied.notes == ()
    assert "temperature" not in applied.body and "max_tokens" not in applied.body


def test_effort_none_brings_sampling_back_but_not_stop(catalog):
    params = ChatParams("gpt-5.6-luna", temperature=0.2, logprobs=True, top_logprobs=3,
                        stop=("x",), reasoning_effort="none", max_tokens=10)
    applied = build_request(params, catalog.capabilities("gpt-5.6-luna"))
    assert applied.body["temperature"] == 0.2 and applied.body["top_logprobs"] == 3
    assert applied.body["reasoning_effort"] == "none"
    assert "stop" not in applied.body
    assert len(applied.notes) == 1 and "stop" in applied.notes[0].said("en")


def test_effort_the_model_lacks_or_a_sampling_model_is_named_not_sent(catalog):
    luna = build_request(ChatParams("gpt-5.6-luna", reasoning_effort="minimal"),
                 catalog.capabilities("gpt-5.6-luna"))
    assert "reasoning_effort" not in luna.body
    assert "takes none, low, medium, high, xhigh" in luna.notes[0].said("en")
    mini = build_request(ChatParams("gpt-4o-mini", reasoning_effort="high"),
                 catalog.capabilities("gpt-4o-mini"))
    assert "reasoning_effort" not in mini.body and "not a reasoning model" in mini.notes[0].said("en")


def test_sampling_model_gets_everything_it_was_given(catalog):
    params = ChatParams("gpt-4o-mini", temperature=0.2, max_tokens=5, logprobs=True,
                        top_logprobs=2, stop=("a",), seed=1,
                        response_format={"type": "json_object"})
    applied = build_request(params, catalog.capabilities("gpt-4o-mini"))
    assert applied.body == {**params.sdk_kwargs()} and applied.notes == ()


def test_legacy_completions_keep_max_tokens_and_a_numeric_logprobs(catalog):
    params = ChatParams("davinci-002", max_tokens=5, logprobs=True, top_logprobs=3)
    body = build_request(params, catalog.capabilities("davinci-002"), legacy=True).body
    assert body["max_tokens"] == 5 and body["logprobs"] == 3 and "top_logprobs" not in body


def test_learning_from_a_refusal(catalog):
    caps = catalog.capabilities("gpt-4o-mini")
    learned = learn(caps, "temperature")
    assert learned is not None and "temperature" not in learned.takes_at(None)
    assert learn(learned, "temperature") is None  # already known: retrying would not help
    note = build_request(ChatParams("gpt-4o-mini", temperature=0.3), learned).notes[0]
    assert "the server refused it" in note.said("en")
    assert "el servidor lo rechazó" in note.said("es")
    assert learn(caps, "max_tokens").token_limit == "max_completion_tokens"
    assert learn(catalog.capabilities("gpt-5"), "max_completion_tokens").token_limit == \
        "max_tokens"
    assert learn(caps, "messages") is None
    assert learn(catalog.capabilities("gpt-5"), "reasoning_effort").reasoning is False


def test_control_states_say_why_each_control_is_off(catalog):
    luna = catalog.capabilities("gpt-5.6-luna")
    off = control_states(luna, None)
    assert set(off) == {"temperature", "top_p", "logprobs", "penalties", "stop"}
    assert "unless reasoning effort is none" in off["temperature"].said("en")
    assert set(control_states(luna, "none")) == {"stop"}
    assert control_states(catalog.capabilities("gpt-4o-mini"), None) == {}


def test_a_probe_replaces_the_guess_for_what_it_tried(catalog):
    guess = catalog.capabilities("my-llama")
    probed = merge_probe(guess, {"stop", "logprobs"})
    assert probed.source == "probe"
    assert probed.takes == {"temperature", "top_p", "penalties", "stop", "logprobs"}
    assert "probed on this server" in control_states(probed, None)["seed"].said("en")
