"""A fake Telegram Bot API server on loopback that speaks the real HTTP protocol.

python-telegram-bot (and so the bot in `chatbot/telegram/`) talks to it unchanged through
`base_url`; tests play the users by injecting updates and read what the bot sent back.

    with FakeTelegram() as tg:                      # tg.base_url -> http://127.0.0.1:PORT/bot
        tg.user_says(42, "/start")                  # a private chat with user 42
        tg.fail_next("sendMessage", 429, retry_after=1)
        tg.wait_for(lambda: tg.texts(42))
        assert tg.calls_to("sendChatAction")[0].params["action"] == "typing"

It implements getMe, deleteWebhook, getUpdates (offset confirms, long polling with `timeout`),
sendMessage, editMessageText, sendChatAction, setMyCommands, sendDocument (a multipart upload,
kept in `documents`); Telegram's error bodies
({"ok": false, "error_code", "description", "parameters": {"retry_after"}}), its 4096-character
limit, "message is not modified", and a legacy-Markdown parser that rejects what Telegram rejects
("can't parse entities"). `min_edit_interval` makes it answer 429 to edits that come too fast, as
Telegram's flood control does.
"""

from __future__ import annotations

import itertools
import json
import re
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import Message
from email.parser import BytesParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TypeVar
from urllib.parse import parse_qs, urlsplit

from tests.fakes.loopback import LoopbackFake

T = TypeVar("T")

DEFAULT_TOKEN = "123456:TEST-token-for-the-fake"
LIMIT = 4096


class ApiError(Exception):
    def __init__(self, code: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.retry_after = retry_after

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"ok": False, "error_code": self.code,
                                "description": self.description}
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


_DESCRIPTIONS = {
    400: "Bad Request: fake failure",
    403: "Forbidden: bot was blocked by the user",
    404: "Not Found",
    500: "Internal Server Error",
    502: "Bad Gateway",
}


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode())


def render_markdown(text: str) -> tuple[str, list[dict[str, Any]]]:
    """Telegram's legacy `Markdown` mode: *bold*, _italic_, `code`, ```pre```, [text](url),
    backslash escapes outside entities. Returns the plain text and its entities, or raises the
    400 Telegram gives for an entity left open."""
    out: list[str] = []
    entities: list[dict[str, Any]] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char == "\\" and i + 1 < len(text) and text[i + 1] in "_*`[":
            out.append(text[i + 1])
            i += 2
            continue
        if text.startswith("```", i):
            end = text.find("```", i + 3)
            if end < 0:
                raise _unclosed(text, i)
            body = text[i + 3:end]
            if "\n" in body and re.fullmatch(r"[\w+-]+", body.split("\n", 1)[0]):
                body = body.split("\n", 1)[1]  # the language line
            entities.append({"type": "pre", "offset": utf16_len("".join(out)),
                             "length": utf16_len(body)})
            out.append(body)
            i = end + 3
            continue
        if char in "*_`":
            end = text.find(char, i + 1)
            if end < 0:
                raise _unclosed(text, i)
            body = text[i + 1:end]
            kind = {"*": "bold", "_": "italic", "`": "code"}[char]
            if body:
                entities.append({"type": kind, "offset": utf16_len("".join(out)),
                                 "length": utf16_len(body)})
            out.append(body)
            i = end + 1
            continue
        if char == "[":
            match = re.compile(r"\[([^\]]*)\]\(([^)]*)\)").match(text, i)
            if match:
                entities.append({"type": "text_link", "offset": utf16_len("".join(out)),
                                 "length": utf16_len(match.group(1)), "url": match.group(2)})
                out.append(match.group(1))
                i = match.end()
                continue
        out.append(char)
        i += 1
    return "".join(out), entities


def _unclosed(text: str, index: int) -> ApiError:
    return ApiError(400, "Bad Request: can't parse entities: Can't find end of the entity "
                         f"starting at byte offset {_byte_offset(text, index)}")


def _entities_for(text: str) -> list[dict[str, Any]]:
    """What Telegram's client attaches to a user's text: commands and @mentions."""
    found: list[dict[str, Any]] = []
    for match in re.finditer(r"(?<!\S)/[A-Za-z0-9_]+(?:@\w+)?|@\w{3,}", text):
        kind = "bot_command" if match.group().startswith("/") else "mention"
        if kind == "bot_command" and match.start() != 0:
            continue
        found.append({"type": kind, "offset": utf16_len(text[:match.start()]),
                      "length": utf16_len(match.group())})
    return found


