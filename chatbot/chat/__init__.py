"""The chatbot itself, shared by the web Chat tab and the Telegram bot: personas and one chat turn."""
