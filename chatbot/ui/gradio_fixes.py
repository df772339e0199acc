"""Three costs Gradio 6.31 pays on the server, removed at launch, one message, and a
patient start.

The costs showed up profiling 16 users at once (`bench/bench_app.py users`); none changes what
Gradio sends to a browser. The message: a REST call whose input a component cannot read (a chat
history that is a string, a table that is a number) got `{"error": null}` and a traceback in the
log; it now gets what was wrong with which input. Each fix touches Gradio's internals, so it
first checks that those are what it expects: on a Gradio that changed them, it logs a warning and
does nothing (the app loses the fix instead of failing to launch).

The start: before serving, Gradio sends its own page one HEAD request with a 3-second timeout and
gives up at the first timeout ("When localhost is not accessible, a shareable link must be
created"). On a busy laptop (a build, a class's engine, a slow Windows machine) the page answers a
little later, and the app exited instead of starting; it now waits up to `START_WAIT` seconds.
"""

from __future__ import annotations

import functools
import importlib.util
import inspect
import json
import logging
import re
import sys
import time
import types
from collections.abc import Iterator, MutableMapping
from typing import Any

import gradio
import gradio.blocks
import gradio.networking
import gradio.state_holder
import httpx

from chatbot.i18n import DEFAULT, LANGS, cli_lang, say

log = logging.getLogger(__name__)


class _CachedSignatures(types.ModuleType):
    """`inspect` as gradio.blocks sees it, except that a function's signature is computed once."""

    signature = staticmethod(functools.cache(inspect.signature))

    def __getattr__(self, name: str) -> Any:
        return getattr(inspect, name)


def apply(blocks: types.ModuleType = gradio.blocks) -> list[str]:
    """Apply the fixes that fit this Gradio; returns the names of those applied."""
    applied = []
    if _cache_signatures(blocks):
        applied.append("signature cache")
    if _remember_missing_matplotlib():
        applied.append("no matplotlib")
    if _say_which_input_is_wrong(blocks):
        applied.append("input errors")
    if _patient_start_check():
        applied.append("patient start")
    if _session_configs_on_demand():
        applied.append("session configs on demand")
    return applied


START_WAIT = 60.0  # seconds a busy machine gets to answer the app's own start-up check


def _patient_start_check(networking: types.ModuleType = gradio.networking) -> bool:
    original = getattr(networking, "url_ok", None)
    if getattr(original, "_patient", False):
        return True
    if original is None or list(inspect.signature(original).parameters) != ["url"]:
        log.warning(say(cli_lang(), "gradio_fixes.no_start_wait"))
        return False

    def url_ok(url: str) -> bool:
        """Gradio's check, retried while the page only times out (it is still coming up)."""
        deadline = time.monotonic() + START_WAIT
        while True:
            try:
                response = httpx.head(url, timeout=3, verify=False)
            except httpx.TimeoutException:
                if time.monotonic() > deadline:
                    return False
                continue
            except httpx.HTTPError:
                return original(url)
            if response.status_code < 400 or response.status_code == 401:
                return True
            return original(url)

    url_ok._patient = True  # type: ignore[attr-defined]
    setattr(networking, "url_ok", url_ok)  # noqa: B010 (mypy does not see gradio's name)
    return True


MAX_SAID = 400  # characters of Gradio's own explanation kept in the message
_KEY = re.compile(r"__i18n__(\{.*?\})")  # a label's gr.I18n key, as str() writes it


def _named(label: Any, lang: str) -> str:
    """A label as a REST caller reads it: its translation keys in words (the caller has no
    page that would translate them)."""
    return _KEY.sub(lambda m: say(lang, json.loads(m.group(1))["key"]), str(label))


def _say_which_input_is_wrong(blocks: types.ModuleType) -> bool:
    original = getattr(getattr(blocks, "Blocks", None), "preprocess_data", None)
    if original is None or not inspect.iscoroutinefunction(original):
        log.warning(say(cli_lang(), "gradio_fixes.no_input_message"))
        return False
    if getattr(original, "_says_which_input", False):
        return True

    @functools.wraps(original)
    async def preprocess_data(self: Any, block_fn: Any, inputs: list[Any], *args: Any,
                              **kwargs: Any) -> Any:
        try:
            processed = await original(self, block_fn, inputs, *args, **kwargs)
        except gradio.Error:
            raise
        except (ValueError, TypeError, KeyError, AttributeError) as exc:  # pydantic's included
            raise gradio.Error(_wrong_input(block_fn, exc, DEFAULT),
                               title=say(DEFAULT, "errors.invalid_input")) from None
        _values_have_their_type(block_fn, processed)
        return processed

    preprocess_data._says_which_input = True  # type: ignore[attr-defined]
    blocks.Blocks.preprocess_data = preprocess_data
    return True


def _expected(block: Any, value: Any) -> tuple[str, str] | None:
    """What `value` should have been for `block`, when it is not (Gradio passes a text box,
    a free dropdown or a number box whatever JSON it was sent)."""
    if isinstance(block, gradio.Dropdown | gradio.Radio) and (
            value in _choice_values(block) or (_is_number(value) and all(
                _is_number(c) for c in _choice_values(block)))):
        # One of its own choices, or a number where the choices are numbers (context sizes) or
        # come only with the session (a version picker's message index, set after the page was
        # built). A model picker's choices are names: a number there is refused.
        return None
    if isinstance(block, gradio.Textbox | gradio.Code | gradio.Dropdown | gradio.Radio) and not getattr(
            block, "multiselect", False):
        return None if isinstance(value, str | None) else ("texto", "text")
    if isinstance(block, gradio.Slider | gradio.Number):
        if isinstance(value, bool) or not isinstance(value, int | float | None):
            return "un número", "a number"
        if value is None and isinstance(block, gradio.Slider):
            return "un número", "a number"
    return None


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _choice_values(block: Any) -> list[Any]:
    """The values a dropdown or radio offers (Gradio keeps (label, value) pairs)."""
    return [c[1] if isinstance(c, tuple | list) else c for c in getattr(block, "choices", ()) or ()]


