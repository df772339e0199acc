"""The editable few-shot prompt: parsed into instructions and examples, sent as chat turns.

A student edits one text box; it is parsed here so each mistake is named with its example number,
and the examples become earlier user/assistant turns, whose answer format a small model copies.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from chatbot.errors import InvalidInput
from chatbot.sentiment.labels import label_of

TWEET_TAG = "Tweet:"
LABEL_TAGS = ("sentiment:", "sentimiento:", "label:", "etiqueta:")
Example = tuple[str, str]  # (tweet, label)

DEFAULT_PROMPT = """\
Classify the sentiment of a tweet (Spanish or English) as positive, neutral or negative.
positive: joy, praise, thanks, good news. negative: anger, complaints, sadness, bad news.
neutral: facts, news, questions, plans, no clear feeling. Answer with one word.

Tweet: Acabo de ver el partido, qué golazo de Messi!! 😍⚽
Sentiment: positive

Tweet: The new bridge on Route 9 opens to traffic next Tuesday.
Sentiment: neutral

Tweet: Two hours waiting at the DMV and they closed the window on me 😤
Sentiment: negative

Tweet: thank u @spotify for the wrapped, best year of music ever 🎧💜
Sentiment: positive

Tweet: ¿Alguien sabe si mañana hay huelga de taxis en Barcelona?
Sentiment: neutral

Tweet: No funciona la app del banco desde ayer, qué desastre 😠
Sentiment: negative

Tweet: Just landed in Denver, heading to the hotel now
Sentiment: neutral

Tweet: Me han dado el alta en el hospital, gracias a todo el personal 🙏❤️
Sentiment: positive

Tweet: I don't recommend this phone, the battery dies by noon
Sentiment: negative

Tweet: Mañana se publican las notas de selectividad #EBAU
Sentiment: neutral
"""

@dataclass(frozen=True)
class Prompt:
    """The editable prompt, parsed: instructions become the system message, examples chat turns."""

    instructions: str
    examples: tuple[Example, ...] = ()


def _label_line(line: str) -> str | None:
    low = line.lower()
    for tag in LABEL_TAGS:
        if low.startswith(tag):
            return line[len(tag):].strip()
    return None


def parse_prompt(text: str) -> Prompt:
    """Text before the first "Tweet:" line is the instructions; then Tweet:/Sentiment: pairs.

    Every problem is reported with its example number so a student can fix an edited prompt.
    """
    if not (text or "").strip():
        raise InvalidInput.keyed("sentiment.prompt_empty", "sentiment.press_reset")
    instructions: list[str] = []
    examples: list[tuple[str, str]] = []
    tweet: list[str] | None = None
    for line in text.strip().splitlines():
        label = _label_line(line)
        if line.lower().startswith(TWEET_TAG.lower()):
            if tweet is not None:
                raise InvalidInput.keyed("sentiment.no_sentiment_line", n=len(examples) + 1)
            tweet = [line[len(TWEET_TAG):].strip()]
        elif label is not None:
            number = len(examples) + 1
            if tweet is None:
                raise InvalidInput.keyed("sentiment.no_tweet_line", line=line.strip())
            if label_of(label) is None:
                raise InvalidInput.keyed("sentiment.bad_label", n=number, label=label)
            body = " ".join(part for part in tweet if part)
            if not body:
                raise InvalidInput.keyed("sentiment.example_no_text", n=number)
            examples.append((body, label))
            tweet = None
        elif tweet is not None:
            tweet.append(line.strip())
        else:
            instructions.append(line)
    if tweet is not None:
        raise InvalidInput.keyed("sentiment.no_sentiment_line", n=len(examples) + 1)
    return Prompt("\n".join(instructions).strip(), tuple(examples))


def build_messages(prompt: Prompt, tweet: str,
                   examples: Sequence[Example] | None = None) -> list[dict[str, str]]:
    """Examples as earlier turns: a small chat model copies the answer format of its own turns.

    `examples` replaces the prompt's own ones (the similar-examples mode picks them per tweet);
    the instructions stay first, so what every request shares is one common prefix.
    """
    messages: list[dict[str, str]] = []
    if prompt.instructions:
        messages.append({"role": "system", "content": prompt.instructions})
    for text, label in prompt.examples if examples is None else examples:
        messages.append({"role": "user", "content": f"{TWEET_TAG} {text}"})
        messages.append({"role": "assistant", "content": label})
    messages.append({"role": "user", "content": f"{TWEET_TAG} {tweet}"})
    return messages
