"""Conversations a student keeps: a tree of branches with feedback, its export and import, and
the training data made from the answers they liked. Plain functions, no Gradio.

Other features (the Telegram bot) use what is exported here, never the modules behind it."""

from chatbot.conversations.exchange import Persona, Saved, from_json, to_json
from chatbot.conversations.tree import Conversation

__all__ = ["Conversation", "Persona", "Saved", "from_json", "to_json"]
