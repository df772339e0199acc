"""The Lab tab's api_names driven with gradio_client against the launched app, as a program would:
on the embedded default, and (error simulator) on an app whose Chat meets the same failures."""

import json
import math
from collections.abc import Iterator
from pathlib import Path

import openai
import pytest
from gradio_client import Client, handle_file

from chatbot.engine.llama_server import EmbeddedServer
from chatbot.lab.fault_server import FAILURES
from chatbot.sentiment.labels import DISPLAY, LABELS, UNKNOWN

from .conftest import assert_same_top, launch_app

PROMPT = "Responde con una sola palabra: ¿de qué color es el cielo?"
HEADERS = ["backend", "model", "temperature", "top_p", "max_tokens", "seed"]


@pytest.fixture
def client(app_url: str) -> Client:
    return Client(app_url, verbose=False)


def after(shaped: dict) -> list[float]:
    return shaped["after"]


@pytest.mark.model
def test_the_api_lists_every_lab_experiment(client: Client) -> None:
    names = set(client.view_api(print_info=False, return_format="dict")["named_endpoints"])
    assert {"/lab_next", "/lab_reshape", "/lab_step", "/lab_samples", "/lab_compare",
            "/lab_vote", "/lab_errors"} <= names


@pytest.mark.model
def test_next_token_probabilities_are_the_models_own(client: Client,
                                                     embedded: EmbeddedServer) -> None:
    rows, info = client.predict(PROMPT, "chat", 20, api_name="/lab_next")
    raw = openai.OpenAI(base_url=embedded.base_url, api_key="sk-no-key-required")
    resp = raw.chat.completions.create(
        model=embedded.model_name, messages=[{"role": "user", "content": PROMPT}], max_tokens=1,
        logprobs=True, top_logprobs=20)
    own = [(t.token, t.logprob) for t in resp.choices[0].logprobs.content[0].top_logprobs]
    assert len(rows) == len(own) == 20 and "20" in info
    # Two server processes (the app's and the test's), each with its own prompt cache.
    assert_same_top({r["token"]: r["p"] for r in rows}, {t: math.exp(lp) for t, lp in own},
                    head=10, abs_tol=0.02)


@pytest.mark.model
def test_reshape_identity_greedy_and_top_p(client: Client) -> None:
    rows, _ = client.predict(PROMPT, "chat", 20, api_name="/lab_next")
    probs = [r["p"] for r in rows]
    _, _, same = client.predict(rows, 1.0, 0, 1.0, api_name="/lab_reshape")
    assert after(same) == pytest.approx(probs, abs=1e-9) and all(same["kept"])
    _, _, cold = client.predict(rows, 0.01, 0, 1.0, api_name="/lab_reshape")
    assert after(cold)[0] == pytest.approx(1.0) and sum(after(cold)[1:]) < 1e-6
    _, table, half = client.predict(rows, 1.0, 0, 0.5, api_name="/lab_reshape")
    prefix = next(i for i in range(1, 21) if sum(probs[:i]) >= 0.5)
    assert half["kept"] == [True] * prefix + [False] * (20 - prefix)
    assert sum(after(half)) == pytest.approx(1.0)
    assert len(table["data"]) == 21  # removed candidates and the tail stay listed


@pytest.mark.model
def test_a_step_appends_a_candidate_and_replays_with_its_seed(app_url: str) -> None:
    one, two = Client(app_url, verbose=False), Client(app_url, verbose=False)
    text = "Érase una vez un robot que"
    first = one.predict(text, 1.2, 0, 1.0, 42, api_name="/lab_step")
    again = two.predict(text, 1.2, 0, 1.0, 42, api_name="/lab_step")
    assert first[0] == again[0] and first[0].startswith(text) and first[0] != text
    assert "semilla 42" in first[1]
    follow = one.predict(first[0], 1.2, 0, 1.0, 42, api_name="/lab_step")  # step 2: seed 43
    assert "semilla 43" in follow[1] and follow[0].startswith(first[0])


def series(chart: dict, name: str) -> dict[str, float]:
    """One series of the grouped chart (rows "token · series"), by token."""
    return {row[0].rsplit(" · ", 1)[0]: row[2] for row in chart["data"] if row[1] == name}


@pytest.mark.model
def test_samples_at_temperature_zero_give_one_answer(client: Client) -> None:
    summary, chart, answers = client.predict(PROMPT, "chat", 6, 0.0, 1.0, None, 3,
                                             api_name="/lab_samples")
    assert "**6**" in summary and "**1** distintas" in summary
    assert len(answers["data"]) == 1 and answers["data"][0][1] == 6
    observed = series(chart, "observada")
    assert list(observed.values()).count(1.0) == 1  # every first token is the likeliest one
    assert observed[next(k for k in observed if k.startswith("01. "))] == 1.0


@pytest.mark.model
def test_samples_count_sentiment_labels_beside_their_predicted_probabilities(
        client: Client) -> None:
    tweet = "El servicio fue horrible, nunca vuelvo a ese restaurante 😡"
    summary, chart, _ = client.predict(tweet, "sentiment", 4, 0.0, 1.0, None, 2,
                                       api_name="/lab_samples")
    predicted, observed = series(chart, "predicha"), series(chart, "observada")
    assert "**4**" in summary
    assert sorted(predicted) == sorted([*(DISPLAY[label] for label in LABELS), UNKNOWN])
    assert observed[DISPLAY["negative"]] == 1.0  # all four answers
    assert max(predicted, key=predicted.__getitem__) == DISPLAY["negative"]
    assert sum(predicted.values()) == pytest.approx(1.0)


