"""Count tokens the way each backend bills them, with no network.

tiktoken would download its BPE files on first use; the `bpe-openai` package ships byte-identical
copies, which we verify against the SHA-256 tiktoken itself pins before building the encodings.
The embedded model is counted by its own server's tokenizer and chat template, so the estimate
equals the `prompt_tokens` llama.cpp reports.
"""

from __future__ import annotations

import base64
import functools
import gzip
import hashlib
import importlib.util
import json
import re
import threading
import types
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tiktoken
from tiktoken_ext import openai_public

from chatbot import jsonsafe
from chatbot.errors import ChatbotError, ConfigError, InvalidInput
from chatbot.i18n import Msg
from chatbot.messages import content_text
from chatbot.models.catalog import OFFLINE_ENCODINGS, Catalog, ModelInfo

# OpenAI cookbook, "How to count tokens with tiktoken" (gpt-3.5-turbo-0613 onwards, gpt-4o, ...).
TOKENS_PER_MESSAGE = 3
TOKENS_PER_NAME = 1
REPLY_PRIMING = 3
# o200k_base's pattern overflows the regex stack inside tiktoken (a Rust panic, not an exception)
# on blank runs of ~1M characters; runs longer than this are cut, costing at most ±1 token per cut.
SAFE_RUN = 65_536
_LONG_BLANK = re.compile(rf"\s{{{SAFE_RUN},}}")


# -- offline tiktoken ------------------------------------------------------------------------


def _bundled_file(name: str) -> Path:
    spec = importlib.util.find_spec("bpe_openai")
    if spec is None or not spec.submodule_search_locations:
        raise ConfigError.keyed("tokens.no_bpe", "tokens.pip_install")
    return Path(next(iter(spec.submodule_search_locations))) / "data" / f"{name}.tiktoken.gz"


def _offline_ranks(blobpath: str, expected_hash: str | None = None) -> dict[bytes, int]:
    """Stands in for tiktoken's `load_tiktoken_bpe`: same file, read from disk, same hash check."""
    name = blobpath.rsplit("/", 1)[-1].removesuffix(".tiktoken")
    path = _bundled_file(name)
    try:
        data = gzip.decompress(path.read_bytes())
    except (OSError, EOFError) as exc:
        raise ConfigError.keyed("tokens.cannot_read", "tokens.reinstall_bpe", path=path,
                                why=exc) from None
    if not expected_hash or hashlib.sha256(data).hexdigest() != expected_hash:
        raise ConfigError.keyed("tokens.bad_sha", "tokens.reinstall", name=path.name)
    ranks: dict[bytes, int] = {}
    for line in data.splitlines():
        if line:
            token, rank = line.split()
            ranks[base64.b64decode(token)] = int(rank)
    return ranks


_ENCODING_LOCK = threading.Lock()


def get_encoding(name: str) -> tiktoken.Encoding:
    """One load per process even when many sessions ask at once (a load takes seconds)."""
    with _ENCODING_LOCK:
        return _load_encoding(name)


def preload() -> None:
    """Load both encodings ahead of the first request, so no student waits for it."""
    for name in OFFLINE_ENCODINGS:
        get_encoding(name)


@functools.cache
def _load_encoding(name: str) -> tiktoken.Encoding:
    """tiktoken's own constructor (pattern, special tokens, pinned hash), fed from local files.

    The constructor is re-bound to globals where `load_tiktoken_bpe` is our offline loader, so
    nothing is patched and nothing can reach the network. Encodings are immutable: cached once.
    """
    if name not in OFFLINE_ENCODINGS:
        raise InvalidInput.keyed("tokens.unknown_encoding", "tokens.use_encodings",
                                 name=repr(name), encodings=", ".join(OFFLINE_ENCODINGS))
    ctor = openai_public.ENCODING_CONSTRUCTORS[name]
    offline = types.FunctionType(ctor.__code__, {**ctor.__globals__,
                                                 "load_tiktoken_bpe": _offline_ranks},
                                 ctor.__name__, ctor.__defaults__, ctor.__closure__)
    return tiktoken.Encoding(**offline())


def safe_parts(text: str) -> list[str]:
    """`text`, with pathological blank runs cut into SAFE_RUN pieces (normal text: unchanged)."""
    if len(text) < SAFE_RUN or not _LONG_BLANK.search(text):
        return [text]
    parts, start = [], 0
    for run in _LONG_BLANK.finditer(text):
        for cut in range(run.start() + SAFE_RUN, run.end(), SAFE_RUN):
            parts.append(text[start:cut])
            start = cut
    parts.append(text[start:])
    return parts


BATCH_MIN_CHARS = 64_000
BATCH_MIN_AVG_CHARS = 2_000


REPEAT_MAX_CHARS = 1_000