@dataclass
class Call:
    """One request the bot made, as received (the token is not kept)."""

    method: str
    params: dict[str, Any]
    at: float
    status: int = 200


@dataclass
class BotMessage:
    """A message the bot sent, with every version it was edited to."""

    chat_id: int
    message_id: int
    text: str  # what the user sees (Markdown rendered)
    raw: str  # as sent
    parse_mode: str | None
    entities: list[dict[str, Any]]
    versions: list[str] = field(default_factory=list)
    reply_to: int | None = None
    last_change: float = 0.0


@dataclass
class Document:
    """A file the bot sent (sendDocument), with its bytes."""

    chat_id: int
    message_id: int
    filename: str
    data: bytes
    caption: str | None = None


@dataclass
class _Fault:
    method: str
    code: int
    description: str
    retry_after: int | None
    times: int


class Params(dict[str, Any]):
    """Request parameters from a query string, a form or JSON, as Telegram accepts them all."""

    def integer(self, key: str) -> int:
        value = self.get(key)
        if value is None or value == "":
            raise ApiError(400, f"Bad Request: {key} is empty")
        try:
            return int(value)
        except (TypeError, ValueError):
            raise ApiError(400, f"Bad Request: {key} is invalid") from None

    def obj(self, key: str) -> Any:
        value = self.get(key)
        if isinstance(value, str):
            try:
                return json.loads(value)
            except json.JSONDecodeError:
                raise ApiError(400, f"Bad Request: can't parse {key} JSON object") from None
        return value


