"""A class on one public Space, tried from outside as visitors would: the app launched in hosted
mode with the host's key on an OpenAI-like fake, driven by several gradio_client sessions at
once. Money is counted at the fake (what OpenAI would bill), not by the app."""

from __future__ import annotations

import random
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

import pytest
from gradio_client import Client, handle_file

from chatbot.i18n import say
from chatbot.models.catalog import Catalog
from chatbot.money import billing
from tests.conftest import launch_app
from tests.fakes.openai_server import FakeOpenAI

HOST_KEY = "sk-host-secret-0001"
MODEL = "gpt-4o"
LONG = " ".join(["palabra"] * 150)  # echoed back and cut at max_tokens: costs near its worst case
MAX_TOKENS = 100


Launch = Callable[..., tuple[str, Path]]
PIDS: dict[str, int] = {}  # each launched app's process, by its URL


@pytest.fixture(scope="module")
def launch(module_fake: FakeOpenAI, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Launch]:
    """Start the app as a Space would, with the host's key and caps; stopped at the end."""
    procs = []

    def start(**env: str) -> tuple[str, Path]:
        base = tmp_path_factory.mktemp("hosted")
        (base / "tmp").mkdir()
        full = {"CHATBOT_HOSTED": "1", "OPENAI_API_KEY": HOST_KEY,
                "OPENAI_BASE_URL": module_fake.base_url, "CHATBOT_MODEL": MODEL,
                "CHATBOT_DB": str(base / "lab.sqlite3"), "GRADIO_TEMP_DIR": str(base / "gradio"),
                "TMPDIR": str(base / "tmp"), "OPENAI_ORG_ID": "org-host-only",
                "CHATBOT_MAX_RETRIES": "0", **env}
        proc, url = launch_app(full, base / "app.log")
        procs.append(proc)
        PIDS[url] = proc.pid
        return url, base

    yield start
    for proc in procs:
        proc.terminate()
        proc.wait(timeout=30)


def spent_at(module_fake: FakeOpenAI, since: int = 0) -> float:
    """What the fake answered, priced as OpenAI prices it."""
    catalog = Catalog.load()
    return sum(billing.cost(catalog, model, p, c) or 0.0 for model, p, c in module_fake.billed[since:])


def ask(client: Client) -> str:
    """One Playground call on the session's backend; the error text when it is refused."""
    try:
        _, usage, _, _ = client.predict(LONG, "", "chat", "", 1, 1, 1, MAX_TOKENS, 0, 0, "", "",
                                        False, 0, api_name="/playground")
    except Exception as exc:  # gradio_client raises AppError with the app's message
        return str(exc)
    return usage


def one_worst_case() -> float:
    """What hosted mode holds for one call: the prompt at one token per byte, 100 answer tokens."""
    est = billing.estimate(Catalog.load(), MODEL, [{"role": "user", "content": LONG}], MAX_TOKENS)
    assert est.hold_usd
    return est.hold_usd


def admitted(limit: float, calls: int, each: float) -> int:
    """Calls made one after another that fit under `limit`: each holds the worst case and
    settles at `each`, what the fake bills for it."""
    hold = one_worst_case()
    return min(calls, 1 + int((limit - hold) / each + 1e-9)) if limit >= hold else 0


def test_clearing_or_raising_the_budget_does_not_lift_the_ceiling(launch: Launch,
                                                                   module_fake: FakeOpenAI) -> None:
    ceiling = 1.5 * one_worst_case()
    url, _ = launch(CHATBOT_BUDGET_USD=str(ceiling), CHATBOT_DAILY_BUDGET_USD="10")
    visitor = Client(url, verbose=False)
    status, _ = visitor.predict("compatible", "", "", "", None, api_name="/settings")
    assert "Modo alojado" in status and billing.format_usd(ceiling) in status  # cleared: ceiling
    assert module_fake.base_url not in status  # the host's server is not shown to visitors
    status, _ = visitor.predict("compatible", "", "", "", 1000.0, api_name="/settings")
    assert billing.format_usd(ceiling) in status  # raised: still the ceiling
    before = len(module_fake.billed)
    answers = [ask(visitor) for _ in range(5)]
    each = spent_at(module_fake, before) / max(1, len(module_fake.billed) - before)
    assert spent_at(module_fake, before) <= ceiling
    assert len(module_fake.billed) - before == admitted(ceiling, 5, each) < 5
    assert sum("el límite de esta sesión" in a for a in answers) == 5 - admitted(ceiling, 5, each)


