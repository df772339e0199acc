"""The one OpenAI client of the app: every model call goes through here and the official SDK.

It hides which backend answers (OpenAI, any OpenAI-compatible server, or the embedded llama.cpp
server), returns plain result objects, bills every call through the session's ledger, and turns
every SDK exception into a project error with a message a person can act on.

Modules: `sdk` (Backend, the pool that builds `openai.OpenAI`), `params` (ChatParams, the one list
of request fields), `request` (the body a model takes, with notes), `capability_book` (what each
model takes, probed and learned), `results` (what calls return), `errors` (SDK exception → project
error), `retry`, `transport` (sending, retries), `metering` (estimate, hold, bill), `chat` (chat,
legacy completions, fan-out), `stream`, `embeddings`, `jobs` (files, fine-tuning), and `llm`, the
`LLMClient` composed of them.
"""

from chatbot.client.capability_book import CapabilityBook
from chatbot.client.embeddings import Embeddings
from chatbot.client.errors import translate
from chatbot.client.llm import LLMClient
from chatbot.client.params import EFFORTS, MAX_N, MAX_STOP, ChatParams
from chatbot.client.request import Applied, build_request
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
from chatbot.policy.redaction import redact

__all__ = [
    "EFFORTS",
    "MAX_N",
    "MAX_STOP",
    "NO_KEY",
    "Applied",
    "Backend",
    "CapabilityBook",
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
    "build_request",
    "redact",
    "translate",
]
