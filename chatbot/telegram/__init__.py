"""The course's chatbot on Telegram: pure text helpers, per-chat state and python-telegram-bot wiring.

`chatbot/telegram/cli.py` is the command-line entry point (`python -m chatbot telegram`).
"""
