"""``TelegramRunner``: builds the python-telegram-bot Application and runs it in the caller's loop."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import timedelta

from telegram import BotCommand, BotCommandScopeChat, Update
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot.service_port import ModerationPort
from bot.telegram.acks import hold_acks_until_processed
from bot.telegram.gateway import TelegramGateway
from bot.telegram.handlers import Handlers, ModChatFilter, ModChats
from bot.telegram.options import TelegramOptions
from bot.telegram.ordering import PerChatUpdateProcessor
from bot.telegram.ratelimit import PostingRateLimiter
from bot.telegram.roles import AdminCache

log = logging.getLogger(__name__)

ALLOWED_UPDATES = [
    Update.MESSAGE,
    Update.EDITED_MESSAGE,
    Update.CHAT_MEMBER,
    Update.MY_CHAT_MEMBER,
    Update.CALLBACK_QUERY,
]


def build_application(options: TelegramOptions) -> Application:  # type: ignore[type-arg]
    """The Application: configurable Bot API server, rate limiter with 429 retries, no job queue."""
    api = options.api_base_url.rstrip("/")
    return (
        ApplicationBuilder()
        .token(options.token)
        .base_url(f"{api}/bot")
        .base_file_url(f"{api}/file/bot")
        .rate_limiter(PostingRateLimiter(max_retries=options.rate_limit_retries))
        .concurrent_updates(PerChatUpdateProcessor(options.concurrent_updates))
        .job_queue(None)
        .build()
    )


class TelegramRunner:
    """Runs the Telegram adapter beside other platforms in one asyncio loop.

    Args:
        service: The moderation service (the gateway is registered with it on start).
        options: Token, API server and update mode.
        communities: Names of the configured communities (read again on each use, so reloads apply).
    """

    def __init__(
        self, service: ModerationPort, options: TelegramOptions, *, communities: Callable[[], Iterable[str]]
    ) -> None:
        self._service = service
        self._options = options.with_secret() if options.mode == "webhook" else options
        self._mod_chats = ModChats(service, communities)
        self._app = build_application(self._options)
        hold_acks_until_processed(self._app)  # a crash loses no fetched, unprocessed update
        self.gateway = TelegramGateway(self._app.bot, service)
        self._handlers = Handlers(
            service, self.gateway, AdminCache(self._app.bot, ttl=options.admin_cache_ttl), self._mod_chats
        )
        self._started = False
        self._handlers_added = False

    @property
    def application(self) -> Application:  # type: ignore[type-arg]
        """The underlying python-telegram-bot Application."""
        return self._app

    @property
    def webhook_secret(self) -> str | None:
        """The secret Telegram must send in ``X-Telegram-Bot-Api-Secret-Token`` (webhook mode)."""
        return self._options.webhook_secret if self._options.mode == "webhook" else None

    def _add_handlers(self) -> None:
        h = self._handlers
        names = [name for name, _help in self._service.command_help()]
        mod_chat = ModChatFilter(self._mod_chats)
        app = self._app
        if names:
            app.add_handler(
                CommandHandler(names, h.on_command, filters=mod_chat & filters.UpdateType.MESSAGE)
            )
        app.add_handler(  # members' /appeal and /verify in a private chat with the bot
            CommandHandler(["appeal", "verify"], h.on_private_command, filters=filters.ChatType.PRIVATE)
        )
        app.add_handler(CallbackQueryHandler(h.on_button))
        app.add_handler(ChatMemberHandler(h.on_chat_member, ChatMemberHandler.CHAT_MEMBER))
        app.add_handler(ChatMemberHandler(h.on_my_chat_member, ChatMemberHandler.MY_CHAT_MEMBER))
        app.add_handler(MessageHandler(filters.ChatType.GROUPS, h.on_message))
        app.add_error_handler(h.on_error)

    async def _set_commands(self) -> None:
        commands = [BotCommand(name, (text or name)[:256]) for name, text in self._service.command_help()]
        for chat_id in self._mod_chats.mapping():
            try:
                await self._app.bot.set_my_commands(commands, scope=BotCommandScopeChat(int(chat_id)))
            except TelegramError as exc:
                log.warning("telegram: could not register commands in chat %s: %s", chat_id, exc)

    async def start(self) -> None:
        """Initialise (getMe), register the gateway and commands, then poll or serve the webhook.

        Raises:
            telegram.error.TelegramError: Telegram refused the token or stayed unreachable; whatever had
                started is stopped again first.
        """
        if self._started:
            return
        if not self._handlers_added:
            self._add_handlers()
            self._handlers_added = True
        try:
            await self._app.initialize()
            self._service.register_gateway(self.gateway)
            await self._set_commands()
            await self._app.start()
            await self._start_updates()
        except BaseException:
            await self.stop()
            raise
        self._started = True
        log.info("telegram: running as @%s (%s)", self._app.bot.username, self._options.mode)

    async def _start_updates(self) -> None:
        updater = self._app.updater
        assert updater is not None
        opts = self._options
        if opts.mode == "webhook":
            await updater.start_webhook(
                listen=opts.webhook_listen,
                port=opts.webhook_port,
                url_path=opts.webhook_path,
                webhook_url=opts.webhook_url,
                secret_token=opts.webhook_secret,
                allowed_updates=ALLOWED_UPDATES,
                bootstrap_retries=opts.bootstrap_retries,
            )
        else:
            await updater.start_polling(
                poll_interval=opts.poll_interval,
                timeout=timedelta(seconds=opts.poll_timeout),
                allowed_updates=ALLOWED_UPDATES,
                bootstrap_retries=opts.bootstrap_retries,
            )

    async def stop(self) -> None:
        """Stop receiving updates, finish the ones in progress and close the HTTP clients."""
        updater = self._app.updater
        if updater is not None and updater.running:
            await updater.stop()
        if self._app.running:
            await self._app.stop()
        await self._app.shutdown()
        await self._app.bot.request.shutdown()  # also after a failed initialize (shutdown skips it then)
        self._started = False
