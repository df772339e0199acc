"""The chat engine serves a Q8_0 copy of the bundled model (faster for a class, docs/engine.md);
the embeddings engine keeps the original file, which the Sentiment classifier was fitted on."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path

from chatbot.engine.finding import EngineLocator
from chatbot.engine.llama_server import EmbeddedServer, ServerConfig, assemble_model, server_env
from chatbot.engine.requantize import q8_copy, q8_path, quantize_tool

from .conftest import CACHE_DIR


def served_file(server: EmbeddedServer) -> str:
    with urllib.request.urlopen(f"{server.root_url}/props", timeout=10) as resp:
        return str(json.load(resp)["model_path"])


def test_the_chat_engine_serves_a_q8_copy_of_the_bundled_model(embedded: EmbeddedServer) -> None:
    source = assemble_model(CACHE_DIR)
    assert served_file(embedded) == str(q8_path(source))
    with q8_path(source).open("rb") as fh:
        assert fh.read(4) == b"GGUF"
    assert q8_path(source).stat().st_size > source.stat().st_size  # 8 bits a weight, not ~5


def test_the_embeddings_engine_keeps_the_original_file() -> None:
    binary = EngineLocator(CACHE_DIR).find_binary()
    assert binary is not None and quantize_tool(binary) is not None
    chat = EmbeddedServer(ServerConfig(model_path=None, cache_dir=CACHE_DIR))
    vectors = EmbeddedServer(ServerConfig(model_path=None, cache_dir=CACHE_DIR, embeddings=True))
    source = assemble_model(CACHE_DIR)
    assert chat._bundled(binary) == q8_path(source)
    assert vectors._bundled(binary) == source


def test_without_llama_quantize_the_original_is_served(tmp_path: Path) -> None:
    source = tmp_path / "model.gguf"
    source.write_bytes(b"GGUF")
    lone = tmp_path / "bin" / "llama-server"  # a binary set by hand, with no tools beside it
    assert q8_copy(source, lone, server_env(), 1) == source
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.gguf"]


def test_a_failed_conversion_leaves_nothing_behind(tmp_path: Path) -> None:
    binary = EngineLocator(CACHE_DIR).find_binary()
    assert binary is not None
    source = tmp_path / "model.gguf"
    source.write_bytes(b"not a model at all")  # llama-quantize refuses it
    assert q8_copy(source, binary, server_env(), 1) == source
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.gguf"]