@pytest.mark.model
def test_compare_streams_each_configuration_and_a_vote_is_kept(client: Client) -> None:
    table = {"headers": HEADERS, "data": [["local", "", 0, 1, 12, 1], ["local", "", 0, 1, 12, 2],
                                          ["local", "", 1.5, 1, 6, 3]]}
    board, results = client.predict(PROMPT, table, api_name="/lab_compare")
    assert [r["config"][0] for r in results] == ["A", "B", "C"]
    assert all(r["error"] is None and r["text"].strip() and r["latency_s"] > 0 for r in results)
    assert [0 < r["tokens"] <= cap for r, cap in zip(results, (12, 12, 6), strict=True)] == [True] * 3
    assert {r["cost_usd"] for r in results} <= {0, None}
    # Greedy decoding ignores the seed: A and B give the same answer.
    assert results[0]["text"] == results[1]["text"]
    assert all(r["config"] in board for r in results)
    assert "**1** votos (A: 1)" in client.predict(PROMPT, results, "A",
                                                          api_name="/lab_vote")
    saved = json.loads(Path(client.predict(api_name="/lab_votes")).read_text(encoding="utf-8"))
    assert saved["count"] == 1 and saved["votes"][0]["winner"] == "A"
    assert saved["votes"][0]["answers"] == results


@pytest.mark.model
def test_compare_with_a_bad_table_says_what_is_wrong(client: Client) -> None:
    with pytest.raises(Exception, match="configuraciones"):
        client.predict("hola", {"headers": HEADERS, "data": [["local", "", 1, 1, 8, 1]]},
                       api_name="/lab_compare")


# -- the error simulator: the same line as the Chat tab ----------------------------------------
@pytest.fixture(scope="module")
def fault_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """No model needed: a compatible backend by default, and a 3 s timeout."""
    proc, url = launch_app({"OPENAI_BASE_URL": "http://127.0.0.1:9/v1",
                            "OPENAI_API_KEY": "sk-test-not-real", "CHATBOT_TIMEOUT": "3"},
                           tmp_path_factory.mktemp("faults") / "app.log")
    yield url
    proc.terminate()
    proc.wait(timeout=20)


@pytest.mark.parametrize("failure", FAILURES)
def test_each_failure_ends_with_the_chat_tabs_message(fault_app: str, failure: str) -> None:
    client = Client(fault_app, verbose=False)
    final, timeline, url, code = client.predict(failure, api_name="/lab_errors")
    assert final.startswith("⚠️") and "intento 1" in timeline
    assert "import openai" in code or "from openai" in code
    client.predict("compatible", "", url, "gpt-4o-mini", None, api_name="/settings")
    _, _, notice = client.predict("Explícame qué es un token.", api_name="/chat")
    # A cut answer keeps its text, so the course pack's sources line may follow the message.
    assert notice.split("\n\n📚")[0] == final


# -- presets: download, upload, and a bad file --------------------------------------------------
def test_a_persona_preset_downloads_and_loads_back(fault_app: str, tmp_path: Path) -> None:
    client = Client(fault_app, verbose=False)
    saved = client.predict("Byte", "Eres un pirata.", "¡Arrr!", 0.3, 128,
                           api_name="/chat_preset_save")
    data = json.loads(Path(saved).read_text(encoding="utf-8"))
    assert data["kind"] == "persona" and data["values"]["name"] == "Byte"
    *fields, said = client.predict(handle_file(saved), api_name="/chat_preset_load")
    assert fields == ["Byte", "Eres un pirata.", "¡Arrr!", 0.3, 128] and "✅" in said
    wrong = tmp_path / "wrong.json"
    wrong.write_text('{"kind": "persona", "values": {"temperature": 9, "mood": "x"}}')
    *fields, said = client.predict(handle_file(str(wrong)), api_name="/chat_preset_load")
    assert "'temperature'=9" in said and "'mood'" in said


def test_playground_parameters_round_trip_and_a_non_json_file_is_refused(
        fault_app: str, tmp_path: Path) -> None:
    client = Client(fault_app, verbose=False)
    saved = client.predict("Sé breve.", "chat", "gpt-4o-mini", 0.2, 0.9, 2, 64, 0.1, 0.0,
                           "FIN", "7", True, 3, api_name="/playground_preset_save")
    values = json.loads(Path(saved).read_text(encoding="utf-8"))["values"]
    assert values["stop"] == ["FIN"] and values["seed"] == 7 and values["n"] == 2
    *fields, said = client.predict(handle_file(saved), api_name="/playground_preset_load")
    assert fields[-4:] == ["FIN", "7", True, 3] and "✅" in said
    junk = tmp_path / "junk.json"
    junk.write_bytes(b"not json at all")
    *_, said = client.predict(handle_file(str(junk)), api_name="/playground_preset_load")
    assert "no es JSON válido" in said
