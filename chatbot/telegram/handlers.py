"""python-telegram-bot wiring: who gets an answer (allow-list, groups), the commands, and the
error handler that keeps the bot serving. The turn itself lives in `conversation.py`."""

from __future__ import annotations

import contextlib
import logging
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from telegram import BotCommand, InputFile, Message, MessageEntity, ReplyParameters, Update
from telegram.constants import ChatType
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    ApplicationHandlerStop,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from chatbot.chat import PRESETS, preset
from chatbot.context import AppContext, Session
from chatbot.errors import ChatbotError, ConfigError
from chatbot.i18n import cli_lang, say
from chatbot.knowledge import Library, embed, load
from chatbot.knowledge import summary as knowledge_summary
from chatbot.settings import Settings
from chatbot.telegram.conversation import ChatState, answer, export_json, remember, restore
from chatbot.telegram.limiter import RetryAfterLimiter
from chatbot.telegram.live import send_text
from chatbot.telegram.text import (
    commands,
    error_reply,
    help_text,
    persona_list,
    persona_switched,
)

log = logging.getLogger(__name__)
Context = ContextTypes.DEFAULT_TYPE


@dataclass(frozen=True)
class BotConfig:
    persona: str = PRESETS[0].key
    max_tokens: int = 2048  # room for answers longer than one Telegram message
    edit_interval: float = 1.0  # seconds between edits of a streamed answer
    workers: int = 32  # model calls running at once (threads); more wait their turn
    concurrent_updates: int = 64
    knowledge: tuple[Path, ...] | None = None  # the host's documents; None: CHATBOT_KNOWLEDGE


class Addressed(filters.MessageFilter):
    """Private chats always; in groups only what is meant for this bot: a mention, a reply to
    one of its messages, or a command (bare or /cmd@this_bot)."""

    def filter(self, message: Message) -> bool:
        if message.chat.type == ChatType.PRIVATE:
            return True
        bot = message.get_bot()
        username = (bot.username or "").lower()
        replied = message.reply_to_message
        if replied and replied.from_user and replied.from_user.id == bot.id:
            return True
        text = message.text or message.caption or ""
        command = re.match(r"/\w+(?:@(\w+))?", text)
        if command:
            return command.group(1) is None or command.group(1).lower() == username
        entities = message.parse_entities([MessageEntity.MENTION, MessageEntity.TEXT_MENTION])
        return any(
            (e.type == MessageEntity.MENTION and value[1:].lower() == username)
            or (e.user is not None and e.user.id == bot.id)
            for e, value in entities.items()
        )


def without_mention(text: str, username: str) -> str:
    """"@lab_bot what is X?" → "what is X?" (the model need not see the bot's handle)."""
    if not username:
        return text.strip()
    return re.sub(rf"@{re.escape(username)}\b", "", text, flags=re.IGNORECASE).strip()


def _message(update: Update) -> Message:
    """The update's message: every handler but `refuse` is registered for message updates."""
    message = update.effective_message
    if message is None:
        raise ApplicationHandlerStop  # not a message update: nothing to answer
    return message


def _reply_to(message: Message) -> int | None:
    """In groups the answer quotes the question, so it is clear whom it answers."""
    return None if message.chat.type == ChatType.PRIVATE else message.message_id


