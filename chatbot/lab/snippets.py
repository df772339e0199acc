"""The few lines of Python that meet each failure, as the course's lesson on errors writes them
with the official `openai` SDK (the app's client does the same). Comments and printed lines are
«marks» said in the reader's language; the code itself stays as the course writes it."""

from __future__ import annotations

import re

from chatbot.i18n import say

_SETUP = '''from openai import OpenAI
import openai, time

client = OpenAI(max_retries=0, timeout=60)  # «by_hand»
messages = [{"role": "user", "content": "Explícame qué es un token."}]
'''

SNIPPETS = {
    "bad_key": '''try:
    r = client.chat.completions.create(model="gpt-4o-mini", messages=messages)
except openai.AuthenticationError:  # 401: «no_retry»
    print("«bad_key»")
''',
    "rate_limit": '''for intento in range(3):
    try:
        r = client.chat.completions.create(model="gpt-4o-mini", messages=messages)
        break
    except openai.RateLimitError as e:
        if e.code == "insufficient_quota":
            raise  # «no_credit»
        espera = float(e.response.headers.get("retry-after", 2 ** intento))
        time.sleep(espera)  # «server_asks»
else:
    print("«too_many»")
''',
    "quota": '''try:
    r = client.chat.completions.create(model="gpt-4o-mini", messages=messages)
except openai.RateLimitError as e:
    if e.code == "insufficient_quota":  # «quota_429»
        print("«add_credit»")
''',
    "server_error": '''for intento in range(3):
    try:
        r = client.chat.completions.create(model="gpt-4o-mini", messages=messages)
        break
    except openai.InternalServerError:  # 5xx: «server_fault»
        time.sleep(0.5 * 2 ** intento)  # «backoff»
else:
    print("«server_failed»")
''',
    "timeout": '''try:
    r = client.chat.completions.create(model="gpt-4o-mini", messages=messages,
                                       timeout=60)
except openai.APITimeoutError:  # «timeout_bounded»
    print("«no_answer»")
''',
    "cut": '''texto = ""
try:
    stream = client.chat.completions.create(model="gpt-4o-mini", messages=messages,
                                            stream=True)
    for chunk in stream:
        if chunk.choices and chunk.choices[0].delta.content:
            texto += chunk.choices[0].delta.content
except (openai.APIError, Exception):  # «dropped»
    print("«cut_kept»", texto)
''',
    "context": '''try:
    r = client.chat.completions.create(model="gpt-4o-mini", messages=messages)
except openai.BadRequestError as e:
    if e.code == "context_length_exceeded":
        print("«too_long»")
''',
}


_MARK = re.compile(r"«([a-z_0-9]+)»")


def snippet(failure: str, lang: str) -> str:
    """The code for `failure`, its comments and messages in `lang`."""
    code = _SETUP + "\n" + SNIPPETS[failure]
    return _MARK.sub(lambda m: say(lang, f"lab.snippet_{m.group(1)}"), code)
