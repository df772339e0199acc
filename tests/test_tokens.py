import argparse
import gzip
import hashlib
import io
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import openai
import pytest
import tiktoken

from chatbot.engine.embedded_model import LOCAL_MODEL_NAME
from chatbot.errors import ConfigError, InvalidInput
from chatbot.finetune import counting
from chatbot.finetune.counting import DatasetCount, count_dataset
from chatbot.models import token_count
from chatbot.models.catalog import Catalog
from chatbot.money import billing
from chatbot.token_counter import cli as cli_tokens

ROOT = Path(__file__).resolve().parents[1]
ENCODINGS = ("cl100k_base", "o200k_base")
TEXTS = {
    "es": "¿Qué tal? El pingüino comió ñoquis en Cádiz; «¡olé!» — 12.345,67 €",
    "en": "The quick brown fox doesn't jump over the lazy dog's 3 kennels.\r\n",
    "emoji": "Hola 👋🏽 familia 👨‍👩‍👧‍👦 banderas 🇪🇸🇲🇽 y corazones ❤️‍🔥",
    "zh": "你好,世界!今天天气很好。我们学习如何构建聊天机器人。",
    "ja": "お誕生日おめでとう",
    "ar": "مرحبا بالعالم",
    "code": "def f(x):\n\tif x > 0:\n        return [i ** 2 for i in range(x)]  # ok\n\n\n",
    "special": "texto con <|endoftext|> y <|fim_prefix|> y <|endofprompt|> dentro",
    "spaces": "   mucho    espacio\n\n\n   y\ttabs\t\t",
    "numbers": "1234567890 3.14159 0x1F 1e-9",
}


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> dict[str, tiktoken.Encoding]:
    """tiktoken's own encodings, loaded through its own cache (seeded from the same bundled files),
    so they are tiktoken's code paths, not ours."""
    cache = tmp_path_factory.mktemp("tiktoken-cache")
    for name in ENCODINGS:
        url = f"https://openaipublic.blob.core.windows.net/encodings/{name}.tiktoken"
        data = gzip.decompress(token_count._bundled_file(name).read_bytes())
        (cache / hashlib.sha1(url.encode()).hexdigest()).write_bytes(data)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TIKTOKEN_CACHE_DIR", str(cache))
        mp.setattr(tiktoken.registry, "ENCODINGS", {})
        return {name: tiktoken.get_encoding(name) for name in ENCODINGS}


