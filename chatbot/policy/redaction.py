"""The one secret scrubber: an API key or bot token never reaches a message or a log line."""

from __future__ import annotations

import re

_USERINFO = re.compile(r"(?<=://)[^/@\s]*@")


def redact(text: str, secret: str | None, shown_as: str | None = None) -> str:
    """Every copy of `secret` in `text` replaced by `shown_as`, or by its last four characters
    ("sk-…abcd", enough to tell two keys apart). Secrets of four characters or fewer are not
    searched for: they would match ordinary words."""
    if secret and len(secret) > 4:
        text = text.replace(secret, shown_as if shown_as is not None else "sk-…" + secret[-4:])
    return text


def without_userinfo(text: str) -> str:
    """`http://user:pw@host/v1` → `http://…@host/v1`: a password typed into a URL is a secret
    too, and URLs end up in messages, logs and tracebacks."""
    return _USERINFO.sub("…@", text)