def test_twenty_rest_calls_stay_within_the_daily_cap(launch: Launch, module_fake: FakeOpenAI) -> None:
    daily = 2.5 * one_worst_case()
    url, _ = launch(CHATBOT_DAILY_BUDGET_USD=str(daily))
    before = len(module_fake.billed)
    answers = [ask(Client(url, verbose=False)) for _ in range(20)]  # a new session each time
    each = spent_at(module_fake, before) / max(1, len(module_fake.billed) - before)
    assert spent_at(module_fake, before) <= daily
    refused = [a for a in answers if "el límite diario del anfitrión" in a]
    assert len(module_fake.billed) - before == admitted(daily, 20, each) == 20 - len(refused) < 20


def test_eight_concurrent_calls_in_one_session_stay_within_the_daily_cap(
        launch: Launch, module_fake: FakeOpenAI) -> None:
    daily = 3.5 * one_worst_case()
    url, _ = launch(CHATBOT_DAILY_BUDGET_USD=str(daily))
    visitor = Client(url, verbose=False)
    module_fake.latency = 0.5  # all eight are in flight together
    before = len(module_fake.billed)
    try:
        with ThreadPoolExecutor(8) as pool:
            answers = list(pool.map(lambda _: ask(visitor), range(8)))
    finally:
        module_fake.latency = 0.0
    assert spent_at(module_fake, before) <= daily
    assert len(module_fake.billed) - before == 3
    assert sum("el límite diario del anfitrión" in a for a in answers) == 5


@pytest.fixture(scope="module")
def hosted(launch: Launch, module_fake: FakeOpenAI) -> tuple[str, Path]:
    """One hosted app for the policy checks; the fake is also on the host's allow-list."""
    return launch(CHATBOT_DAILY_BUDGET_USD="10", CHATBOT_ALLOWED_BASE_URLS=module_fake.base_url)


@pytest.fixture
def hosted_url(hosted: tuple[str, Path]) -> str:
    return hosted[0]


@pytest.mark.parametrize("typed", ["http://127.0.0.1:8080/v1", "http://169.254.169.254/latest",
                                   "http://localhost:11434/v1"])
def test_a_typed_local_base_url_is_refused(hosted_url: str, module_fake: FakeOpenAI, typed: str) -> None:
    visitor = Client(hosted_url, verbose=False)
    with pytest.raises(Exception, match="CHATBOT_ALLOWED_BASE_URLS"):
        visitor.predict("compatible", "sk-visitor-0002", typed, "", None, api_name="/settings")


def test_a_visitor_url_gets_no_host_headers_and_openai_means_openai(hosted_url: str,
                                                                   module_fake: FakeOpenAI) -> None:
    visitor = Client(hosted_url, verbose=False)
    visitor.predict("compatible", "sk-visitor-0003", module_fake.base_url, "", None,
                    api_name="/settings")
    before = len(module_fake.requests)
    assert " entrada · " in ask(visitor)
    sent = module_fake.requests[before:]
    assert sent and all("openai-organization" not in r.headers for r in sent)
    assert all(r.key_last4 == "0003" for r in sent)
    host = Client(hosted_url, verbose=False)
    assert " entrada · " in ask(host)
    assert module_fake.requests[-1].headers.get("openai-organization") == "org-host-only"
    assert module_fake.requests[-1].key_last4 == HOST_KEY[-4:]
    # "OpenAI" with a pasted key goes to OpenAI, never to the host's OPENAI_BASE_URL.
    visitor.predict("openai", "sk-visitor-0004", "", "", None, api_name="/settings")
    before = len(module_fake.requests)
    code = visitor.predict(LONG, "", "chat", "", 1, 1, 1, 8, 0, 0, "", "", False, 0,
                           api_name="/playground_code")
    assert module_fake.base_url not in str(code)
    assert len(module_fake.requests) == before


@pytest.mark.parametrize("api, args", [("/ft_list", ()), ("/ft_cancel", ("ftjob-anything",)),
                                       ("/ft_status", ("ftjob-anything",))])
def test_fine_tuning_on_the_host_key_is_refused(hosted_url: str, module_fake: FakeOpenAI, api: str,
                                                args: tuple[str, ...]) -> None:
    before = len(module_fake.requests)
    with pytest.raises(Exception, match="tu propia clave de OpenAI"):
        Client(hosted_url, verbose=False).predict(*args, api_name=api)
    assert len(module_fake.requests) == before


def test_a_session_sees_and_acts_on_only_its_own_jobs(hosted_url: str, module_fake: FakeOpenAI) -> None:
    data = Path(__file__).parent / "data" / "finetune" / "chat_valid.jsonl"
    alice, bob = Client(hosted_url, verbose=False), Client(hosted_url, verbose=False)
    for who, key in ((alice, "sk-alice-0005"), (bob, "sk-bob-00006")):
        who.predict("compatible", key, module_fake.base_url, "", None, api_name="/settings")
    job_id, _ = alice.predict(handle_file(data), None, "gpt-4o-mini", "alice", None, None,
                              None, None, True, api_name="/ft_create")
    assert [row[0] for row in alice.predict(api_name="/ft_list")["data"]] == [job_id]
    assert bob.predict(api_name="/ft_list")["data"] == []
    with pytest.raises(Exception, match="no es un trabajo de esta sesión"):
        bob.predict(job_id, api_name="/ft_cancel")
    assert not module_fake.requests_to(f"/v1/fine_tuning/jobs/{job_id}/cancel")


