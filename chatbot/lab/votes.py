""""Which answer is better" votes: kept in the session, downloaded as JSON when asked (written
once per download, not once per vote)."""

from __future__ import annotations

import hashlib
import json
import time
from typing import Any

from chatbot.errors import InvalidInput

TIE = "empate / tie"
MAX_PROMPT_CHARS = 20_000  # a vote keeps this much of its prompt, with its length and digest
MAX_VOTES = 200  # per session: the list lives in the session and is downloaded whole


def add_vote(votes: list[dict[str, Any]], prompt: str, answers: list[dict[str, Any]],
             choice: str) -> list[dict[str, Any]]:
    """A new list with the vote appended; the choice must name one of the answers, or a tie."""
    if not answers:
        raise InvalidInput("Primero compara algo. / Compare something first.")
    if not isinstance(answers, list) or not all(
            isinstance(a, dict) and isinstance(a.get("config"), str) for a in answers):
        raise InvalidInput("Los resultados no son los de «Comparar»: una lista de objetos con "
                           "'config'. / The results are not Compare's: a list of objects with "
                           "'config'.")
    if not isinstance(prompt, str) or not isinstance(choice, str):
        raise InvalidInput("El prompt y el voto son texto. / The prompt and the vote are text.")
    if len(votes) >= MAX_VOTES:
        raise InvalidInput(f"Ya hay {MAX_VOTES} votos en esta sesión: descárgalos y recarga la "
                           f"página. / This session already has {MAX_VOTES} votes: download "
                           "them and reload the page.")
    names = [a["config"].split(" · ")[0] for a in answers]
    if choice not in (*names, TIE):
        raise InvalidInput(f"Vota una de / Vote one of: {', '.join([*names, TIE])}.")
    vote: dict[str, Any] = {"at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                            "prompt": prompt[:MAX_PROMPT_CHARS], "winner": choice,
                            "answers": answers}
    if len(prompt) > MAX_PROMPT_CHARS:
        vote["prompt_chars"] = len(prompt)
        vote["prompt_sha256"] = hashlib.sha256(prompt.encode("utf-8", "replace")).hexdigest()
    return [*votes, vote]


def votes_json(votes: list[dict[str, Any]]) -> str:
    return json.dumps({"votes": votes, "count": len(votes)}, ensure_ascii=False, indent=2)


def tally(votes: list[dict[str, Any]]) -> str:
    """One line: how many votes, and how many each answer won."""
    wins: dict[str, int] = {}
    for vote in votes:
        wins[vote["winner"]] = wins.get(vote["winner"], 0) + 1
    said = " · ".join(f"{name}: {count}" for name, count in sorted(wins.items()))
    return f"**{len(votes)}** votos / votes" + (f" ({said})" if said else "")