class Handlers:
    """The bot's callbacks. Per-chat and per-user state lives in PTB's chat_data / user_data,
    never here: this object only holds what every chat shares."""

    def __init__(self, ctx: AppContext, config: BotConfig, executor: ThreadPoolExecutor,
                 library: Library | None) -> None:
        self.ctx = ctx
        self.config = config
        self.executor = executor
        self.default_persona = preset(config.persona)
        self.lang = cli_lang()  # the bot's one language: CHATBOT_LANG, else the system's
        self.library = library  # the host's documents, the same for every chat
        self.stopped = threading.Event()  # set at shutdown: a late embedding then says nothing

    def learn_meaning(self) -> None:
        """Embed the host's documents on the bot's backend, as the Chat tab does when a student
        loads files; run beside polling, so a slow or failing embeddings server never holds up
        an answer: until it is done, and for good where the backend has no embeddings, they are
        searched by words alone. The host's log says which."""
        library = self.library
        if library is None or library.documents is None:
            return
        start = time.monotonic()
        vectors = embed(self.ctx, replace(self.ctx.new_session(), lang=self.lang),
                        library.documents)
        if self.stopped.is_set():  # the bot stopped meanwhile: its log and library are closed
            return
        if vectors is None:
            log.info(say(self.lang, "telegram.log_knowledge_words"))
            return
        self.library = replace(library, vectors=vectors)  # the next turns search by meaning too
        log.info(say(self.lang, "telegram.log_knowledge_meaning", n=len(vectors.passages),
                     seconds=time.monotonic() - start))

    def chat(self, update: Update, context: Context) -> ChatState:
        """The chat's conversation, as the store last saw it (it outlives a restart)."""
        data: Any = context.chat_data
        if "chat" not in data:
            chat_id = update.effective_chat.id if update.effective_chat else 0
            data["chat"] = restore(self.ctx.store, chat_id, self.default_persona)
        return data["chat"]

    def session(self, update: Update, context: Context) -> Session:
        """One session (and ledger, so one budget) per Telegram user, shared across chats; its
        spending is kept in the store under the user's id, so a restart does not reset it."""
        data: Any = context.user_data if context.user_data is not None else context.chat_data
        if "session" not in data:
            user = update.effective_user
            new = replace(self.ctx.new_session(), lang=self.lang)
            if user is not None:
                new = replace(new, id=f"tg:{user.id}", keep_spending=True)
            data["session"] = new
        return data["session"]

    async def refuse(self, update: Update, context: Context) -> None:
        message = update.effective_message
        user = update.effective_user
        log.info(say(self.lang, "telegram.log_refused", user=user.id if user else None))
        if message is not None:
            await send_text(context.bot, message.chat_id, say(self.lang, "telegram.refusal"),
                            reply_to=_reply_to(message))
        raise ApplicationHandlerStop

    async def start(self, update: Update, context: Context) -> None:
        message = _message(update)
        persona = self.chat(update, context).persona
        await send_text(context.bot, message.chat_id,
                        f"{persona.greeting}\n\n{help_text(persona, self.lang)}",
                        reply_to=_reply_to(message))

    async def help(self, update: Update, context: Context) -> None:
        message = _message(update)
        await send_text(context.bot, message.chat_id,
                        help_text(self.chat(update, context).persona, self.lang),
                        reply_to=_reply_to(message))

    async def reset(self, update: Update, context: Context) -> None:
        message = _message(update)
        state = self.chat(update, context)
        async with state.lock:
            state.history = []
            remember(self.ctx.store, message.chat_id, state)
        await send_text(context.bot, message.chat_id, say(self.lang, "telegram.reset_done"),
                        reply_to=_reply_to(message))

    async def persona(self, update: Update, context: Context) -> None:
        message = _message(update)
        state = self.chat(update, context)
        if not context.args:
            reply = persona_list(state.persona, PRESETS, self.lang)
        else:
            try:
                chosen = preset(" ".join(context.args))
            except ChatbotError as exc:
                reply = error_reply(exc, self.lang)
            else:
                async with state.lock:
                    state.persona, state.history = chosen, []
                    remember(self.ctx.store, message.chat_id, state)
                reply = persona_switched(chosen, self.lang)
        await send_text(context.bot, message.chat_id, reply, reply_to=_reply_to(message))

    async def usage(self, update: Update, context: Context) -> None:
        message = _message(update)
        status = self.ctx.status_markdown(self.session(update, context), public=True)
        await send_text(context.bot, message.chat_id, status, reply_to=_reply_to(message))

    async def export(self, update: Update, context: Context) -> None:
        """The chat as a JSON file (OpenAI's message format), the one the web Chat tab imports."""
        message = _message(update)
        state = self.chat(update, context)
        if not state.history:
            await send_text(context.bot, message.chat_id, say(self.lang, "telegram.export_empty"),
                            reply_to=_reply_to(message))
            return
        reply_to = _reply_to(message)
        await context.bot.send_document(
            message.chat_id, InputFile(export_json(state), filename=f"chat-{message.chat_id}.json"),
            caption=say(self.lang, "telegram.export_caption"),
            reply_parameters=(ReplyParameters(reply_to, allow_sending_without_reply=True)
                              if reply_to is not None else None))

    async def unknown_command(self, update: Update, context: Context) -> None:
        message = _message(update)
        await send_text(context.bot, message.chat_id,
                        say(self.lang, "telegram.unknown_command") + "\n\n"
                        + help_text(self.chat(update, context).persona, self.lang),
                        reply_to=_reply_to(message))

    async def not_text(self, update: Update, context: Context) -> None:
        message = _message(update)
        await send_text(context.bot, message.chat_id, say(self.lang, "telegram.not_text"),
                        reply_to=_reply_to(message))

    async def text(self, update: Update, context: Context) -> None:
        message = _message(update)
        state = self.chat(update, context)
        question = without_mention(message.text or "", context.bot.username or "")
        if not question:
            await send_text(context.bot, message.chat_id, state.persona.greeting,
                            reply_to=_reply_to(message))
            return
        await answer(context.bot, self.ctx, self.session(update, context), state, question,
                     chat_id=message.chat_id, reply_to=_reply_to(message),
                     max_tokens=self.config.max_tokens, edit_interval=self.config.edit_interval,
                     executor=self.executor, library=self.library)
        remember(self.ctx.store, message.chat_id, state)

    async def on_error(self, update: object, context: Context) -> None:
        """Log it and, when a chat is known, say so there: one failed update never stops the bot."""
        log.error(say(self.lang, "telegram.log_update_failed",
                      update=getattr(update, "update_id", None)), exc_info=context.error)
        if isinstance(update, Update) and update.effective_chat is not None:
            with contextlib.suppress(TelegramError):
                await context.bot.send_message(update.effective_chat.id,
                                               say(self.lang, "telegram.unexpected"))


