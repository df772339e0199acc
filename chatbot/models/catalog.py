"""What each model costs and which tokenizer it uses, read from `data/models.json`.

Prices change more often than code, so they live in a data file (with its source and date) that
settings can override; a model the file does not know still gets a usable guess, never an error.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

import tiktoken

from chatbot.engine.embedded_model import LOCAL_MODEL_NAME
from chatbot.errors import ConfigError
from chatbot.i18n import Msg
from chatbot.models.capabilities import Capabilities, CapabilityTable

DATA_FILE = Path(__file__).resolve().parent.parent / "data" / "models.json"
OFFLINE_ENCODINGS = ("o200k_base", "cl100k_base")
FALLBACK_ENCODING = "o200k_base"
PRICE_KEYS = ("input_per_1m", "cached_input_per_1m", "output_per_1m", "training_per_1m")
MAX_PRICE_PER_1M = 1000.0  # o1-pro, the dearest model ever listed, charged $600 per 1M output
_SIZE_KEYS = ("context_window", "max_output")
_OVERRIDE_KEYS = (*PRICE_KEYS, *_SIZE_KEYS, "encoding")
_DATED = re.compile(r"-(\d{4}-\d{2}-\d{2}|\d{4})$")  # gpt-4o-2024-08-06, gpt-4-0613


@dataclass(frozen=True)
class ModelInfo:
    name: str
    provider: str  # "openai" | "local"
    encoding: str  # "o200k_base" | "cl100k_base" | "local" (the embedded model's own tokenizer)
    context_window: int | None
    max_output: int | None
    input_per_1m: float | None
    cached_input_per_1m: float | None
    output_per_1m: float | None
    training_per_1m: float | None
    status: str  # "active" | "deprecated" | "retired"
    shutdown_date: str | None
    replacement: str | None
    fine_tunable: bool
    known: bool  # False: an unknown name with guessed defaults, said so in `note`
    note: tuple[Msg, ...]  # what to know about its count or price, said in the reader's language


def _written(note: Mapping[str, str] | None) -> tuple[Msg, ...]:
    """models.json writes a model's note in each language: {"es": ..., "en": ...}."""
    return (Msg.written(note["es"], note["en"]),) if note else ()


def _guess_encoding(name: str) -> str:
    """tiktoken's own name table, limited to the encodings we ship offline."""
    try:
        found = tiktoken.encoding_name_for_model(name)
    except KeyError:
        return FALLBACK_ENCODING
    return found if found in OFFLINE_ENCODINGS else FALLBACK_ENCODING


def _unknown(name: str) -> ModelInfo:
    encoding = _guess_encoding(name)
    return ModelInfo(
        name=name, provider="openai", encoding=encoding, context_window=None, max_output=None,
        input_per_1m=None, cached_input_per_1m=None, output_per_1m=None, training_per_1m=None,
        status="active", shutdown_date=None, replacement=None, fine_tunable=False, known=False,
        note=(Msg("models.unknown", encoding=encoding),),
    )


def _local(name: str) -> ModelInfo:
    return ModelInfo(
        name=name, provider="local", encoding="local", context_window=32768, max_output=None,
        input_per_1m=0.0, cached_input_per_1m=0.0, output_per_1m=0.0, training_per_1m=None,
        status="active", shutdown_date=None, replacement=None, fine_tunable=False, known=True,
        note=(Msg("models.embedded"),),
    )


def _problems_in(name: str, fields: Any) -> list[Msg]:
    if not isinstance(fields, Mapping):
        return [Msg("models.not_an_object", name=name)]
    found: list[Msg] = []
    for key, value in fields.items():
        where = f"{name}.{key}"
        if key not in _OVERRIDE_KEYS:
            found.append(Msg("models.unknown_key", where=where, keys=", ".join(_OVERRIDE_KEYS)))
        elif key == "encoding":
            if value not in OFFLINE_ENCODINGS:
                found.append(Msg("models.use_encoding", where=where, value=repr(value),
                                 encodings=", ".join(OFFLINE_ENCODINGS)))
        elif key in _SIZE_KEYS:
            if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 10**8:
                found.append(Msg("models.size_range", where=where, value=repr(value)))
        elif value is not None and (
            isinstance(value, bool) or not isinstance(value, int | float)
            or not math.isfinite(value) or not 0 <= value <= MAX_PRICE_PER_1M
        ):
            found.append(Msg("models.price_range", where=where, value=repr(value),
                             most=f"{MAX_PRICE_PER_1M:g}"))
    return found


def parse_overrides(overrides: str | None) -> dict[str, dict[str, Any]]:
    """Settings.prices: inline JSON, or the path of a JSON file; every problem named at once."""
    if not overrides or not overrides.strip():
        return {}
    text = overrides.strip()
    where = "CHATBOT_PRICES"
    if not text.startswith(("{", "[")):
        path = Path(text).expanduser()
        where = str(path)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            why = exc.strerror if isinstance(exc, OSError) else Msg("models.not_utf8")
            raise ConfigError.keyed("models.cannot_read_prices", "models.prices_hint", path=path,
                                    why=why, example='{"gpt-4o-mini": {"input_per_1m": 0.5}}'
                                    ) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError.keyed(
            "models.bad_prices_json", "tokens.chat_hint", where=where, line=exc.lineno,
            column=exc.colno, why=exc.msg,
            example='{"gpt-4o-mini": {"input_per_1m": 0.15, "output_per_1m": 0.6}}') from None
    if not isinstance(data, dict):
        raise ConfigError.keyed("models.prices_not_an_object", where=where)
    problems = [p for name, fields in data.items() for p in _problems_in(name, fields)]
    if problems:
        raise ConfigError.keyed("models.invalid_prices", where=where, problems=problems)
    return data


