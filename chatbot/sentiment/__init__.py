"""Tweet sentiment: labels, prompts, the model's answers, and the classifiers over embeddings.

Other features (the Lab) use what is exported here, never the modules behind it."""

from chatbot.sentiment.labels import DISPLAY, LABELS, UNKNOWN, label_of
from chatbot.sentiment.prompt import DEFAULT_PROMPT, build_messages, parse_prompt

__all__ = ["DEFAULT_PROMPT", "DISPLAY", "LABELS", "UNKNOWN", "build_messages", "label_of",
           "parse_prompt"]
