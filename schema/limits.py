"""What a GraphQL document may cost before it is validated or run, measured in linear time.

graphql-core validates fragment spreads as they expand, and Strawberry's depth and alias
limiters walk every spread again: fragments that each spread the next one twice cost
2^levels. Here each fragment is measured once, in dependency order, and its figures reused
wherever it is spread, so the check costs time linear in the document. Three figures:

* selections: fields, inline fragments and spreads once the spreads are expanded — the size
  of the tree validation and execution would walk. Over MAX_SELECTIONS the request is refused
  before validation (HTTP 400: it is too big to be looked at, like a body over the limit);
* depth: nested selection sets, introspection fields included (a __type { fields { type {
  fields ... } } } chain is as deep as any other);
* aliases: aliased fields once expanded;
* repeats: fields of one selection set sharing a response name (validation compares each pair).

A depth or alias excess is an ordinary validation error (HTTP 200 with errors, as GraphQL over
HTTP answers invalid documents), but still found without the exponential walk.
"""

import contextlib
import functools
from collections.abc import Iterator
from dataclasses import dataclass

from graphql import (
    ASTValidationRule,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    parse,
    validate,
)
from strawberry.extensions import SchemaExtension

from resolvers.errors import ErrorCode

MAX_DEPTH = 10
# An operation that reads __schema or __type (development only: production refuses
# introspection) may nest deeper: GraphiQL's own introspection query is 13 levels deep.
MAX_INTROSPECTION_DEPTH = 15
_INTROSPECTION_ROOTS = frozenset({"__schema", "__type"})
MAX_ALIASES = 30
MAX_SELECTIONS = 5000
# graphql-core compares every pair of fields that share a response name in a selection set
# (OverlappingFieldsCanBeMergedRule): quadratic, ~0.2 s for 2,000 copies of __typename.
MAX_SAME_NAME = 50


@dataclass(frozen=True)
class Cost:
    selections: int = 0
    depth: int = 0
    aliases: int = 0


class DocumentTooCostly(GraphQLError):
    """Refused before validation: over HTTP the whole request is a 400."""


class _DepthExceeded(Exception):
    def __init__(self, node: FieldNode) -> None:
        self.node = node


class _Repeated(Exception):
    def __init__(self, node: FieldNode) -> None:
        self.node = node


class _Measure:
    def __init__(self, document: DocumentNode) -> None:
        self.fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        self.costs: dict[str, Cost] = {}
        for name in self._dependency_order():
            self.costs[name] = self.selection_set(self.fragments[name].selection_set, 0)

    def _dependency_order(self) -> Iterator[str]:
        """Fragments whose spreads are all measured come first (Kahn's algorithm). Fragments
        on a cycle never become ready: they count as empty here, and graphql-core's
        NoFragmentCyclesRule reports them."""
        uses: dict[str, set[str]] = {}
        for name, fragment in self.fragments.items():
            uses[name] = {s for s in _spreads(fragment.selection_set) if s in self.fragments}
        users: dict[str, list[str]] = {name: [] for name in self.fragments}
        for name, spread in uses.items():
            for used in spread:
                users[used].append(name)
        pending = {name: len(spread) for name, spread in uses.items()}
        ready = [name for name, count in pending.items() if count == 0]
        while ready:
            name = ready.pop()
            yield name
            for user in users[name]:
                pending[user] -= 1
                if pending[user] == 0:
                    ready.append(user)

    def selection_set(self, node: SelectionSetNode, level: int) -> Cost:
        """``level``: the depth of this selection set inside the definition being measured;
        past the largest depth allowed the walk stops, so its recursion stays bounded."""
        selections = depth = aliases = 0
        names: dict[str, int] = {}
        for selection in node.selections:
            if isinstance(selection, FieldNode):
                name = (selection.alias or selection.name).value
                names[name] = seen = names.get(name, 0) + 1
                if seen > MAX_SAME_NAME:
                    raise _Repeated(selection)
                selections += 1
                aliases += selection.alias is not None
                if selection.selection_set is not None:
                    if level >= MAX_INTROSPECTION_DEPTH:
                        raise _DepthExceeded(selection)
                    child = self.selection_set(selection.selection_set, level + 1)
                    selections += child.selections
                    aliases += child.aliases
                    depth = max(depth, 1 + child.depth)
                continue
            if isinstance(selection, InlineFragmentNode):
                child = self.selection_set(selection.selection_set, level)
            elif isinstance(selection, FragmentSpreadNode):
                child = self.costs.get(selection.name.value, Cost())
            else:  # pragma: no cover - the grammar has no other selection
                continue
            selections += 1 + child.selections
            aliases += child.aliases
            depth = max(depth, child.depth)
        return Cost(selections, depth, aliases)


