"""The one OpenAI client of the app: every model call goes through here and the official SDK.

It hides which backend answers (OpenAI, any OpenAI-compatible server, or the embedded llama.cpp
server), returns plain result objects, bills every call through the session's ledger, and turns
every SDK exception into a project error with a message a person can act on.

Modules: `sdk` (Backend, the pool that builds `openai.OpenAI`), `params` (ChatParams), `results`
(what calls return), `errors` (SDK exception → project error), `retry`, `base` (what every call
shares), `chat` (chat, legacy completions, fan-out), `stream`, `embeddings`, `jobs` (files,
fine-tuning), `llm`.
"""

from chatbot.client.embeddings import Embeddings
from chatbot.client.errors import translate
from chatbot.client.llm import LLMClient
from chatbot.client.params import EFFORTS, MAX_N, MAX_STOP, ChatParams
from chatbot.client.results import (
    Choice,
    FileInfo,
    JobEvent,
    JobInfo,
    Result,
    StreamEvent,
    TokenLogprob,
    ToolCall,
    TopToken,
    Usage,
)
from chatbot.client.sdk import NO_KEY, Backend, SDKPool
from chatbot.redaction import redact

__all__ = [
    "EFFORTS",
    "MAX_N",
    "MAX_STOP",
    "NO_KEY",
    "Backend",
    "ChatParams",
    "Choice",
    "Embeddings",
    "FileInfo",
    "JobEvent",
    "JobInfo",
    "LLMClient",
    "Result",
    "SDKPool",
    "StreamEvent",
    "TokenLogprob",
    "ToolCall",
    "TopToken",
    "Usage",
    "redact",
    "translate",
]