def test_two_sessions_uploading_the_same_file_keep_their_outputs_apart(
        hosted: tuple[str, Path], tmp_path: Path) -> None:
    url, base = hosted
    upload = tmp_path / "faq.csv"
    upload.write_text("question,answer\n" + "".join(f"q{i},a{i}\n" for i in range(12)))
    for name in ("alice", "bob"):
        client = Client(url, verbose=False)
        _, files = client.predict(handle_file(upload), f"secret prompt of {name}", "chat", [],
                                  0, 42, "", "", "gpt-4o-mini", api_name="/ft_prepare")
        text = Path(files[0]).read_text()
        assert f"secret prompt of {name}" in text
        assert name == "alice" or "secret prompt of alice" not in text
    # Both uploads share Gradio's folder (named by content): nothing was written beside them.
    shared = {p.parent for p in (base / "gradio").rglob("faq.csv")}
    assert shared and all(not list(folder.glob("*prepared*")) for folder in shared)
    # Each request wrote in its own folder, and Gradio does not serve those folders.
    written = sorted((base / "tmp" / "chatbot-lab-outputs").glob("*/faq_prepared*"))
    assert len(written) == 2 and written[0].parent != written[1].parent
    for path in written:
        with pytest.raises(urllib.error.HTTPError) as err:
            urllib.request.urlopen(f"{url.rstrip('/')}/gradio_api/file={path}", timeout=10)
        assert err.value.code == 403


def test_an_upload_over_the_limit_is_refused_with_the_limit(launch: Launch,
                                                            tmp_path: Path) -> None:
    url, _ = launch(CHATBOT_MAX_UPLOAD_MB="1")
    big = tmp_path / "big.jsonl"
    big.write_text('{"messages": []}\n' * 120_000)  # about 2 MB
    with pytest.raises(ValueError, match="maximum file size of 1048576 bytes"):
        Client(url, verbose=False).predict(handle_file(big), "gpt-4o-mini", None,
                                           api_name="/ft_validate")
    # The server enforces it too, for a client that does not check first.
    boundary = "lab-boundary"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; "
            f"filename=\"big.jsonl\"\r\n\r\n").encode() + big.read_bytes() + \
        f"\r\n--{boundary}--\r\n".encode()
    request = urllib.request.Request(f"{url.rstrip('/')}/gradio_api/upload", data=body,
                                     headers={"Content-Type": "multipart/form-data; "
                                                              f"boundary={boundary}"})
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(request, timeout=30)
    assert err.value.code == 413


def test_queue_size_and_concurrency_are_the_settings(launch: Launch, module_fake: FakeOpenAI) -> None:
    # The Playground waits on a remote server here: its line is CHATBOT_REMOTE_CONCURRENCY.
    url, _ = launch(CHATBOT_QUEUE_SIZE="1", CHATBOT_CONCURRENCY="1",
                    CHATBOT_REMOTE_CONCURRENCY="1", CHATBOT_DAILY_BUDGET_USD="10")
    module_fake.reset()
    gate = module_fake.hold(2)  # never reached with one run at a time: the test opens it
    try:
        with ThreadPoolExecutor(4) as pool:
            pending = [pool.submit(lambda: ask(Client(url, verbose=False))) for _ in range(4)]
            assert gate.wait_waiting(1)  # one run is at the model, held there
            for done, _ in enumerate(as_completed(pending), start=1):
                if done == 2:  # the two the full queue turned away: let the held run go
                    gate.open()
            answers = [future.result() for future in pending]
    finally:
        gate.open()
        module_fake.gate = None
    assert module_fake.peak_in_flight == 1  # one Playground run at a time
    assert any("queue" in a.lower() and "full" in a.lower() for a in answers), answers
    assert any(" entrada · " in a for a in answers)


def test_openai_without_a_key_of_ones_own_does_not_borrow_the_hosts(hosted_url: str,
                                                                    module_fake: FakeOpenAI) -> None:
    """The host's key belongs to its base URL (the fake here); "OpenAI" never gets it."""
    with pytest.raises(Exception, match="Pega tu clave de OpenAI"):
        Client(hosted_url, verbose=False).predict("openai", "", "", "", None,
                                                  api_name="/settings")


# -- second pass (issue 23): what a hostile visitor found the first pass did not cover ----------