@functools.lru_cache(maxsize=256)  # bounded: memory stays flat in the file size
def _short_length(encoding: str, text: str) -> int:
    """Datasets repeat their system prompt (and chats their history) line after line: a short
    string is encoded once."""
    return len(get_encoding(encoding).encode_ordinary(text))


def encode_lengths(enc: tiktoken.Encoding, strings: list[str]) -> list[int]:
    """Token counts of many strings; special-token strings are plain text."""
    try:
        # tiktoken's batch costs a thread pool per call (~40 µs a string): worth it only for
        # long strings in bulk, not for a chat turn or a dataset's short messages
        total = sum(map(len, strings))
        if total > BATCH_MIN_CHARS and total > BATCH_MIN_AVG_CHARS * len(strings):
            pieces = [safe_parts(s) for s in strings]
            lengths = iter([len(t) for t in enc.encode_ordinary_batch(
                [p for ps in pieces for p in ps])])
            return [sum(next(lengths) for _ in ps) for ps in pieces]
        name = enc.name
        return [_short_length(name, s) if len(s) < REPEAT_MAX_CHARS else _long_length(enc, s)
                for s in strings]
    except BaseException as exc:  # pyo3's PanicException derives from BaseException
        if type(exc).__name__ != "PanicException":
            raise
        raise InvalidInput.keyed("tokens.pathological", "tokens.shorten_it") from None


def _long_length(enc: tiktoken.Encoding, text: str) -> int:
    return sum(len(enc.encode_ordinary(p)) for p in safe_parts(text))


def count_text(text: str, encoding: str) -> int:
    """Special-token strings such as <|endoftext|> in user text count as plain text, as OpenAI does."""
    return encode_lengths(get_encoding(encoding), [text])[0]


# -- chat messages ---------------------------------------------------------------------------


def value_text(value: Any) -> str:
    """The text OpenAI tokenizes for a message field: content blocks give their text parts,
    other structured fields (a legacy function_call) their JSON."""
    if value is None or isinstance(value, str | list):
        return content_text(value)
    return json.dumps(value, ensure_ascii=False)


def check_messages(messages: Any) -> list[dict[str, Any]]:
    """A chat as OpenAI takes it: a non-empty list of {"role", "content"} objects."""
    if isinstance(messages, Mapping) and "messages" in messages:
        messages = messages["messages"]
    if not isinstance(messages, list) or not messages:
        raise InvalidInput.keyed("tokens.chat_is_a_list", "tokens.chat_hint",
                                 example='[{"role": "user", "content": "Hola"}]')
    for i, msg in enumerate(messages):
        if not isinstance(msg, Mapping) or not isinstance(msg.get("role"), str):
            raise InvalidInput.keyed("tokens.no_role", "tokens.each_message", n=i + 1,
                                     example='{"role": "user", "content": "..."}')
    # dicts (JSON's, Gradio's) as they are: 100 MB fine-tuning files pass here line by line
    return [m if type(m) is dict else dict(m) for m in messages]


def parse_chat(text: str) -> list[dict[str, Any]] | None:
    """A chat pasted as JSON, or None when the text is not JSON at all (then it is plain text)."""
    stripped = text.strip()
    if not stripped.startswith(("[", "{")):
        return None
    try:
        data = jsonsafe.loads(stripped)
    except json.JSONDecodeError:
        return None
    return check_messages(data)


@dataclass(frozen=True)
class ChatCount:
    text_tokens: int  # every field's text, roles included (as the cookbook counts them)
    overhead_tokens: int  # 3 per message, 1 per name, 3 to prime the reply
    messages: int

    @property
    def total(self) -> int:
        return self.text_tokens + self.overhead_tokens


def message_strings(messages: Iterable[Mapping[str, Any]]) -> list[str]:
    """Every field's text, roles included, in order (plain strings, nearly all, without a call)."""
    return [v if type(v) is str else value_text(v) for msg in messages for v in msg.values()]


def chat_overhead(messages: Sequence[Mapping[str, Any]]) -> int:
    names = sum(1 for m in messages if "name" in m)
    return TOKENS_PER_MESSAGE * len(messages) + TOKENS_PER_NAME * names + REPLY_PRIMING


def count_chat(messages: Sequence[Mapping[str, Any]], encoding: str) -> ChatCount:
    text_tokens = sum(encode_lengths(get_encoding(encoding), message_strings(messages)))
    return ChatCount(text_tokens, chat_overhead(messages), len(messages))


# -- the embedded model's own tokenizer -------------------------------------------------------