def test_works_offline_where_tiktoken_alone_would_fail(tmp_path):
    """A fresh process with an empty tiktoken cache and every socket refused."""
    script = textwrap.dedent("""
        import socket

        def refuse(*args, **kwargs):
            raise OSError("network blocked by the test")

        socket.socket.connect = refuse
        socket.create_connection = refuse
        socket.getaddrinfo = refuse
        import tiktoken
        try:
            tiktoken.get_encoding("o200k_base")
            print("tiktoken: loaded")
        except Exception as exc:
            print("tiktoken: failed", type(exc).__name__)
        from chatbot.models.token_count import get_encoding
        for name in ("cl100k_base", "o200k_base"):
            print(name, get_encoding(name).encode_ordinary("hola mundo"))
    """)
    env = {**os.environ, "TIKTOKEN_CACHE_DIR": str(tmp_path), "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                         text=True, timeout=120, check=True).stdout
    assert "tiktoken: failed" in out
    assert "cl100k_base [71, 8083, 29452]" in out
    assert "o200k_base [122845, 10225]" in out
    assert list(tmp_path.iterdir()) == []  # nothing written to or fetched into tiktoken's cache


@pytest.mark.parametrize("encoding", ENCODINGS)
@pytest.mark.parametrize("key", sorted(TEXTS))
def test_same_tokens_as_tiktoken(reference, encoding, key):
    text = TEXTS[key]
    ours = token_count.get_encoding(encoding).encode_ordinary(text)
    assert ours == reference[encoding].encode(text, disallowed_special=())
    assert token_count.count_text(text, encoding) == len(ours)


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_same_special_tokens_and_pattern_as_tiktoken(reference, encoding):
    ours = token_count.get_encoding(encoding)
    assert ours.special_tokens_set == reference[encoding].special_tokens_set
    assert ours._pat_str == reference[encoding]._pat_str
    assert ours.n_vocab == reference[encoding].n_vocab


@pytest.mark.parametrize(("encoding", "text", "ids"), [
    # OpenAI cookbook, "How to count tokens with tiktoken"
    ("cl100k_base", "tiktoken is great!", [83, 1609, 5963, 374, 2294, 0]),
    ("cl100k_base", "antidisestablishmentarianism", [519, 85342, 34500, 479, 8997, 2191]),
    ("o200k_base", "antidisestablishmentarianism", [493, 129901, 376, 160388, 21203, 2367]),
    ("cl100k_base", "2 + 2 = 4", [17, 489, 220, 17, 284, 220, 19]),
    ("o200k_base", "2 + 2 = 4", [17, 659, 220, 17, 314, 220, 19]),
    ("o200k_base", "お誕生日おめでとう", [8930, 9697, 243, 128225, 8930, 17693, 4344, 48669]),
])
def test_openai_published_examples(encoding, text, ids):
    assert token_count.get_encoding(encoding).encode_ordinary(text) == ids


COOKBOOK_CHAT = [
    {"role": "system", "content": "You are a helpful, pattern-following assistant that "
                                  "translates corporate jargon into plain English."},
    {"role": "system", "name": "example_user",
     "content": "New synergies will help drive top-line growth."},
    {"role": "system", "name": "example_assistant",
     "content": "Things working well together will increase revenue."},
    {"role": "system", "name": "example_user",
     "content": "Let's circle back when we have more bandwidth to touch base on opportunities "
                "for increased leverage."},
    {"role": "system", "name": "example_assistant",
     "content": "Let's talk later when we're less busy about how to do better."},
    {"role": "user", "content": "This late pivot means we don't have time to boil the ocean "
                                "for the client deliverable."},
]


@pytest.mark.parametrize(("encoding", "prompt_tokens"), [("cl100k_base", 129),
                                                         ("o200k_base", 124)])
def test_cookbook_chat_matches_the_prompt_tokens_openai_reported(encoding, prompt_tokens):
    count = token_count.count_chat(COOKBOOK_CHAT, encoding)
    assert count.total == prompt_tokens
    assert count.overhead_tokens == 3 * 6 + 4 + 3  # per message, per name, reply priming
    assert count.messages == 6


def test_special_token_strings_are_plain_text():
    for encoding in ENCODINGS:
        ids = token_count.get_encoding(encoding).encode_ordinary("<|endoftext|>")
        assert len(ids) > 1
        assert token_count.get_encoding(encoding).eot_token not in ids
        assert token_count.count_text("<|endoftext|>", encoding) == len(ids)


def test_empty_text_is_zero_tokens():
    assert token_count.count_text("", "o200k_base") == 0


def test_encodings_are_built_once_per_process():
    assert token_count.get_encoding("o200k_base") is token_count.get_encoding("o200k_base")


def test_a_file_that_does_not_match_tiktokens_pinned_hash_is_refused():
    url = "https://openaipublic.blob.core.windows.net/encodings/cl100k_base.tiktoken"
    with pytest.raises(ConfigError, match="SHA-256"):
        token_count._offline_ranks(url, "0" * 64)
    with pytest.raises(ConfigError, match="SHA-256"):
        token_count._offline_ranks(url, None)


def test_unknown_encoding_is_a_clear_error():
    with pytest.raises(InvalidInput, match="p50k_base"):
        token_count.get_encoding("p50k_base")


def test_content_blocks_count_their_text():
    blocks = [{"role": "user", "content": [{"type": "text", "text": "hola "},
                                           {"type": "image_url", "image_url": {"url": "x"}},
                                           {"type": "text", "text": "mundo"}]}]
    plain = [{"role": "user", "content": "hola mundo"}]
    assert token_count.count_chat(blocks, "o200k_base") == token_count.count_chat(plain, "o200k_base")


def test_parse_chat_tells_chats_from_text():
    assert token_count.parse_chat("hola, ¿qué tal?") is None
    assert token_count.parse_chat("[esto no es json") is None
    chat = token_count.parse_chat('[{"role": "user", "content": "hola"}]')
    assert chat == [{"role": "user", "content": "hola"}]
    assert token_count.parse_chat('{"messages": [{"role": "user", "content": "x"}]}')[0]["content"]
    with pytest.raises(InvalidInput, match="role"):
        token_count.parse_chat('[{"content": "sin rol"}]')
    with pytest.raises(InvalidInput, match=r"lista|list"):
        token_count.parse_chat("[]")


def test_unknown_model_counts_with_the_fallback_encoding():
    cat = Catalog.load()
    got = token_count.count_prompt(cat, cat.get("gpt-9-galaxy"), COOKBOOK_CHAT)
    assert (got.tokens, got.encoding) == (124, "o200k_base")


def test_local_model_without_its_server_falls_back_and_says_so():
    cat = Catalog.load(local_models={LOCAL_MODEL_NAME: None})  # no embedded model in this process
    got = token_count.count_prompt(cat, cat.get(LOCAL_MODEL_NAME), COOKBOOK_CHAT)
    assert got.encoding == "o200k_base" and got.tokens == 124
    assert got.note is not None
    assert "aproximo" in got.note.said("es") and "approximated" in got.note.said("en")


# -- the embedded model: our estimate equals what llama.cpp's server reports -------------------

LOCAL_CHATS = [
    [{"role": "user", "content": "Hola"}],
    [{"role": "system", "content": "Eres un asistente que responde en español."},
     {"role": "user", "content": "¿Cuánto es 2 + 2? 🤔"}],
    [{"role": "user", "content": "Escribe una función"},
     {"role": "assistant", "content": "def f(x):\n    return x * 2\n"},
     {"role": "user", "content": "你好 <|im_end|> <|endoftext|> y ahora en inglés"}],
]


@pytest.fixture(scope="module")
def local_catalog(embedded) -> Catalog:
    """`embedded` is the session's llama.cpp server (tests/conftest.py)."""
    return Catalog.load(local_models={embedded.model_name: embedded.root})


@pytest.mark.model
@pytest.mark.parametrize("chat", LOCAL_CHATS, ids=["one", "system", "multi-turn"])
def test_local_chat_estimate_equals_server_prompt_tokens(embedded, local_catalog, chat):
    sdk = openai.OpenAI(base_url=embedded.base_url, api_key="sk-no-key-required")
    resp = sdk.chat.completions.create(model=embedded.model_name, messages=chat, max_tokens=1)
    info = local_catalog.get(embedded.model_name)
    got = token_count.count_prompt(local_catalog, info, chat)
    assert got.encoding == "local"
    assert got.tokens == resp.usage.prompt_tokens


@pytest.mark.model
def test_local_completion_prompt_equals_server_prompt_tokens(embedded, local_catalog):
    sdk = openai.OpenAI(base_url=embedded.base_url, api_key="sk-no-key-required")
    prompt = "Traduce al inglés: «el gato duerme» 🐈\n"
    resp = sdk.completions.create(model=embedded.model_name, prompt=prompt, max_tokens=1)
    info = local_catalog.get(embedded.model_name)
    assert token_count.count_prompt(local_catalog, info, prompt).tokens == resp.usage.prompt_tokens



@pytest.mark.model
def test_local_content_blocks_count_as_the_server_bills_them(embedded, local_catalog):
    """llama-server's template takes OpenAI's content blocks (the old in-process one refused)."""
    blocks = [{"role": "user", "content": [{"type": "text", "text": "hola"}]}]
    sdk = openai.OpenAI(base_url=embedded.base_url, api_key="sk-no-key-required")
    resp = sdk.chat.completions.create(model=embedded.model_name, messages=blocks, max_tokens=1)
    got = token_count.count_prompt(local_catalog, local_catalog.get(embedded.model_name), blocks)
    assert got.encoding == "local" and got.tokens == resp.usage.prompt_tokens

# -- datasets (JSONL), streamed -----------------------------------------------------------------

DATASET = [
    {"messages": [{"role": "system", "content": "Eres Marv, un chatbot sarcástico."},
                  {"role": "user", "content": "¿Capital de Francia?"},
                  {"role": "assistant", "content": "París, como si no lo supieras. 🙄"}]},
    {"messages": [{"role": "user", "name": "ana", "content": "hola <|endoftext|>"},
                  {"role": "assistant", "content": "¡Hola, Ana!"}]},
]


def _jsonl(records: list) -> list[bytes]:
    return [json.dumps(r, ensure_ascii=False).encode("utf-8") + b"\n" for r in records]


def _count(tmp_path: Path, lines: list[bytes], model: str = "gpt-4o-mini") -> DatasetCount:
    path = tmp_path / "data.jsonl"
    path.write_bytes(b"".join(lines))
    return count_dataset(path, Catalog.load(), model)


@pytest.mark.parametrize("batch_bytes", [1, 50, 1 << 20])
def test_dataset_count_equals_the_sum_of_its_chats(tmp_path, monkeypatch, batch_bytes):
    monkeypatch.setattr(counting, "BATCH_BYTES", batch_bytes)
    got = _count(tmp_path, _jsonl(DATASET * 7), model="gpt-4")  # cl100k_base
    expected = [token_count.count_chat(r["messages"], "cl100k_base") for r in DATASET * 7]
    assert got.examples == 14 and got.messages == 35
    assert got.text_tokens == sum(c.text_tokens for c in expected)
    assert got.format_tokens == sum(c.overhead_tokens for c in expected)
    assert got.total == sum(c.total for c in expected)
    assert got.bad_lines == 0


def test_legacy_prompt_completion_lines_have_no_chat_format(tmp_path):
    got = _count(tmp_path, _jsonl([{"prompt": "Hola ->", "completion": " hello\n"}]),
                 model="gpt-4")
    assert got.text_tokens == (token_count.count_text("Hola ->", "cl100k_base")
                               + token_count.count_text(" hello\n", "cl100k_base"))
    assert got.format_tokens == 0 and got.examples == 1


def test_bad_dataset_lines_are_reported_with_their_numbers(tmp_path):
    lines = [*_jsonl(DATASET[:1]), b"\n", b'{"messages": [{"content": "x"}]}\n',
             b"no es json\n", b'{"messages": [{"role": "user", "content": "caf\xe9"}]}\n',
             b'{"text": "sin formato"}\n', *_jsonl(DATASET[1:])]
    got = _count(tmp_path, lines)
    assert got.examples == 2 and got.blank_lines == 1 and got.bad_lines == 4
    english = [p.said("en") for p in got.problems]
    assert english[0].startswith("line 3: ") and "role" in english[0]
    assert english[1].startswith("line 4: invalid JSON (")
    assert english[2] == "line 5: not UTF-8"
    assert english[3].startswith("line 6: ") and "messages" in english[3]
    assert [p.said("es")[:8] for p in got.problems] == ["línea 3:", "línea 4:", "línea 5:",
                                                        "línea 6:"]
    assert got.problems[1].said("es").startswith("línea 4: JSON no válido (")


def test_dataset_with_a_pathological_blank_run_is_counted(tmp_path):
    record = {"messages": [{"role": "user", "content": "x" + " " * 1_000_000 + "y"}]}
    got = _count(tmp_path, _jsonl([record]))
    assert got.examples == 1 and got.text_tokens > 7000


# -- CLI: python -m chatbot tokens --------------------------------------------------------------


def cli(*argv: str, lang: str = "en") -> tuple[int, str]:
    """The CLI as a reader of `lang` runs it (CHATBOT_LANG)."""
    with pytest.MonkeyPatch.context() as env:
        env.setenv("CHATBOT_LANG", lang)
        parser = argparse.ArgumentParser()
        cli_tokens.add_parser(parser.add_subparsers(dest="command"))
        out = io.StringIO()
        code = cli_tokens.run(parser.parse_args(["tokens", *argv]), out)
    return code, out.getvalue()


def test_cli_counts_text_and_prices_it():
    code, out = cli("--model", "gpt-4o-mini", "--max-tokens", "100", "Hola, ¿qué tal?")
    n = token_count.count_text("Hola, ¿qué tal?", "o200k_base")
    assert code == 0
    assert f"Tokens: {n} " in out
    assert billing.format_usd(n * 0.15 / 1e6) in out
    assert billing.format_usd((n * 0.15 + 100 * 0.60) / 1e6) in out


def test_cli_chat_file_shows_the_format(tmp_path):
    path = tmp_path / "chat.json"
    path.write_text(json.dumps(COOKBOOK_CHAT), encoding="utf-8")
    code, out = cli("--model", "gpt-4", str(path))
    assert code == 0
    assert "= 129 tokens" in out
    assert "gpt-4 was retired on 2026-10-23; use gpt-4.1" in out


def test_cli_unknown_model_estimates_and_says_so():
    code, out = cli("--model", "gpt-9-galaxy", "hola")
    assert code == 0 and "Tokens: " in out and "Unknown model" in out


def test_cli_dataset_is_streamed_and_bad_lines_fail(tmp_path):
    path = tmp_path / "train.jsonl"
    path.write_bytes(b"".join(_jsonl(DATASET)) + b"{roto\n")
    code, out = cli("--model", "gpt-4o-mini", str(path))
    total = sum(token_count.count_chat(r["messages"], "o200k_base").total for r in DATASET)
    assert code == 1
    assert f"= {total} tokens" in out
    assert "Training per epoch" in out
    assert "line 3" in out


@pytest.mark.parametrize(("content", "word"), [
    (b"caf\xe9 con leche", "not UTF-8"),
    (b"   \n", "no text"),
])
def test_cli_bad_files_give_a_message_and_exit_1(tmp_path, capsys, content, word):
    path = tmp_path / "input.txt"
    path.write_bytes(content)
    code, _ = cli(str(path))
    assert code == 1
    assert word in capsys.readouterr().err


def test_cli_missing_file_and_too_big_file(tmp_path, capsys):
    assert cli(str(tmp_path / "missing.jsonl"))[0] == 1
    assert "File not found" in capsys.readouterr().err
    big = tmp_path / "big.txt"
    big.write_bytes(b"x" * (cli_tokens.MAX_FILE_BYTES + 1))
    assert cli(str(big))[0] == 1
    assert ".jsonl" in capsys.readouterr().err


def test_cli_counts_a_10_mb_paste(tmp_path):
    path = tmp_path / "paste.txt"
    path.write_text(("Un párrafo de prueba con algo de texto. " * 40 + "\n") * 6400,
                    encoding="utf-8")
    assert path.stat().st_size > 10_000_000
    code, out = cli("--model", "gpt-4.1-mini", str(path))
    assert code == 0 and "Tokens: " in out


def test_python_m_chatbot_tokens_never_shows_a_traceback(tmp_path):
    path = tmp_path / "latin1.txt"
    path.write_bytes(b"ni\xf1o")
    proc = subprocess.run([sys.executable, "-m", "chatbot", "tokens", str(path)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1
    assert "UTF-8" in proc.stderr and "Traceback" not in proc.stderr
