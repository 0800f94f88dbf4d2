"""Brand context for dramatiq messages.

Every message records the brand (schema) it was sent for; the worker activates that brand
before the actor runs and puts the connection back on the public schema afterwards, whether the
actor succeeded, failed or was skipped, so one message's brand never leaks into the next on the
same worker thread.
"""

from __future__ import annotations

import logging
from typing import Any

import dramatiq
from django.db import DatabaseError, connection, transaction
from dramatiq.middleware import Middleware, MiddlewareError, SkipMessage

logger = logging.getLogger(__name__)

OPTION = "brand_schema"


class BrandContextUnavailable(MiddlewareError):
    """The brand a message was sent for could not be looked up (the database refused or dropped
    the connection). The message must not run, and must not run in the public schema: the worker
    hands this to the Retries middleware like an exception from the actor, so it is retried.

    A ``MiddlewareError`` because dramatiq logs and swallows any other exception raised in
    ``before_process_message`` and runs the actor anyway."""


class BrandContextMiddleware(Middleware):
    @property
    def actor_options(self) -> set[str]:
        return {OPTION}

    def before_enqueue(
        self, broker: dramatiq.Broker, message: dramatiq.Message, delay: Any
    ) -> None:
        if OPTION not in message.options:
            schema = getattr(connection, "schema_name", "public")
            message.options[OPTION] = schema if schema != "public" else None

    def before_process_message(self, broker: dramatiq.Broker, message: dramatiq.Message) -> None:
        from tenants.models import Brand

        connection.set_schema_to_public()
        schema = message.options.get(OPTION)
        if not schema:
            return
        try:
            brand = Brand.objects.filter(schema_name=schema).first()
        except DatabaseError as exc:
            raise BrandContextUnavailable(f"brand {schema} could not be looked up: {exc}") from exc
        if brand is None:
            logger.warning("Skipping %s: its brand schema %s no longer exists", message, schema)
            raise SkipMessage()
        if not brand.is_active:
            logger.info("Skipping %s: brand %s is suspended", message, brand.slug)
            raise SkipMessage()
        connection.set_tenant(brand)

    def _reset(self, *args: Any, **kwargs: Any) -> None:
        connection.set_schema_to_public()

    after_process_message = _reset
    after_skip_message = _reset


class PendingSend:
    """A message ``enqueue_on_commit`` sends once the transaction commits. Its arguments are
    read when it is sent, so a caller may add to a list it passed while ``sent`` is False (the
    outbox gathers one transaction's events into one message), or ``withdraw`` it."""

    def __init__(
        self,
        actor: dramatiq.Actor,  # type: ignore[type-arg]
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        options: dict[str, Any],
    ) -> None:
        self.actor, self.args, self.kwargs, self.options = actor, args, kwargs, options
        self.sent = False
        # Django names a failing on-commit hook by its __qualname__ in the log.
        self.__qualname__ = f"send {actor.actor_name}"

    def __call__(self) -> None:
        if self.sent:
            return
        # Sent from here on: a reaction run inline by the broker (tests) adds to no args.
        self.sent = True
        self.actor.send_with_options(args=self.args, kwargs=self.kwargs, **self.options)

    def withdraw(self) -> None:
        """Not to be sent after all: the caller handed its arguments to another send."""
        self.sent = True


def enqueue_on_commit(
    actor: dramatiq.Actor, *args: Any, options: dict[str, Any] | None = None, **kwargs: Any
) -> PendingSend:
    """The one way to hand work to the worker: send ``actor`` once the current transaction
    commits, for the brand active *now*. ``options`` are dramatiq message options (``delay``
    and ``time_limit`` in milliseconds).

    Capturing the schema at call time (not at commit time) keeps the message in the right
    brand even if the connection has switched schema by the time the outer transaction ends.
    A broker that cannot take the message is logged and does not fail the committed change:
    whatever must not be lost is also written to the database (an outbox row, a queued job, a
    pending delivery) where a periodic sweep finds it.
    """
    schema = getattr(connection, "schema_name", "public")
    message_options = {OPTION: schema if schema != "public" else None, **(options or {})}
    send = PendingSend(actor, args, kwargs, message_options)
    transaction.on_commit(send, robust=True)
    return send