class FakeTelegram(LoopbackFake):
    def __init__(self, token: str = DEFAULT_TOKEN, *, username: str = "lab_test_bot",
                 first_name: str = "Lab Bot", host: str = "127.0.0.1", port: int = 0,
                 latency: float = 0.0, min_edit_interval: float = 0.0) -> None:
        self.token = token
        self.bot_id = int(token.split(":", 1)[0]) if token.split(":", 1)[0].isdigit() else 1
        self.username = username
        self.first_name = first_name
        self.latency = latency
        self.min_edit_interval = min_edit_interval
        self.calls: list[Call] = []
        self.sent: dict[int, list[BotMessage]] = {}
        self.documents: dict[int, list[Document]] = {}
        self.flood_hits = 0  # edits refused for coming faster than min_edit_interval
        self.confirmed_offset = 0
        self._updates: list[dict[str, Any]] = []
        self._update_ids = itertools.count(1)
        self._message_ids: dict[int, itertools.count[int]] = {}
        self._faults: list[_Fault] = []
        self._cond = threading.Condition()
        self._closed = False
        self._serve(_Server((host, port), _Handler, self), "fake-telegram")

    # -- lifecycle ------------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """python-telegram-bot's `base_url` form: the token and the method are appended."""
        return f"http://127.0.0.1:{self.port}/bot"

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        super().close()

    # -- playing the users ----------------------------------------------------------------------

    def _next_message_id(self, chat_id: int) -> int:
        counter = self._message_ids.setdefault(chat_id, itertools.count(1))
        return next(counter)

    def push_update(self, kind: str, payload: dict[str, Any]) -> dict[str, Any]:
        """Queue any update ({"message": ...}, {"callback_query": ...}, ...) for getUpdates."""
        with self._cond:
            update = {"update_id": next(self._update_ids), kind: payload}
            self._updates.append(update)
            self._cond.notify_all()
        return update

    def _message(self, chat_id: int, user_id: int | None, chat_type: str,
                 extra: dict[str, Any], reply_to: int | None = None) -> dict[str, Any]:
        user_id = chat_id if user_id is None else user_id
        user = {"id": user_id, "is_bot": False, "first_name": f"User{user_id}",
                "username": f"user{user_id}", "language_code": "es"}
        chat: dict[str, Any] = {"id": chat_id, "type": chat_type}
        if chat_type == "private":
            chat.update(first_name=user["first_name"], username=user["username"])
        else:
            chat["title"] = f"Group {chat_id}"
        with self._cond:
            message_id = self._next_message_id(chat_id)
        message = {"message_id": message_id, "from": user, "chat": chat,
                   "date": int(time.time()), **extra}
        if reply_to is not None:
            original = self.message(chat_id, reply_to)
            message["reply_to_message"] = {
                "message_id": reply_to, "chat": chat, "date": int(time.time()),
                "from": self._bot_user(), "text": original.text if original else "",
            }
        return message

    def user_says(self, chat_id: int, text: str, *, user_id: int | None = None,
                  chat_type: str = "private", reply_to: int | None = None) -> dict[str, Any]:
        """A text message; commands and @mentions get their entities, as Telegram adds them."""
        extra: dict[str, Any] = {"text": text}
        entities = _entities_for(text)
        if entities:
            extra["entities"] = entities
        message = self._message(chat_id, user_id, chat_type, extra, reply_to)
        self.push_update("message", message)
        return message

    def user_sends_sticker(self, chat_id: int, *, user_id: int | None = None,
                           chat_type: str = "private") -> dict[str, Any]:
        sticker = {"file_id": "CAACAgIAAxkBAAEFake", "file_unique_id": "AgADFake", "type":
                   "regular", "width": 512, "height": 512, "is_animated": False,
                   "is_video": False, "emoji": "😀", "set_name": "FakeStickers"}
        message = self._message(chat_id, user_id, chat_type, {"sticker": sticker})
        self.push_update("message", message)
        return message

    def user_sends_photo(self, chat_id: int, *, caption: str | None = None,
                         user_id: int | None = None, chat_type: str = "private"
                         ) -> dict[str, Any]:
        photo = [{"file_id": f"AgACPhoto{size}", "file_unique_id": f"AQAD{size}",
                  "width": size, "height": size, "file_size": size * 40}
                 for size in (90, 320, 800)]
        extra: dict[str, Any] = {"photo": photo}
        if caption:
            extra["caption"] = caption
        message = self._message(chat_id, user_id, chat_type, extra)
        self.push_update("message", message)
        return message

    def user_edits(self, message: dict[str, Any], new_text: str) -> dict[str, Any]:
        edited = {**message, "text": new_text, "edit_date": int(time.time())}
        entities = _entities_for(new_text)
        edited.pop("entities", None)
        if entities:
            edited["entities"] = entities
        self.push_update("edited_message", edited)
        return edited

    # -- scripting failures ---------------------------------------------------------------------

    def fail_next(self, method: str, code: int = 429, description: str | None = None, *,
                  retry_after: int | None = None, times: int = 1) -> None:
        """The next `times` calls of `method` get this error instead of an answer."""
        if code == 429 and retry_after is None:
            retry_after = 1
        if description is None:
            description = (f"Too Many Requests: retry after {retry_after}" if code == 429
                           else _DESCRIPTIONS.get(code, f"Error {code}"))
        with self._cond:
            self._faults.append(_Fault(method, code, description, retry_after, times))

    def _take_fault(self, method: str) -> ApiError | None:
        with self._cond:
            for fault in self._faults:
                if fault.method == method:
                    fault.times -= 1
                    if fault.times <= 0:
                        self._faults.remove(fault)
                    return ApiError(fault.code, fault.description, fault.retry_after)
        return None

    # -- reading what the bot did ---------------------------------------------------------------

    def calls_to(self, method: str) -> list[Call]:
        with self._cond:
            return [c for c in self.calls if c.method == method]

    def messages(self, chat_id: int) -> list[BotMessage]:
        with self._cond:
            return list(self.sent.get(chat_id, []))

    def message(self, chat_id: int, message_id: int) -> BotMessage | None:
        return next((m for m in self.messages(chat_id) if m.message_id == message_id), None)

    def texts(self, chat_id: int) -> list[str]:
        return [m.text for m in self.messages(chat_id)]

    def pending_updates(self) -> int:
        with self._cond:
            return len(self._updates)

    def wait_for(self, predicate: Callable[[], T], timeout: float = 60.0) -> T:
        """Block until `predicate()` is truthy (re-checked whenever the bot calls the API)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                value = predicate()
                if value:
                    return value
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"condition not met within {timeout} s; bot calls: "
                                       f"{[c.method for c in self.calls[-20:]]}")
                self._cond.wait(min(left, 0.2))

    # -- the API --------------------------------------------------------------------------------

    def _bot_user(self) -> dict[str, Any]:
        return {"id": self.bot_id, "is_bot": True, "first_name": self.first_name,
                "username": self.username}

    def handle(self, token: str, method: str, params: Params) -> tuple[int, dict[str, Any]]:
        if self.latency:
            time.sleep(self.latency)
        call = Call(method, dict(params), time.monotonic())
        try:
            if token != self.token:
                raise ApiError(401, "Unauthorized")
            fault = self._take_fault(method)
            if fault is not None:
                raise fault
            result = self._dispatch(method, params)
            status, body = 200, {"ok": True, "result": result}
        except ApiError as exc:
            status, body = exc.code, exc.body()
        call.status = status
        with self._cond:
            if method != "getUpdates" or status != 200:
                self.calls.append(call)
            self._cond.notify_all()
        return status, body

    def _dispatch(self, method: str, params: Params) -> Any:
        handler = {
            "getMe": lambda p: self._bot_user() | {"can_join_groups": True,
                                                   "can_read_all_group_messages": False,
                                                   "supports_inline_queries": False},
            "deleteWebhook": lambda p: True,
            "setMyCommands": lambda p: True,
            "getUpdates": self._get_updates,
            "sendMessage": self._send_message,
            "editMessageText": self._edit_message,
            "sendChatAction": self._chat_action,
            "sendDocument": self._send_document,
            "close": lambda p: True,
            "logOut": lambda p: True,
        }.get(method)
        if handler is None:
            raise ApiError(404, "Not Found: method not found")
        return handler(params)

    def _get_updates(self, params: Params) -> list[dict[str, Any]]:
        offset = params.integer("offset") if params.get("offset") not in (None, "") else 0
        limit = params.integer("limit") if params.get("limit") not in (None, "") else 100
        timeout = float(params.get("timeout") or 0)
        deadline = time.monotonic() + timeout
        with self._cond:
            if offset:
                self.confirmed_offset = max(self.confirmed_offset, offset)
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
            while not self._updates and not self._closed:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._cond.wait(left)
            return list(self._updates[:max(1, min(limit, 100))])

    def _check_text(self, params: Params) -> tuple[str, str, list[dict[str, Any]], str | None]:
        raw = params.get("text")
        if not isinstance(raw, str) or not raw.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        mode = params.get("parse_mode") or None
        if mode is None:
            shown, entities = raw, []
        elif str(mode).lower() == "markdown":
            shown, entities = render_markdown(raw)
        else:
            raise ApiError(400, f"Bad Request: unsupported parse_mode {mode!r} in this fake")
        if utf16_len(shown) > LIMIT:
            raise ApiError(400, "Bad Request: message is too long")
        return raw, shown, entities, mode

    def _chat_id(self, params: Params) -> int:
        chat_id = params.integer("chat_id")
        if chat_id == self.bot_id:
            raise ApiError(403, "Forbidden: bots can't send messages to bots")
        return chat_id

    def _send_message(self, params: Params) -> dict[str, Any]:
        chat_id = self._chat_id(params)
        raw, shown, entities, mode = self._check_text(params)
        reply = params.obj("reply_parameters") or {}
        reply_to = reply.get("message_id") if isinstance(reply, dict) else None
        if reply_to is None and params.get("reply_to_message_id"):
            reply_to = params.integer("reply_to_message_id")
        with self._cond:
            message = BotMessage(chat_id, self._next_message_id(chat_id), shown, raw, mode,
                                 entities, [shown], reply_to, time.monotonic())
            self.sent.setdefault(chat_id, []).append(message)
        return self._message_json(message)

    def _edit_message(self, params: Params) -> dict[str, Any]:
        chat_id = self._chat_id(params)
        message_id = params.integer("message_id")
        raw, shown, entities, mode = self._check_text(params)
        with self._cond:
            message = next((m for m in self.sent.get(chat_id, [])
                            if m.message_id == message_id), None)
            if message is None:
                raise ApiError(400, "Bad Request: message to edit not found")
            if message.text == shown and message.entities == entities:
                raise ApiError(400, "Bad Request: message is not modified: specified new "
                                    "message content and reply markup are exactly the same "
                                    "as a current content and reply markup of the message")
            now = time.monotonic()
            if self.min_edit_interval and now - message.last_change < self.min_edit_interval:
                self.flood_hits += 1
                raise ApiError(429, "Too Many Requests: retry after 1", retry_after=1)
            message.text, message.raw, message.parse_mode = shown, raw, mode
            message.entities = entities
            message.versions.append(shown)
            message.last_change = now
        return self._message_json(message) | {"edit_date": int(time.time())}

    def _send_document(self, params: Params) -> dict[str, Any]:
        chat_id = self._chat_id(params)
        upload = params.get("document")
        if not isinstance(upload, tuple):
            raise ApiError(400, "Bad Request: there is no document in the request")
        filename, data = upload
        caption = params.get("caption")
        if isinstance(caption, str) and utf16_len(caption) > 1024:
            raise ApiError(400, "Bad Request: message caption is too long")
        with self._cond:
            document = Document(chat_id, self._next_message_id(chat_id), filename, data, caption)
            self.documents.setdefault(chat_id, []).append(document)
        body: dict[str, Any] = {
            "message_id": document.message_id, "from": self._bot_user(),
            "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "group"},
            "date": int(time.time()),
            "document": {"file_id": f"doc{document.message_id}", "file_name": filename,
                         "file_unique_id": f"u{document.message_id}", "file_size": len(data)}}
        return body | ({"caption": caption} if caption else {})

    def _chat_action(self, params: Params) -> bool:
        self._chat_id(params)
        if params.get("action") not in ("typing", "upload_photo", "record_video",
                                        "upload_video", "record_voice", "upload_voice",
                                        "upload_document", "choose_sticker", "find_location",
                                        "record_video_note", "upload_video_note"):
            raise ApiError(400, "Bad Request: wrong parameter action in request")
        return True

    def _message_json(self, message: BotMessage) -> dict[str, Any]:
        chat_type = "private" if message.chat_id > 0 else "group"
        body: dict[str, Any] = {
            "message_id": message.message_id, "from": self._bot_user(),
            "chat": {"id": message.chat_id, "type": chat_type}, "date": int(time.time()),
            "text": message.text,
        }
        if message.entities:
            body["entities"] = message.entities
        return body


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128  # many chats at once must not find the listen backlog full

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler],
                 fake: FakeTelegram) -> None:
        self.fake = fake
        super().__init__(address, handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hung up mid long-poll (the bot stopping) is normal, not an error."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


def _multipart(content_type: str, raw: bytes) -> dict[str, Any]:
    """Form fields as text and uploaded files as (filename, bytes), as Telegram reads them."""
    message: Message = BytesParser().parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + raw)
    fields: dict[str, Any] = {}
    for part in message.get_payload() if message.is_multipart() else []:
        name = part.get_param("name", header="content-disposition")
        data = part.get_payload(decode=True) or b""
        filename = part.get_filename()
        fields[str(name)] = (filename, data) if filename else data.decode()
    return fields


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: Any) -> None:  # quiet: tests read `calls` instead
        pass

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def _params(self) -> Params:
        url = urlsplit(self.path)
        params = Params({k: v[-1] for k, v in parse_qs(url.query).items()})
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if raw and ctype == "application/json":
            body = json.loads(raw)
            if isinstance(body, dict):
                params.update(body)
        elif raw and ctype == "application/x-www-form-urlencoded":
            params.update({k: v[-1] for k, v in parse_qs(raw.decode()).items()})
        elif raw and ctype == "multipart/form-data":
            params.update(_multipart(self.headers.get("Content-Type", ""), raw))
        return params

    def _serve(self) -> None:
        match = re.fullmatch(r"/bot([^/]+)/(\w+)", urlsplit(self.path).path)
        try:
            if match is None:
                raise ApiError(404, "Not Found")
            params = self._params()
            status, body = self.server.fake.handle(match.group(1), match.group(2), params)
        except ApiError as exc:
            status, body = exc.code, exc.body()
        except (ValueError, UnicodeDecodeError):
            status, body = 400, ApiError(400, "Bad Request: can't parse request").body()
        data = json.dumps(body, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