def _spreads(node: SelectionSetNode) -> Iterator[str]:
    stack = [node]
    while stack:
        for selection in stack.pop().selections:
            if isinstance(selection, FragmentSpreadNode):
                yield selection.name.value
            elif isinstance(selection, FieldNode | InlineFragmentNode) and selection.selection_set:
                stack.append(selection.selection_set)


def check_document(
    document: DocumentNode, operation_name: str | None = None
) -> GraphQLError | None:
    """The first limit the document's operations exceed, as a GraphQLError; else None."""
    try:
        measure = _Measure(document)
        operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
        total = sum(c.selections for c in measure.costs.values())
        costs = []
        for operation in operations:
            cost = measure.selection_set(operation.selection_set, 0)
            total += cost.selections
            costs.append((operation, cost))
    except _Repeated as exc:
        return DocumentTooCostly(
            f"more than {MAX_SAME_NAME} fields named {exc.node.name.value!r} in one selection set",
            extensions={"code": ErrorCode.INVALID_REQUEST.value, "status": 400},
        )
    except _DepthExceeded as exc:
        name = operation_name or "anonymous"
        return _error(
            f"'{name}' exceeds maximum operation depth of {MAX_INTROSPECTION_DEPTH}", exc.node
        )
    if total > MAX_SELECTIONS:
        return DocumentTooCostly(
            f"the document expands to more than {MAX_SELECTIONS} selections; "
            "spread fewer fragments or split the operation",
            extensions={"code": ErrorCode.INVALID_REQUEST.value, "status": 400},
        )
    for operation, cost in costs:
        name = operation.name.value if operation.name else "anonymous"
        limit = MAX_INTROSPECTION_DEPTH if _introspects(operation) else MAX_DEPTH
        if cost.depth > limit:
            return _error(f"'{name}' exceeds maximum operation depth of {limit}", operation)
        if cost.aliases > MAX_ALIASES:
            return _error(f"{cost.aliases} aliases found. Allowed: {MAX_ALIASES}", None)
    return None


def _introspects(operation: OperationDefinitionNode) -> bool:
    return any(
        isinstance(s, FieldNode) and s.name.value in _INTROSPECTION_ROOTS
        for s in operation.selection_set.selections
    )


def _error(message: str, node: object) -> GraphQLError:
    nodes = [node] if node is not None else None
    return GraphQLError(
        message,
        nodes=nodes,  # type: ignore[arg-type]
        extensions={"code": ErrorCode.INVALID_REQUEST.value, "status": 400},
    )


# Distinct documents prepared (parsed, checked against the limits, validated) and kept: a
# dashboard sends the same few documents again and again, and validation is most of what a
# small query costs (bench/api.py). Bounded: unique texts from the internet only evict.
PREPARED_DOCUMENTS = 512


@functools.lru_cache(maxsize=PREPARED_DOCUMENTS)
def _parsed(query: str, max_tokens: int | None) -> DocumentNode:
    return parse(query, max_tokens=max_tokens)


@functools.lru_cache(maxsize=PREPARED_DOCUMENTS)
def _checked(
    schema: GraphQLSchema,
    query: str,
    max_tokens: int | None,
    operation_name: str | None,
    rules: tuple[type[ASTValidationRule], ...],
) -> tuple[GraphQLError, ...]:
    document = _parsed(query, max_tokens)
    error = check_document(document, operation_name)
    if error is not None:
        return (error,)
    return tuple(validate(schema, document, rules)) if rules else ()


class DocumentLimits(SchemaExtension):
    """Parses a document once for all the requests that send it, and checks it against the
    limits before validation: a document over a limit is refused without being validated
    (in time linear in its size), one within them is validated, and the outcome is kept."""

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        if context.graphql_document is None and context.query is not None:
            # A syntax error (or too many tokens) is not kept: Strawberry parses the
            # document again and reports the error as the request's, with its code.
            with contextlib.suppress(GraphQLError):
                context.graphql_document = _parsed(
                    context.query, context.parse_options.get("max_tokens")
                )
        yield

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        if context.graphql_document is not None and context.pre_execution_errors is None:
            if context.query is not None:
                errors = list(
                    _checked(
                        context.schema._schema,
                        context.query,
                        context.parse_options.get("max_tokens"),
                        context.operation_name,
                        tuple(context.validation_rules),
                    )
                )
            else:
                error = check_document(context.graphql_document, context.operation_name)
                errors = [error] if error is not None else []
            # Strawberry skips its validation when an extension already did it.
            context.pre_execution_errors = errors
            response = getattr(context.context, "response", None)
            if response is not None and any(isinstance(e, DocumentTooCostly) for e in errors):
                response.status_code = 400
        yield