def test_view_code_reads_the_hosts_url_from_the_environment(hosted_url: str,
                                                            module_fake: FakeOpenAI) -> None:
    code = Client(hosted_url, verbose=False).predict(
        "hola", "", "chat", "", 1, 1, 1, 8, 0, 0, "", "", False, 0, api_name="/playground_code")
    assert 'base_url=os.environ["OPENAI_BASE_URL"]' in code
    assert module_fake.base_url not in code and module_fake.base_url.split("//")[1] not in code


def test_one_visitor_flooding_the_error_simulator_leaves_the_others_served(
        launch: Launch) -> None:
    """The audit: 72 "timeout" simulations held every worker for 60 s and filled the queue, so
    every other visitor got "Queue is full", Tokens included."""
    url, _ = launch(CHATBOT_DAILY_BUDGET_USD="1")
    flooder, student = Client(url, verbose=False), Client(url, verbose=False)
    start = time.monotonic()
    student.predict("hola, clase", "o200k_base", api_name="/tokens")
    calm = time.monotonic() - start
    jobs = [flooder.submit("timeout", api_name="/lab_errors") for _ in range(72)]
    time.sleep(1.0)  # the flood is queued or running
    start = time.monotonic()
    counted = student.predict("hola, clase", "o200k_base", api_name="/tokens")
    waited = time.monotonic() - start
    print(f"\nTokens answered another visitor in {waited:.2f} s during a 72-call flood "
          f"({calm:.2f} s before it)")
    assert "o200k_base" in str(counted)
    said = []
    for job in jobs:
        try:
            said.append(str(job.result(timeout=120)[0]))
        except Exception as exc:  # the app's message, as gradio_client raises it
            said.append(str(exc))
    refused = [s for s in said if "el máximo por sesión es 1" in s]
    assert len(refused) >= 60, said[:3]
    assert any("no respondió en 3 s" in s for s in said)


def test_fifteen_votes_on_megabyte_prompts_leave_little_on_disk(launch: Launch) -> None:
    """The audit: every vote rewrote the whole list to a new folder: 15 votes, 240 MB."""
    url, base = launch(CHATBOT_DAILY_BUDGET_USD="1")
    visitor = Client(url, verbose=False)
    results = [{"config": "A · local", "text": "uno"}, {"config": "B · local", "text": "dos"}]
    for i in range(15):
        prompt = f"{i} " + "".join(random.choices("abcdefghij ", k=1_000_000))
        said = visitor.predict(prompt, results, "A", api_name="/lab_vote")
        assert f"**{i + 1}** votos" in said
    saved = Path(visitor.predict(api_name="/lab_votes"))
    assert '"count": 15' in saved.read_text(encoding="utf-8")
    used = sum(p.stat().st_size for p in base.rglob("*") if p.is_file()
               and p.suffix != ".sqlite3" and p.name != "app.log")
    print(f"\n15 votes with 1 MB prompts left {used / 1e6:.2f} MB on disk")
    assert used <= 30_000_000


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


def test_ten_visitors_with_five_megabyte_pools_keep_memory_bounded(launch: Launch,
                                                                   tmp_path: Path) -> None:
    """The audit: ten 4.9 MB pools kept for the life of the process grew RSS by 352 MB."""
    url, _ = launch(CHATBOT_DAILY_BUDGET_USD="1")
    words = ["hoy", "llueve", "clase", "genial", "odio", "lunes", "tren", "tarde", "nuevo",
             "curso", "amigos", "fatal", "bien", "música", "viernes", "examen"]
    labels = ["positive", "neutral", "negative"]
    Client(url, verbose=False).predict(None, api_name="/load_pool")  # warm the handler
    before = rss_mb(PIDS[url])
    for i in range(10):
        rng = random.Random(i)
        rows = ["text,label"]
        size = 0
        while size < 5_000_000:
            row = " ".join(rng.choices(words, k=12)) + f" {rng.random():.6f}," + labels[
                len(rows) % 3]
            rows.append(row)
            size += len(row) + 1
        path = tmp_path / f"pool{i}.csv"
        path.write_text("\n".join(rows) + "\n", encoding="utf-8")
        line = Client(url, verbose=False).predict(handle_file(path), api_name="/load_pool")
        assert "tweets" in line
    grown = rss_mb(PIDS[url]) - before
    print(f"\nTen 5 MB pools from ten visitors grew RSS by {grown:.0f} MB")
    # Measured 136-155 MB from run to run (the allocator keeps freed pages); unbounded, the audit
    # saw 352 MB.
    assert grown <= 200


def test_listening_on_the_lan_outside_hosted_mode_says_so_at_start(launch: Launch) -> None:
    _, base = launch(CHATBOT_HOSTED="0", GRADIO_SERVER_NAME="0.0.0.0", CHATBOT_LANG="en")
    log = (base / "app.log").read_text(errors="replace")
    assert say("en", "settings.public_listener", host="0.0.0.0").split(":")[0] in log  # the host's
    assert HOST_KEY not in log
