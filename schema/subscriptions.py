"""Subscriptions at scale: one execution per event and document, one encoding per result, and
no per-subscriber GraphQL machinery between the bus and the socket.

A busy tenant's dashboards all send the same subscription document. The bus already hands
every local subscriber the same decoded event (resolvers.events); here that sharing is carried
up through GraphQL:

  * shared_root() turns an event into its GraphQL root object once, whichever subscriber asks
    first; the others get the same object. Only types declared context_free() (every field
    plain data, checked) may be roots, so executing a selection on one cannot depend on who
    subscribed.
  * SharedEventExecutor (the schema's executor, see share_subscription_events) executes a
    subscription's selection set on such a root once per distinct (document, operation name,
    variables) and reuses the graphql-core result for every subscription with that key.
    Results with errors are never shared.
  * deliver(): under the websocket handler (schema.ws), which lends each operation's task a
    way to send, the subscription resolver hands a shared, error-free result straight to the
    socket, its payload encoded once (EncodedPayloads) and only the operation id spliced in;
    Strawberry's per-result loop (extension hooks, result objects) is skipped for it. Anything
    else (an error, another transport, schema.subscribe() called directly) is yielded to
    Strawberry as usual. Either way a subscriber's results go out one at a time, in order: the
    resolver awaits each send before it reads the next event. None of the schema's extensions
    adds per-result `extensions`; one that did would not see directly delivered results.

Each subscriber still runs its own resolver (authorization, tenant scope, type filter, call
history, ordering) on its own bounded bus queue; only identical work is done once.
"""

import inspect
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from contextvars import ContextVar
from typing import Any, TypeVar

import strawberry
from graphql import ExecutionResult as GraphQLExecutionResult
from graphql.execution import Executor
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.types.base import get_object_definition

S = TypeVar("S")
T = TypeVar("T")

# Events whose root (and results) are kept: a subscriber further behind than this rebuilds and
# re-executes (correct, just not shared).
SHARED_EVENTS = 512
ENCODED_PAYLOADS = 256

_CONTEXT_FREE: set[type] = set()


def context_free(cls: type[T]) -> type[T]:
    """Declare a Strawberry type usable as a shared root: every field must be plain data (no
    resolver that could read the caller's context). Raises TypeError otherwise."""
    definition = get_object_definition(cls, strict=True)
    computed = [f.python_name for f in definition.fields if f.base_resolver is not None]
    if computed:
        raise TypeError(
            f"{cls.__name__} is shared between subscribers: fields {computed} have resolvers"
        )
    _CONTEXT_FREE.add(cls)
    return cls


class _Shared:
    __slots__ = ("results", "root", "source")

    def __init__(self, source: object, root: object) -> None:
        self.source = source  # held: its id() is the key and must not be reused meanwhile
        self.root = root
        self.results: dict[Hashable, GraphQLExecutionResult] = {}


class SharedRoots:
    """The roots of the last few events, keyed by the identity of the event they came from."""

    def __init__(self, size: int = SHARED_EVENTS) -> None:
        self.size = size
        self._by_source: OrderedDict[int, _Shared] = OrderedDict()
        self._by_root: dict[int, _Shared] = {}

    def root(self, source: S, build: Callable[[S], T]) -> T:
        entry = self._by_source.get(id(source))
        if entry is not None and entry.source is source:
            return entry.root  # type: ignore[return-value]
        root = build(source)
        if type(root) not in _CONTEXT_FREE:
            raise TypeError(f"{type(root).__name__} is not declared context_free")
        entry = _Shared(source, root)
        self._by_source[id(source)] = entry
        self._by_source.move_to_end(id(source))
        self._by_root[id(root)] = entry
        while len(self._by_source) > self.size:
            _, old = self._by_source.popitem(last=False)
            if self._by_root.get(id(old.root)) is old:
                del self._by_root[id(old.root)]
        return root

    def results(self, root: object) -> dict[Hashable, GraphQLExecutionResult] | None:
        entry = self._by_root.get(id(root))
        return entry.results if entry is not None and entry.root is root else None


shared_roots = SharedRoots()


def shared_root(source: S, build: Callable[[S], T]) -> T:
    """build(source), the root object for this event: built once, then the same object for
    every subscriber that passes the same (identical, not equal) event."""
    return shared_roots.root(source, build)


def _freeze(value: Any) -> Hashable:
    if isinstance(value, dict):
        return ("{}", tuple(sorted((k, _freeze(v)) for k, v in value.items())))
    if isinstance(value, list | tuple):
        return ("[]", tuple(_freeze(v) for v in value))
    if value is None or isinstance(value, str | int | float | bool):
        # With the type: 1, 1.0 and True are equal keys but different values.
        return (type(value).__name__, value)
    raise TypeError(f"unshareable variable value {type(value).__name__}")


