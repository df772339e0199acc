""""Which answer is better" votes: kept in the session, downloaded as JSON."""

from __future__ import annotations

import json
import time
from typing import Any

from chatbot.errors import InvalidInput

TIE = "tie"  # shown as lab.tie


def add_vote(votes: list[dict[str, Any]], prompt: str, answers: list[dict[str, Any]],
             choice: str) -> list[dict[str, Any]]:
    """A new list with the vote appended; the choice must name one of the answers, or a tie."""
    if not answers:
        raise InvalidInput("Primero compara algo. / Compare something first.")
    names = [a["config"].split(" · ")[0] for a in answers]
    if choice not in (*names, TIE):
        raise InvalidInput(f"Vota una de / Vote one of: {', '.join([*names, TIE])}.")
    vote = {"at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "prompt": prompt,
            "winner": choice, "answers": answers}
    return [*votes, vote]


def votes_json(votes: list[dict[str, Any]]) -> str:
    return json.dumps({"votes": votes, "count": len(votes)}, ensure_ascii=False, indent=2)
