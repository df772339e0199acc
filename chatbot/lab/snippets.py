"""The few lines of Python that meet each failure, as the course's lesson on errors writes them
with the official `openai` SDK (the app's client does the same, with bilingual messages)."""

from __future__ import annotations

_SETUP = '''from openai import OpenAI
import openai, time

client = OpenAI(max_retries=0, timeout=60)  # reintentos a mano / retries by hand
messages = [{"role": "user", "content": "Explícame qué es un token."}]
'''

SNIPPETS = {
    "bad_key": '''try:
    r = client.chat.completions.create(model="gpt-4o-mini", messages=messages)
except openai.AuthenticationError:  # 401: no reintentes / don't retry
    print("Clave no válida: revisa OPENAI_API_KEY en .env")
''',
    "rate_limit": '''for intento in range(3):
    try:
        r = client.chat.completions.create(model="gpt-4o-mini", messages=messages)
        break
    except openai.RateLimitError as e:
        if e.code == "insufficient_quota":
            raise  # sin saldo: reintentar no ayuda / out of credit
        espera = float(e.response.headers.get("retry-after", 2 ** intento))
        time.sleep(espera)  # lo que pide el servidor / what the server asks
else:
    print("Demasiadas peticiones: espera y reintenta")
''',
    "quota": '''try:
    r = client.chat.completions.create(model="gpt-4o-mini", messages=messages)
except openai.RateLimitError as e:
    if e.code == "insufficient_quota":  # 429 también, pero no se reintenta
        print("Sin saldo: añade crédito en la facturación de OpenAI")
''',
    "server_error": '''for intento in range(3):
    try:
        r = client.chat.completions.create(model="gpt-4o-mini", messages=messages)
        break
    except openai.InternalServerError:  # 5xx: culpa del servidor / server's fault
        time.sleep(0.5 * 2 ** intento)  # backoff exponencial / exponential backoff
else:
    print("El servidor falló: reintenta en un momento")
''',
    "timeout": '''try:
    r = client.chat.completions.create(model="gpt-4o-mini", messages=messages,
                                       timeout=60)
except openai.APITimeoutError:  # no se reintenta: la espera queda acotada
    print("Sin respuesta a tiempo: baja max_tokens o sube el timeout")
''',
    "cut": '''texto = ""
try:
    stream = client.chat.completions.create(model="gpt-4o-mini", messages=messages,
                                            stream=True)
    for chunk in stream:
        if chunk.choices and chunk.choices[0].delta.content:
            texto += chunk.choices[0].delta.content
except (openai.APIError, Exception):  # la conexión se cortó / connection dropped
    print("Respuesta cortada; lo recibido se conserva:", texto)
''',
    "context": '''try:
    r = client.chat.completions.create(model="gpt-4o-mini", messages=messages)
except openai.BadRequestError as e:
    if e.code == "context_length_exceeded":
        print("No cabe: acorta el historial o baja max_tokens")
''',
}


def snippet(failure: str) -> str:
    return _SETUP + "\n" + SNIPPETS[failure]