class _Executed:
    """A per-event executor whose result is already known."""

    __slots__ = ("result",)

    def __init__(self, result: Any) -> None:
        self.result = result

    def execute_operation(self, serially: bool | None = None) -> Any:
        return self.result


class _Lent:
    """What the websocket handler lends one operation's task: a way to send a result's data,
    and (filled in when it is built) the operation's executor."""

    __slots__ = ("executor", "send")

    def __init__(self, send: Callable[[dict[str, Any]], Awaitable[None]]) -> None:
        self.send = send
        self.executor: SharedEventExecutor | None = None


_lent: ContextVar[_Lent | None] = ContextVar("vocalia_subscription_lent", default=None)


def lend_sender(send: Callable[[dict[str, Any]], Awaitable[None]]) -> None:
    """Called by a transport in the task of one operation, before it executes: results of that
    operation may then be sent with send(data) instead of going through Strawberry."""
    _lent.set(_Lent(send))


_UNSET: Any = object()


def _has_middleware(executor: Executor) -> bool:
    manager = executor.middleware_manager
    return manager is not None and bool(manager.middlewares)


class SharedEventExecutor(StrawberryGraphQLCoreExecutionContext):
    """Strawberry's executor, sharing a subscription event's execution between subscriptions
    of the same document and variables when the event's root came from shared_root()."""

    _share_key: Any = _UNSET

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        lent = _lent.get()
        if lent is not None and lent.executor is None:
            lent.executor = self

    def _key(self) -> Hashable | None:
        if self._share_key is _UNSET:
            loc = self.operation.loc
            try:
                self._share_key = (
                    None
                    # Middleware (an extension's resolve hook) may depend on the caller.
                    if loc is None or _has_middleware(self)
                    else (
                        id(self.schema),
                        loc.source.body,
                        self.operation.name.value if self.operation.name else None,
                        _freeze(self.variable_values.coerced),
                    )
                )
            except TypeError:
                self._share_key = None
        return self._share_key

    def shared_result(self, root: object) -> GraphQLExecutionResult | None:
        """The error-free result of this operation on a shared root, executed at most once per
        key; None when the root is not shared or the result has errors."""
        results = shared_roots.results(root)
        key = self._key() if results is not None else None
        if results is None or key is None:
            return None
        result = results.get(key)
        if result is not None:
            return result
        executed = super().build_per_event_executor(root).execute_operation(False)
        if not isinstance(executed, GraphQLExecutionResult):
            # Awaitable: a plain-data root has no async field; leave it to Strawberry anyway.
            if inspect.iscoroutine(executed):
                executed.close()
            return None
        if executed.errors:
            return None  # not shared; Strawberry executes it again and reports the errors
        results[key] = executed
        return executed

    def build_per_event_executor(self, payload: Any) -> Executor:
        result = self.shared_result(payload)
        if result is None:
            return super().build_per_event_executor(payload)
        return _Executed(result)  # type: ignore[return-value]


async def deliver(root: object) -> bool:
    """Send this event's result directly when the transport lent a sender to the current
    operation and the result is shared and error-free; False: yield the root to Strawberry."""
    lent = _lent.get()
    if lent is None or lent.executor is None:
        return False
    result = lent.executor.shared_result(root)
    if result is None or not isinstance(result.data, dict):
        return False
    await lent.send(result.data)
    return True


def share_subscription_events(schema: strawberry.Schema) -> strawberry.Schema:
    """The schema, executing with SharedEventExecutor (queries and mutations run exactly as
    with Strawberry's own executor: only subscription events differ)."""
    schema.execution_context_class = SharedEventExecutor
    return schema


class EncodedPayloads:
    """The encoded `{"data": ...}` payload of the last few shared results, by identity."""

    def __init__(self, size: int = ENCODED_PAYLOADS) -> None:
        self.size = size
        self._by_data: OrderedDict[int, tuple[object, str]] = OrderedDict()

    def encode(self, data: dict[str, Any], encode: Callable[[object], str]) -> str:
        entry = self._by_data.get(id(data))
        if entry is not None and entry[0] is data:
            return entry[1]
        text = encode({"data": data})
        self._by_data[id(data)] = (data, text)
        self._by_data.move_to_end(id(data))
        while len(self._by_data) > self.size:
            self._by_data.popitem(last=False)
        return text


encoded_payloads = EncodedPayloads()