def _values_have_their_type(block_fn: Any, processed: Any) -> None:
    if not isinstance(processed, list):
        return
    for block, value in zip(getattr(block_fn, "inputs", ()), processed, strict=False):
        wanted = _expected(block, value)
        if wanted is not None:
            label = block.label or block.get_block_name()
            lang = _reader(processed)
            raise gradio.Error(say(lang, "rest.wrong_type", label=_named(label, lang),
                                   wanted=wanted[LANGS.index(lang)], got=type(value).__name__),
                               title=say(lang, "errors.invalid_input"))


def _reader(processed: list[Any]) -> str:
    """The language of the page that sent these values (its session is among them, when the
    event takes it); a REST caller without one reads the course's language."""
    return next((v.lang for v in processed if isinstance(getattr(v, "lang", None), str)),
                DEFAULT)


def _wrong_input(block_fn: Any, exc: Exception, lang: str) -> str:
    """The endpoint's inputs by label, and Gradio's own reason, shortened."""
    labels = [getattr(b, "label", None) or b.get_block_name()
              for b in getattr(block_fn, "inputs", ()) if not getattr(b, "stateful", False)]
    said = " ".join(str(exc).split())
    if len(said) > MAX_SAID:
        said = said[:MAX_SAID] + "…"
    return say(lang, "rest.wrong_shape", labels=", ".join(_named(label, lang) for label in labels),
               reason=said)


def _cache_signatures(blocks: types.ModuleType) -> bool:
    # A new session copies the page's config, calling inspect.signature on every component's
    # class: 219 blocks here, over half of the 15-16 ms each new session costs. A class's
    # signature never changes.
    current = getattr(blocks, "inspect", None)
    if isinstance(current, _CachedSignatures):
        return True
    if current is not inspect:
        log.warning(say(cli_lang(), "gradio_fixes.no_signature_cache"))
        return False
    blocks.inspect = _CachedSignatures("inspect")  # type: ignore[attr-defined]
    return True


def _remember_missing_matplotlib() -> bool:
    # Gradio imports matplotlib around every event to pin its backend; when it is absent each
    # failed import walks sys.path. Recording the absence once makes later imports fail at once.
    if "matplotlib" in sys.modules:
        return sys.modules["matplotlib"] is None
    if importlib.util.find_spec("matplotlib") is not None:
        return False
    sys.modules["matplotlib"] = None  # type: ignore[assignment]
    return True


class _ConfigsOnDemand(MutableMapping[int, Any]):
    """A session's copy of each block's config (Gradio's `SessionState.config_values`), made
    when first read. Gradio made all of them for every new session: 406 blocks here, 27 ms of
    CPU, most of it six upload buttons' JSON schemas, paid by each student's first message and
    under one GIL: 16 students' first messages at once queued ~0.4 s behind it. An event reads
    only the blocks it updates; a deep link, which reads them all, gets them all."""

    def __init__(self, state: Any, keys: list[int]) -> None:
        self._state = state
        self._order = dict.fromkeys(keys)  # Gradio's order, kept for a deep link's list
        self._made: dict[int, Any] = {}

    def __getitem__(self, key: int) -> Any:
        if key not in self._made:
            if key not in self._order:
                raise KeyError(key)
            config = self._state.blocks_config
            self._made[key] = config.config_for_block(key, [], config.blocks[key])
        return self._made[key]

    def __setitem__(self, key: int, value: Any) -> None:
        self._order.setdefault(key)
        self._made[key] = value

    def __delitem__(self, key: int) -> None:
        del self._order[key]
        self._made.pop(key, None)

    def __iter__(self) -> Iterator[int]:
        return iter(list(self._order))

    def __len__(self) -> int:
        return len(self._order)

    def __contains__(self, key: object) -> bool:
        return key in self._order


def _session_configs_on_demand(state_holder: types.ModuleType = gradio.state_holder) -> bool:
    session_state = getattr(state_holder, "SessionState", None)
    original = getattr(session_state, "__init__", None)
    if getattr(original, "_on_demand", False):
        return True
    try:
        source = inspect.getsource(original) if original else ""
    except (OSError, TypeError):
        source = ""
    # What this fix relies on: __init__ reads only these two attributes of the Blocks, and
    # fills config_values with every block's config_for_block.
    if original is None or set(re.findall(r"(?<![.\w])blocks\.(\w+)", source)) != {
            "default_config", "blocks"} or "self.config_values = {" not in source:
        log.warning(say(cli_lang(), "gradio_fixes.no_configs_on_demand"))
        return False

    @functools.wraps(original)
    def __init__(self: Any, blocks: Any) -> None:
        # Gradio's own __init__, given no blocks to make configs for, then the configs on demand.
        original(self, types.SimpleNamespace(default_config=blocks.default_config, blocks={}))
        self.config_values = _ConfigsOnDemand(
            self, [k for k in self.blocks_config.blocks if k in blocks.blocks])

    __init__._on_demand = True  # type: ignore[attr-defined]
    setattr(session_state, "__init__", __init__)  # noqa: B010 (mypy: no __init__ on instances)
    return True
