"""aiogram routers, one module per user journey, composed in one place."""

from aiogram import Router

from handlers import application, fallback, join, privacy, start


def build_router() -> Router:
    root = Router(name="root")
    # start comes first so /start and menu buttons work from inside any form;
    # fallback comes last and takes whatever nobody else did.
    root.include_routers(start.router, application.router, privacy.router, join.router,
                         fallback.router)
    return root
