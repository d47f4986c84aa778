"""graphql-transport-ws as Strawberry runs it, with two changes for many subscribers:

* each operation's task is lent a sender (schema.subscriptions.lend_sender): a subscription
  result shared between subscribers goes straight to the socket, encoded once, only the
  operation id spliced in;
* a slow client is dropped instead of buffered without bound. Each subscription reads from a
  bounded queue (resolvers.call_events.MAX_PENDING events); when a client falls that far behind
  on any of its subscriptions (it does not read its socket, so sends wait), the connection is
  closed with 1013 "Try Again Later" (SLOW_CONSUMER_CODE): every operation of the connection
  stops at once, its queues are freed, and further messages from it are ignored while the
  close goes out. graphql-ws clients treat 1013 as retryable: they reconnect and resubscribe
  (events published meanwhile are not replayed, as for any reconnection). A burst of more
  events than that on one channel, faster than a client takes them, has the same effect. A
  client that reads nothing at all may never get the close frame; it holds no queue meanwhile
  and its TCP connection ends when the OS or a proxy times it out.
"""

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from contextlib import suppress
from typing import Any

from starlette.websockets import WebSocketDisconnect
from strawberry.asgi import ASGIWebSocketAdapter
from strawberry.http.exceptions import WebSocketDisconnected
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
    Operation,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import Message

from resolvers import events
from schema.context import Context
from schema.subscriptions import encoded_payloads, lend_sender

log = logging.getLogger("vocalia.graphql")

SLOW_CONSUMER_CODE = 1013
SLOW_CONSUMER_REASON = "slow consumer: too many undelivered events"


class TextWebSocketAdapter(ASGIWebSocketAdapter):
    """Strawberry's ASGI socket, plus sending text already encoded."""

    async def send_text(self, text: str) -> None:
        try:
            await self.ws.send_text(text)
        except WebSocketDisconnect as exc:
            raise WebSocketDisconnected from exc


class TransportWSHandler(BaseGraphQLTransportWSHandler[Context, None]):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.dropped = False
        self._closing: asyncio.Task[None] | None = None
        self._cancelled: list[asyncio.Task[None]] = []

    async def handle_message(self, message: Message) -> None:
        if not self.dropped:
            await super().handle_message(message)

    async def run_operation(self, operation: Operation[Context, None]) -> None:
        # Set in the operation's own task: its resolvers subscribe on the bus with this hook,
        # and may send their results directly.
        events.on_overflow.set(self._overflowed)
        if isinstance(self.websocket, TextWebSocketAdapter):
            lend_sender(self._sender(operation, self.websocket))
        await super().run_operation(operation)

    def _sender(
        self, operation: Operation[Context, None], websocket: TextWebSocketAdapter
    ) -> Callable[[dict[str, Any]], Awaitable[None]]:
        # What Operation.send_next() would send for an error-free result, as the view would
        # encode it (compact JSON), the payload encoded once for every subscriber.
        prefix = '{"id":' + json.dumps(operation.id) + ',"type":"next","payload":'
        encode = self.view.encode_json_string

        async def send(data: dict[str, Any]) -> None:
            if operation.completed:
                return
            try:
                await websocket.send_text(prefix + encoded_payloads.encode(data, encode) + "}")
            except WebSocketDisconnected:
                # The client is gone: end the operation quietly (the handler is shutting
                # down), not as a GraphQL error that could not be sent either.
                raise asyncio.CancelledError from None

        return send

    def _overflowed(self, error: events.SubscriberOverflow) -> None:
        if self.dropped:
            return
        self.dropped = True
        log.warning("dropping a slow websocket client (%s)", error)
        for operation_id in list(self.operations):
            task = self.operations.pop(operation_id).task
            if task is not None:
                task.cancel()
                self._cancelled.append(task)
        self._closing = asyncio.create_task(self._close_slow())

    async def _close_slow(self) -> None:
        # Waits behind what the socket already has to send; the client may never read it.
        with suppress(Exception):
            await self.websocket.close(code=SLOW_CONSUMER_CODE, reason=SLOW_CONSUMER_REASON)

    async def shutdown(self) -> None:
        await super().shutdown()
        if self._closing is not None and not self._closing.done():
            self._closing.cancel()
        for task in [*self._cancelled, *([self._closing] if self._closing else [])]:
            with suppress(Exception, asyncio.CancelledError):
                await task
