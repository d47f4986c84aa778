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

Limits and revocation (contract sections 2 and 4):

* every `subscribe` (query, mutation or subscription) counts against the caller's plan rate,
  the same window as HTTP; a refused one gets an `error` message (rate_limit_exceeded, 429,
  retryAfter) and the socket stays open;
* at most MAX_SUBSCRIPTIONS_PER_SOCKET operations are open at once on a socket (a query or
  mutation holds a place only while it runs); one more gets an `error` message,
  rate_limit_exceeded (429, no retryAfter: complete one first);
* a key or user holds at most MAX_SOCKETS_PER_CREDENTIAL sockets, counted across processes
  with Redis; the next connection_init is closed 4429, as is one from an IP with too many
  failed authentications (resolvers.principals.authenticate_bearer);
* revoking the credential (key revoked or rotated, logout, password change, tenant erased)
  closes the socket 4401 on whichever process holds it, a plan downgrade 4403
  (resolvers.revocation).
"""

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from contextlib import suppress
from typing import Any

from starlette.websockets import WebSocketDisconnect
from strawberry.asgi import ASGIWebSocketAdapter
from strawberry.exceptions import ConnectionRejectionError
from strawberry.http.exceptions import WebSocketDisconnected
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
    Operation,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import (
    ConnectionInitMessage,
    Message,
    SubscribeMessage,
)
from strawberry.types.unset import UnsetType

from models.base import new_id
from resolvers import events, limits, revocation
from resolvers.errors import DomainError, ErrorCode
from resolvers.plans import plan_of
from resolvers.principals import Principal, rate_limited, still_valid, tenant_plan
from schema.context import Context
from schema.subscriptions import encoded_payloads, lend_sender

log = logging.getLogger("vocalia.graphql")

SLOW_CONSUMER_CODE = 1013
SLOW_CONSUMER_REASON = "slow consumer: too many undelivered events"
TOO_MANY_CODE = 4429
RATE_WINDOW = 60.0


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
        self._slot: tuple[str, str] | None = None  # (credential, socket id) in the socket count
        self._live: revocation.LiveSocket | None = None

    async def handle_message(self, message: Message) -> None:
        if not self.dropped:
            await super().handle_message(message)

    async def handle_connection_init(self, message: ConnectionInitMessage) -> None:
        # Strawberry's, with the contract's close codes: 4429 for a rate limit (an IP that
        # failed too often, too many sockets), 4403 for a refused credential.
        if self.connection_timed_out:
            return
        if self.connection_init_timeout_task:
            self.connection_init_timeout_task.cancel()
        payload = message.get("payload", {})
        if not isinstance(payload, dict):
            await self.websocket.close(code=4400, reason="Invalid connection init payload")
            return
        if self.connection_init_received:
            await self.websocket.close(code=4429, reason="Too many initialisation requests")
            return
        self.connection_init_received = True
        self.context.connection_params = payload
        try:
            ack_payload = await self.view.on_ws_connect(self.context)
        except ConnectionRejectionError as exc:
            code = exc.payload.get("code") if isinstance(exc.payload, dict) else None
            if code == ErrorCode.RATE_LIMIT_EXCEEDED.value:
                await self.websocket.close(code=TOO_MANY_CODE, reason=str(exc.payload["message"]))
            else:
                await self.websocket.close(code=4403, reason="Forbidden")
            return
        principal = self.context.principal
        if principal is not None and not await self._admit(principal):
            return
        if isinstance(ack_payload, UnsetType):
            await self.send_message({"type": "connection_ack"})
        else:
            await self.send_message({"type": "connection_ack", "payload": ack_payload})
        self.connection_acknowledged = True

    async def _admit(self, principal: Principal) -> bool:
        """Take a place in the credential's socket count and listen for its revocation."""
        owner = f"key:{principal.key_id}" if principal.key_id else f"user:{principal.user_id}"
        socket_id = new_id("ws", 16)
        slots = limits.get_socket_slots()
        if not await slots.acquire(owner, socket_id, limits.MAX_SOCKETS_PER_CREDENTIAL):
            reason = f"at most {limits.MAX_SOCKETS_PER_CREDENTIAL} sockets per key or user"
            await self.websocket.close(code=TOO_MANY_CODE, reason=reason)
            return False
        self._slot = (owner, socket_id)
        self._live = revocation.register(principal, self._revoked)
        # Revoked between its authentication and the registration: no message would come.
        if not await still_valid(principal):
            self._revoked(revocation.CREDENTIAL_GONE, "credential revoked")
            return False
        return True

    async def handle_subscribe(self, message: SubscribeMessage) -> None:
        principal = self.context.principal
        if (
            not self.connection_acknowledged
            or principal is None
            or message["id"] in self.operations
        ):
            await super().handle_subscribe(message)  # closes 4401 / 4409
            return
        if len(self.operations) >= limits.MAX_SUBSCRIPTIONS_PER_SOCKET:
            await self._refuse(
                message,
                DomainError(
                    ErrorCode.RATE_LIMIT_EXCEEDED,
                    f"at most {limits.MAX_SUBSCRIPTIONS_PER_SOCKET} operations open on one "
                    "socket: complete one, or open another socket",
                ),
            )
            return
        plan = (await tenant_plan(principal.tenant_id) if principal.tenant_id else None) or (
            principal.plan
        )
        result = await limits.get_limiter().hit(
            principal.rate_key, plan_of(plan).requests_per_minute, RATE_WINDOW
        )
        if not result.allowed:
            await self._refuse(message, rate_limited(result.retry_after))
            return
        await super().handle_subscribe(message)

    async def _refuse(self, message: SubscribeMessage, error: DomainError) -> None:
        # The operation never starts: its id stays free for a retry.
        await self.send_message(
            {
                "id": message["id"],
                "type": "error",
                "payload": [{"message": error.message, "extensions": error.extensions}],
            }
        )

    def _revoked(self, code: int, reason: str) -> None:
        self._drop(code, reason)

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
        if not self.dropped:
            log.warning("dropping a slow websocket client (%s)", error)
        self._drop(SLOW_CONSUMER_CODE, SLOW_CONSUMER_REASON)

    def _drop(self, code: int, reason: str) -> None:
        """Stop every operation at once, ignore the client from now on, close the socket."""
        if self.dropped:
            return
        self.dropped = True
        for operation_id in list(self.operations):
            task = self.operations.pop(operation_id).task
            if task is not None:
                task.cancel()
                self._cancelled.append(task)
        self._closing = asyncio.create_task(self._close(code, reason))

    async def _close(self, code: int, reason: str) -> None:
        # Waits behind what the socket already has to send; the client may never read it.
        with suppress(Exception):
            await self.websocket.close(code=code, reason=reason)

    async def shutdown(self) -> None:
        if self._live is not None:
            revocation.unregister(self._live)
        if self._slot is not None:
            slot, self._slot = self._slot, None
            with suppress(Exception):
                await limits.get_socket_slots().release(*slot)
        await super().shutdown()
        if self._closing is not None and not self._closing.done():
            self._closing.cancel()
        for task in [*self._cancelled, *([self._closing] if self._closing else [])]:
            with suppress(Exception, asyncio.CancelledError):
                await task