async def _register_commands(application: Application) -> None:
    """The command menu in Telegram's UI; a server without setMyCommands costs only a log line."""
    lang = cli_lang()
    try:
        await application.bot.set_my_commands([BotCommand(n, d) for n, d in commands(lang)])
    except TelegramError as exc:
        log.warning(say(lang, "telegram.log_commands_failed", error=exc))


def check_audience(settings: Settings) -> None:
    """A bot without an allow-list answers anyone who finds it, on the host's key: only on
    purpose (TELEGRAM_PUBLIC=1), and then said in the log."""
    if settings.telegram_allowed_users:
        return
    if not settings.telegram_public:
        raise ConfigError.keyed("telegram.no_allowed_users", "telegram.no_allowed_users_hint")
    log.warning(say(cli_lang(), "telegram.log_public"))


def host_library(settings: Settings, paths: tuple[Path, ...] | None) -> Library | None:
    """The documents the host gave the bot (`paths`, else CHATBOT_KNOWLEDGE), read once at start
    with the Chat tab's knowledge code; None when there are none. A file that cannot be read
    stops the bot before it serves, saying which."""
    chosen = settings.knowledge if paths is None else paths
    if not chosen:
        return None
    lang = cli_lang()
    try:
        index, notices = load(chosen, hosted=settings.hosted, lang=lang)
    except ChatbotError as exc:
        raise ConfigError.keyed("telegram.knowledge_failed", "telegram.knowledge_failed_hint",
                                detail=exc.said(lang)) from None
    library = Library(documents=index, pack=False)
    for line in [knowledge_summary(library, lang), *notices]:
        log.info(say(lang, "telegram.log_knowledge", summary=line))
    return library


def build_application(ctx: AppContext, config: BotConfig) -> Application:
    settings = ctx.settings
    if not settings.telegram_token:
        raise ConfigError.keyed("telegram.no_token", "telegram.no_token_hint")
    check_audience(settings)
    library = host_library(settings, config.knowledge)
    executor = ThreadPoolExecutor(max_workers=config.workers, thread_name_prefix="tg-model")
    handlers = Handlers(ctx, config, executor, library)

    async def started(application: Application) -> None:
        threading.Thread(target=handlers.learn_meaning, name="tg-embed", daemon=True).start()
        await _register_commands(application)

    async def shutdown(_: Application) -> None:
        handlers.stopped.set()
        executor.shutdown(wait=False, cancel_futures=True)

    builder = (ApplicationBuilder().token(settings.telegram_token)
               .rate_limiter(RetryAfterLimiter())
               .concurrent_updates(config.concurrent_updates)
               .post_init(started)
               .post_shutdown(shutdown))
    if settings.telegram_base_url:
        builder = builder.base_url(settings.telegram_base_url)
    application = builder.build()

    new = filters.UpdateType.MESSAGE  # edited messages and everything else: ignored
    addressed = Addressed()
    if settings.telegram_allowed_users:
        application.add_handler(MessageHandler(
            new & addressed & ~filters.User(user_id=settings.telegram_allowed_users),
            handlers.refuse), group=-1)
    for name, callback in (("start", handlers.start), ("help", handlers.help),
                           ("reset", handlers.reset), ("persona", handlers.persona),
                           ("usage", handlers.usage), ("export", handlers.export)):
        application.add_handler(CommandHandler(name, callback, filters=new))
    # Bare unknown commands in a group may be another bot's: answered only in private.
    application.add_handler(MessageHandler(new & filters.COMMAND & filters.ChatType.PRIVATE,
                                           handlers.unknown_command))
    application.add_handler(MessageHandler(new & filters.TEXT & ~filters.COMMAND & addressed,
                                           handlers.text))
    application.add_handler(MessageHandler(new & ~filters.TEXT & addressed, handlers.not_text))
    application.add_error_handler(handlers.on_error)
    return application