class LocalTokenizer:
    """The embedded model's vocabulary and chat template, asked of its own server (`/tokenize`,
    `/apply-template`): the counts are the server's, and the GGUF is loaded only once."""

    def __init__(self, root: Callable[[], str]) -> None:
        self._root = root  # the server's root URL, once it is ready (it may still be loading)

    def _post(self, endpoint: str, body: dict[str, Any]) -> dict[str, Any]:
        request = urllib.request.Request(
            f"{self._root()}{endpoint}", data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=60) as resp:
                return json.loads(resp.read())
        except urllib.error.HTTPError as exc:
            detail = exc.read().decode(errors="replace")[:300]
            if endpoint == "/apply-template":  # the GGUF's Jinja template refused a message
                raise InvalidInput.keyed("tokens.template_refuses", detail=detail) from None
            raise ConfigError.keyed("tokens.local_failed", code=exc.code, detail=detail) from None
        except (urllib.error.URLError, OSError) as exc:
            raise ConfigError.keyed("tokens.local_unreachable", why=exc) from None

    def _tokenize(self, text: str, *, bos: bool = False, pieces: bool = False) -> list[Any]:
        tokens: list[Any] = self._post("/tokenize", {
            "content": text, "add_special": bos, "parse_special": True, "with_pieces": pieces,
        })["tokens"]
        return tokens

    def encode(self, text: str) -> list[int]:
        """As llama.cpp's server tokenizes prompts: control-token strings are parsed (special)."""
        return self._tokenize(text) if text else []

    def pieces(self, text: str) -> list[tuple[int, bytes]]:
        """(id, bytes) of each token; a piece that is not valid UTF-8 comes as a list of bytes."""
        if not text:
            return []
        return [(t["id"], t["piece"].encode() if isinstance(t["piece"], str)
                 else bytes(t["piece"])) for t in self._tokenize(text, pieces=True)]

    def render_chat(self, messages: Sequence[Mapping[str, Any]]) -> str:
        prompt: str = self._post("/apply-template", {"messages": list(messages)})["prompt"]
        return prompt

    def count_chat(self, messages: Sequence[Mapping[str, Any]]) -> int:
        """What the server bills for a chat: the rendered template, BOS if the model wants one."""
        return len(self._tokenize(self.render_chat(messages), bos=True))

    def count_prompt(self, prompt: str) -> int:
        """A legacy completion prompt: BOS (if the model wants one) plus the text."""
        return len(self._tokenize(prompt, bos=True)) if prompt else 0


def local_tokenizer(catalog: Catalog) -> LocalTokenizer:
    """The embedded model's tokenizer, when this process runs one."""
    if catalog.local_server is None:
        raise ConfigError.keyed("tokens.no_local_here")
    return LocalTokenizer(catalog.local_server)


# -- what a request will be billed for --------------------------------------------------------


@dataclass(frozen=True)
class PromptCount:
    tokens: int
    encoding: str  # the encoding actually used (may be a fallback)
    note: Msg | None = None


def count_prompt(catalog: Catalog, info: ModelInfo,
                 prompt: Sequence[Mapping[str, Any]] | str) -> PromptCount:
    """Input tokens of a chat (messages) or a legacy completion prompt (string) on `info`."""
    if info.encoding == "local":
        try:
            tok = local_tokenizer(catalog)
            n = tok.count_prompt(prompt) if isinstance(prompt, str) else tok.count_chat(prompt)
            return PromptCount(n, "local")
        except ChatbotError as exc:
            return _tiktoken_count("o200k_base", prompt, Msg("tokens.local_fallback", why=exc))
    return _tiktoken_count(info.encoding, prompt)


def _tiktoken_count(encoding: str, prompt: Sequence[Mapping[str, Any]] | str,
                    note: Msg | None = None) -> PromptCount:
    if isinstance(prompt, str):
        return PromptCount(count_text(prompt, encoding), encoding, note)
    return PromptCount(count_chat(prompt, encoding).total, encoding, note)


def count_output(catalog: Catalog, info: ModelInfo, text: str) -> int:
    """Tokens of an answer (when a backend sends no `usage`)."""
    if info.encoding == "local" and catalog.local_server is not None:
        try:
            return len(local_tokenizer(catalog).encode(text))
        except ChatbotError:
            pass
    encoding = info.encoding if info.encoding in OFFLINE_ENCODINGS else "o200k_base"
    return count_text(text, encoding)


# -- fine-tuning examples ----------------------------------------------------------------------


def example_strings(obj: Any) -> tuple[list[dict[str, Any]] | None, list[str]]:
    """A fine-tuning line: {"messages": [...]} (chat) or {"prompt", "completion"} (legacy)."""
    if isinstance(obj, Mapping) and "messages" in obj:
        messages = check_messages(obj["messages"])
        return messages, message_strings(messages)
    if isinstance(obj, Mapping) and ("prompt" in obj or "completion" in obj):
        return None, [value_text(obj.get("prompt")), value_text(obj.get("completion"))]
    raise InvalidInput.keyed("tokens.not_an_example")
