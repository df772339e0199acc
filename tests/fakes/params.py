"""Which body parameters each OpenAI endpoint takes (the API reference, as of 2026-12).

api.openai.com refuses anything else on Chat Completions, legacy Completions, Embeddings and
fine-tuning jobs with a 400 "Unrecognized request argument supplied" (openai_errors.json), which
is what a llama.cpp-only knob (`top_k`, `min_p`, `cache_prompt`) sent to OpenAI gets. Which of
these a model *family* refuses (reasoning models and `temperature`, `stop`, ...) is reasoning.py.
"""

from __future__ import annotations

from typing import Any

_SAMPLING = {"model", "frequency_penalty", "logit_bias", "logprobs", "max_tokens", "n",
             "presence_penalty", "seed", "stop", "stream", "stream_options", "temperature",
             "top_p", "user"}
ACCEPTED: dict[str, frozenset[str]] = {
    # https://platform.openai.com/docs/api-reference/chat/create
    "chat": frozenset(_SAMPLING | {
        "messages", "audio", "function_call", "functions", "max_completion_tokens", "metadata",
        "modalities", "parallel_tool_calls", "prediction", "prompt_cache_key", "reasoning_effort",
        "response_format", "safety_identifier", "service_tier", "store", "tool_choice", "tools",
        "top_logprobs", "verbosity", "web_search_options"}),
    # https://platform.openai.com/docs/api-reference/completions/create
    "completions": frozenset(_SAMPLING | {"prompt", "best_of", "echo", "suffix"}),
    # https://platform.openai.com/docs/api-reference/embeddings/create
    "embeddings": frozenset({"model", "input", "dimensions", "encoding_format", "user"}),
    # https://platform.openai.com/docs/api-reference/fine-tuning/create
    "fine_tuning": frozenset({"model", "training_file", "hyperparameters", "suffix",
                              "validation_file", "integrations", "seed", "method", "metadata"}),
}
# Embedding models as OpenAI names them, with their native vector size
# (https://platform.openai.com/docs/guides/embeddings).
EMBEDDING_MODELS = {"text-embedding-3-small": 1536, "text-embedding-3-large": 3072,
                    "text-embedding-ada-002": 1536}


def unknown(endpoint: str, body: Any) -> list[str]:
    """The body's parameters this endpoint does not take, in the order sent."""
    if endpoint not in ACCEPTED or not isinstance(body, dict):
        return []
    return [name for name in body if name not in ACCEPTED[endpoint]]
