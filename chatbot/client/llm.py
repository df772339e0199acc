"""`LLMClient`: every kind of call, gathered on one object per user and backend."""

from __future__ import annotations

from chatbot.client.chat import ChatCalls
from chatbot.client.embeddings import EmbedCalls
from chatbot.client.jobs import JobCalls
from chatbot.client.stream import StreamCalls


class LLMClient(ChatCalls, StreamCalls, EmbedCalls, JobCalls):
    """One user's view of one backend: builds the SDK call, bills it, translates its errors.

    Each group of calls lives in its own module (chat, stream, embeddings, jobs); `ClientBase` holds what they
    share (retries, validation, billing).
    """
