"""aiogram routers, one module per user journey, composed in one place."""

from aiogram import F, Router
from aiogram.enums import ChatType

from handlers import access, application, fallback, join, leads, privacy, start

# access comes first (its deep links are more specific than start's); start comes next so
# /start and menu buttons work from inside any form;
# fallback comes last and takes whatever nobody else did.
JOURNEYS = (
    access.router,
    start.router,
    application.router,
    privacy.router,
    leads.router,
    join.router,
    fallback.router,
)


def _fresh(template: Router) -> Router:
    # A router can belong to one parent only; copying the handler lists lets several
    # Dispatchers live in one process (tests, a restart simulated in-process, benchmarks).
    router = Router(name=template.name)
    for event, observer in template.observers.items():
        router.observers[event].handlers.extend(observer.handlers)
    return router


def build_router() -> Router:
    root = Router(name="root")
    # Private chats only: union membership is sensitive, and a group is no place for a form.
    root.message.filter(F.chat.type == ChatType.PRIVATE)
    root.callback_query.filter(F.message.chat.type == ChatType.PRIVATE)
    root.include_routers(*(_fresh(r) for r in JOURNEYS))
    return root
