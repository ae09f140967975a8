"""aiogram routers, one module per user journey, each built by its module's `build_router()`."""

from aiogram import F, Router
from aiogram.enums import ChatType

from handlers import (
    access,
    after_joining,
    application,
    delivery,
    exports,
    fallback,
    figures,
    forms,
    founding,
    join,
    leads,
    privacy,
    progress,
    review,
    start,
    steering,
)
from handlers.routing import IndexedRouter, run_magic_filters_inline


def _forms() -> list[forms.FormRunner]:
    """Every form a person can be in, for `/cancel`."""
    return [
        join.FORM,
        *leads.FORMS,
        access.FORM,
        *review.FORMS.values(),
        review.ANSWER_FORM,
        *founding.FORMS,
        *after_joining.FORMS,
        figures.FORM,
        steering.FORM,
    ]


def build_router() -> Router:
    """A fresh tree of routers (one per Dispatcher), with every router-level filter kept."""
    # The root offers each update only to the routers that can take it (handlers/routing.py).
    root = IndexedRouter(name="root")
    # Private chats only: union membership is sensitive, and a group is no place for a form.
    root.message.filter(F.chat.type == ChatType.PRIVATE)
    root.callback_query.filter(F.message.chat.type == ChatType.PRIVATE)
    # access and review come first (their deep links, inv_ and v_, are more specific than
    # start's); start comes next so /start and menu buttons work from inside any form;
    # /cancel before the forms it cancels; fallback last takes whatever nobody else did.
    root.include_routers(
        delivery.build_router(),
        access.build_router(),
        review.build_router(),
        start.build_router(),
        forms.build_cancel_router(_forms()),
        application.build_router(),
        progress.build_router(),
        steering.build_router(),
        exports.build_router(),
        after_joining.build_router(),
        privacy.build_router(),
        leads.build_router(),
        founding.build_router(),
        figures.build_router(),
        join.build_router(),
        fallback.build_router(),
    )
    run_magic_filters_inline(root)
    return root
