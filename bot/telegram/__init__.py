"""Telegram adapter: python-telegram-bot Application, update translation and the chat gateway."""