def _model_from_data(name: str, raw: Mapping[str, Any], today: date) -> ModelInfo:
    status = raw.get("status", "active")
    shutdown = raw.get("shutdown_date")
    if shutdown and date.fromisoformat(shutdown) <= today:
        status = "retired"
    return ModelInfo(
        name=name, provider=raw.get("provider", "openai"),
        encoding=raw.get("encoding", _guess_encoding(name)),
        context_window=raw.get("context_window"), max_output=raw.get("max_output"),
        input_per_1m=raw.get("input_per_1m"), cached_input_per_1m=raw.get("cached_input_per_1m"),
        output_per_1m=raw.get("output_per_1m"), training_per_1m=raw.get("training_per_1m"),
        status=status, shutdown_date=shutdown, replacement=raw.get("replacement"),
        fine_tunable=bool(raw.get("fine_tunable", False)) and status != "retired",
        known=True, note=_written(raw.get("note")),
    )


class Catalog:
    """Immutable after `load`: one per process, shared by every session."""

    def __init__(self, models: Mapping[str, ModelInfo], fine_tuned: Mapping[str, Mapping],
                 *, source: list[str], as_of: str, note: str,
                 local_server: Callable[[], str] | None = None,
                 capabilities: CapabilityTable | None = None) -> None:
        self._models = dict(models)
        self._capabilities = capabilities or CapabilityTable({})
        self._fine_tuned = {k: dict(v) for k, v in fine_tuned.items()}
        self.source = source
        self.as_of = as_of
        self.note = note
        self.local_server = local_server  # the embedded server's root URL, once ready

    @classmethod
    def load(cls, overrides: str | None = None, *, today: date | None = None,
             local_models: Mapping[str, Callable[[], str] | None] | None = None) -> Catalog:
        """`local_models`: names the embedded backend serves -> how to reach that server (its
        tokenizer counts for them).

        The embedded model LOCAL_MODEL_NAME is always there, at cost 0.
        """
        raw = json.loads(DATA_FILE.read_text(encoding="utf-8"))
        today = today or date.today()
        models = {name: _model_from_data(name, fields, today)
                  for name, fields in raw["models"].items()}
        fine_tuned = {name: fields["fine_tuned"] for name, fields in raw["models"].items()
                      if "fine_tuned" in fields}
        local = dict(local_models or {})
        local.setdefault(LOCAL_MODEL_NAME, None)
        for name in local:
            models[name] = _local(name)
        for name, fields in parse_overrides(overrides).items():
            base = models.get(name) or replace(_unknown(name), known=True, note=())
            models[name] = replace(base, **fields, note=(*base.note, Msg("models.price_from_env")))
        server = local.get(LOCAL_MODEL_NAME) or next((s for s in local.values() if s), None)
        return cls(models, fine_tuned, source=raw["source"], as_of=raw["as_of"],
                   note=raw["note"], local_server=server,
                   capabilities=CapabilityTable(raw.get("capabilities", {})))

    def names(self) -> list[str]:
        return list(self._models)

    def _resolve(self, name: str) -> ModelInfo | None:
        """Exact name, else the undated alias of a snapshot (gpt-4o-2024-08-06 -> gpt-4o)."""
        if name in self._models:
            return self._models[name]
        undated = _DATED.sub("", name)
        return self._models.get(undated)

    def get(self, name: str) -> ModelInfo:
        """Never raises: fine-tuned names resolve to their base, unknown names get a guess."""
        name = (name or "").strip()
        if name.startswith("ft:"):
            return self._fine_tuned_info(name)
        info = self._resolve(name)
        if info is None:
            return _unknown(name)
        return info if info.name == name else replace(info, name=name)

    def _fine_tuned_info(self, name: str) -> ModelInfo:
        parts = name.split(":")
        # ft:<base>:<org>:<suffix>:<id> (OpenAI), ft:local:<base>:<suffix>:<id> (trained here)
        base_name = parts[2] if parts[1:2] == ["local"] and len(parts) > 2 else (
            parts[1] if len(parts) > 1 else "")
        base = self._resolve(base_name)
        if base is None:
            return replace(_unknown(name), encoding=_guess_encoding(base_name))
        if base.provider == "local":
            return replace(base, name=name, fine_tunable=False)
        prices = self._fine_tuned.get(base.name)
        if prices is None:
            return replace(base, name=name, fine_tunable=False,
                           note=(Msg("models.tuned_unknown_price", base=base.name),))
        return replace(
            base, name=name, fine_tunable=False,
            input_per_1m=prices.get("input_per_1m"),
            cached_input_per_1m=prices.get("cached_input_per_1m"),
            output_per_1m=prices.get("output_per_1m"),
            note=(Msg("models.tuned_prices", base=base.name),),
        )

    def capabilities(self, name: str) -> Capabilities:
        """Which parameters `name` takes, by its family; never raises (unknown: a guess)."""
        name = (name or "").strip()
        return self._capabilities.for_model(name, local=self.get(name).provider == "local")

    def retired_message(self, name: str, today: date | None = None) -> Msg | None:
        info = self.get(name)
        retired = info.status == "retired"
        if info.shutdown_date and not retired:
            retired = date.fromisoformat(info.shutdown_date) <= (today or date.today())
        if not retired:
            return None
        when = Msg("models.retired_on", date=info.shutdown_date) if info.shutdown_date else ""
        use = Msg("models.use_instead", model=info.replacement) if info.replacement else ""
        return Msg("models.retired", model=name, when=when, use=use)
