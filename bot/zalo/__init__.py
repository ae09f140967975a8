"""The bot on Zalo: Zalo's events become aiogram updates for the same handlers, and aiogram's
requests become Zalo calls (`session.ZaloSession`)."""
