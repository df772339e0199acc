"""The chatbot itself, shared by the web Chat tab and the Telegram bot: personas and one chat turn.

Other features (the bot, the Lab) use what is exported here, never the modules behind it."""

from chatbot.chat.persona import PRESETS, Persona, preset
from chatbot.chat.turn import ChatTurn, context_budget, error_notice

__all__ = ["PRESETS", "ChatTurn", "Persona", "context_budget", "error_notice", "preset"]
