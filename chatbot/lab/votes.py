""""Which answer is better" votes: kept in the session, downloaded as JSON when asked (written
once per download, not once per vote)."""

from __future__ import annotations

import hashlib
import json
import time
from typing import Any

from chatbot.errors import InvalidInput
from chatbot.i18n import DEFAULT, say

TIE = "tie"  # shown as lab.tie
MAX_PROMPT_CHARS = 20_000  # a vote keeps this much of its prompt, with its length and digest
MAX_VOTES = 200  # per session: the list lives in the session and is downloaded whole


def add_vote(votes: list[dict[str, Any]], prompt: str, answers: list[dict[str, Any]],
             choice: str) -> list[dict[str, Any]]:
    """A new list with the vote appended; the choice must name one of the answers, or a tie."""
    if not answers:
        raise InvalidInput.keyed("lab.compare_first")
    if not isinstance(answers, list) or not all(
            isinstance(a, dict) and isinstance(a.get("config"), str) for a in answers):
        raise InvalidInput.keyed("lab.not_compare_results")
    if not isinstance(prompt, str) or not isinstance(choice, str):
        raise InvalidInput.keyed("lab.vote_is_text")
    if len(votes) >= MAX_VOTES:
        raise InvalidInput.keyed("lab.votes_full", most=MAX_VOTES)
    names = [a["config"].split(" · ")[0] for a in answers]
    if choice not in (*names, TIE):
        allowed = ", ".join([*names, TIE])
        raise InvalidInput.keyed("lab.vote_one_of", allowed=allowed)
    vote: dict[str, Any] = {"at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                            "prompt": prompt[:MAX_PROMPT_CHARS], "winner": choice,
                            "answers": answers}
    if len(prompt) > MAX_PROMPT_CHARS:
        vote["prompt_chars"] = len(prompt)
        vote["prompt_sha256"] = hashlib.sha256(prompt.encode("utf-8", "replace")).hexdigest()
    return [*votes, vote]


def votes_json(votes: list[dict[str, Any]]) -> str:
    return json.dumps({"votes": votes, "count": len(votes)}, ensure_ascii=False, indent=2)


def tally(votes: list[dict[str, Any]], lang: str = DEFAULT) -> str:
    """One line: how many votes, and how many each answer won."""
    wins: dict[str, int] = {}
    for vote in votes:
        wins[vote["winner"]] = wins.get(vote["winner"], 0) + 1
    said = " · ".join(f"{say(lang, 'lab.tie') if name == TIE else name}: {count}"
                      for name, count in sorted(wins.items()))
    return say(lang, "lab.votes_count", n=len(votes)) + (f" ({said})" if said else "")
