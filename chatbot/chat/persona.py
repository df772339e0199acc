"""A bot with its own identity: presets, turning chat history into OpenAI messages, trimming.

Shared by the web Chat tab and the Telegram bot, so both speak with the same persona.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from chatbot.errors import InvalidInput
from chatbot.i18n import say
from chatbot.messages import history_to_messages


@dataclass(frozen=True)
class Persona:
    key: str
    name: str
    system_prompt: str
    greeting: str

    def label(self, lang: str) -> str:
        """"Name — what it is", in the reader's language (chatbot/i18n: persona.<key>)."""
        return say(lang, f"persona.{self.key}")


PRESETS: tuple[Persona, ...] = (
    Persona(
        key="course",
        name="Edu",
        system_prompt=(
            "Eres Edu, el asistente de una plataforma de educación online con cursos de "
            "programación, datos e inteligencia artificial. Ayudas a los estudiantes a elegir "
            "cursos, resolver dudas de las clases y organizar su estudio. Respondes en el idioma "
            "del estudiante, con frases cortas, amables y concretas. Si no sabes algo, lo dices y "
            "sugieres escribir a soporte. Nunca inventas precios ni fechas."
        ),
        greeting="¡Hola! Soy Edu, tu asistente de estudio. ¿Qué quieres aprender hoy?",
    ),
    Persona(
        key="tutor",
        name="Profe Python",
        system_prompt=(
            "You are Profe Python, a patient programming tutor. Explain step by step with tiny "
            "code examples, ask one question back to check understanding, and answer in the "
            "language the student writes in (Spanish or English)."
        ),
        greeting="Hola, soy Profe Python. ¿Qué código miramos hoy?",
    ),
    Persona(
        key="support",
        name="Soporte",
        system_prompt=(
            "Eres el agente de soporte de una tienda online. Eres cortés y breve. Pides el número "
            "de pedido cuando hace falta, no prometes reembolsos y ofreces pasar con una persona "
            "si el cliente lo pide. Responde en el idioma del cliente."
        ),
        greeting="Hola, soy el soporte de la tienda. ¿En qué te puedo ayudar?",
    ),
    Persona(
        key="pirate",
        name="Capitán Byte",
        system_prompt=(
            "Eres el Capitán Byte, un pirata informático simpático (de los buenos). Hablas como "
            "un pirata de película, con humor, pero tus respuestas son correctas y útiles."
        ),
        greeting="¡Arrr! Soy el Capitán Byte. ¿Qué tesoro de código buscamos hoy, grumete?",
    ),
)


def preset(key: str) -> Persona:
    for persona in PRESETS:
        if persona.key == key or persona.name.lower() == key.lower():
            return persona
    names = ", ".join(p.key for p in PRESETS)
    raise InvalidInput.keyed("chat.no_persona", name=key, names=names)


def identity_prompt(name: str, system_prompt: str) -> str:
    """The system prompt, with the bot's name added when the prompt does not already say it: in
    Spanish, like the presets' prompts (the model answers in the student's language anyway)."""
    name, system_prompt = (name or "").strip(), (system_prompt or "").strip()
    if name and name.lower() not in system_prompt.lower():
        return f"Te llamas {name}.\n{system_prompt}".strip()
    return system_prompt


def build_messages(system_prompt: str, history: Sequence[Any], user_message: str
                   ) -> list[dict[str, str]]:
    messages: list[dict[str, str]] = []
    if system_prompt.strip():
        messages.append({"role": "system", "content": system_prompt.strip()})
    messages.extend(m for m in history_to_messages(history) if m["role"] != "system")
    messages.append({"role": "user", "content": user_message})
    return messages


def opening(name: str, system_prompt: str, greeting: str) -> list[dict[str, str]]:
    """What every conversation with this persona sends before the student's first words (the
    system prompt and the greeting): the same for a whole class, so the embedded engine can
    compute it once for everyone (chatbot/engine/warmup.py)."""
    history = [{"role": "assistant", "content": greeting}] if greeting.strip() else []
    return build_messages(identity_prompt(name, system_prompt), history, "")[:-1]


def trim_to_fit(messages: list[dict[str, str]], count: Callable[[list[dict[str, str]]], int],
                budget: int) -> tuple[list[dict[str, str]], int]:
    """Drop the oldest turns until the prompt fits `budget` tokens; keep system and the last turn.

    Returns the kept messages and how many were dropped, so the UI can say so instead of failing.
    """
    system = [m for m in messages[:1] if m["role"] == "system"]
    rest = messages[len(system):]
    dropped = 0
    while len(rest) > 1 and count(system + rest) > budget:
        rest = rest[1:]
        dropped += 1
        while len(rest) > 1 and rest[0]["role"] != "user":  # never start on a bot reply
            rest = rest[1:]
            dropped += 1
    return system + rest, dropped
