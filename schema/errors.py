"""Every GraphQL error carries the contract's code and status in its extensions."""

import logging
import re
from collections.abc import Iterable, Iterator
from typing import Any

import strawberry
from graphql.error import GraphQLError
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import DEFAULT_ALLOWED_OPERATION_TYPES
from strawberry.types import ExecutionContext, ExecutionResult
from strawberry.types.graphql import OperationType

from resolvers.errors import STATUS_BY_CODE, DomainError, ErrorCode

log = logging.getLogger("vocalia.graphql")


# graphql-core appends "Did you mean 'email'?" to validation messages: with introspection off
# that would spell out the schema a name at a time.
_SUGGESTION = re.compile(r"\s*Did you mean [^?]*\?")


def coded(error: GraphQLError, *, suggestions: bool = True) -> GraphQLError:
    original = error.original_error
    if isinstance(original, DomainError):
        return error
    # Variable coercion wraps its GraphQLError (e.g. a required input field missing) in another.
    if original is None or isinstance(original, GraphQLError):
        ext = dict(error.extensions or {})
        ext.setdefault("code", ErrorCode.INVALID_REQUEST.value)
        ext.setdefault(
            "status",
            STATUS_BY_CODE[ErrorCode(ext["code"])]
            if ext["code"] in ErrorCode._value2member_map_
            else 400,
        )
        message = error.message if suggestions else _SUGGESTION.sub("", error.message)
        return GraphQLError(
            message,
            nodes=error.nodes,
            source=error.source,
            positions=error.positions,
            path=error.path,
            extensions=ext,
        )
    return GraphQLError(
        "internal error; retry later",
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        extensions={"code": ErrorCode.INTERNAL_ERROR.value, "status": 500},
    )


class Schema(strawberry.Schema):
    """Logs expected domain errors briefly and unexpected ones with their traceback."""

    async def execute(
        self,
        query: str | None,
        variable_values: dict[str, Any] | None = None,
        context_value: Any | None = None,
        root_value: Any | None = None,
        operation_name: str | None = None,
        allowed_operation_types: Iterable[OperationType] | None = None,
        operation_extensions: dict[str, Any] | None = None,
    ) -> ExecutionResult:
        # execute() returns one result: a subscription (which streams, over the websocket) would
        # run as a query and fail inside graphql-core. Refused here, it is a 400 on HTTP.
        allowed = set(allowed_operation_types or DEFAULT_ALLOWED_OPERATION_TYPES)
        return await super().execute(
            query,
            variable_values,
            context_value,
            root_value,
            operation_name,
            allowed - {OperationType.SUBSCRIPTION},
            operation_extensions,
        )

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        for error in errors:
            original = error.original_error
            if original is None or isinstance(original, DomainError | GraphQLError):
                log.info(
                    "graphql %s: %s",
                    error.extensions.get("code") if error.extensions else "invalid_request",
                    error.message[:200],
                )
            else:
                log.error("unexpected GraphQL error at %s", error.path, exc_info=original)


class ErrorCodes(SchemaExtension):
    """Domain errors keep their code; validation errors become invalid_request; anything
    unexpected is logged and masked as internal_error. Without ``suggestions`` (production)
    messages name no field the caller did not write."""

    def __init__(self, *, suggestions: bool = True) -> None:
        super().__init__()
        self.suggestions = suggestions

    def on_operation(self) -> Iterator[None]:
        yield
        # Rewrite in place: the pre-execution result holds the same list object.
        result = self.execution_context.result
        for errors in (
            getattr(result, "errors", None),
            self.execution_context.pre_execution_errors,
        ):
            if errors:
                errors[:] = [coded(e, suggestions=self.suggestions) for e in errors]

    def on_stream_result(self, result: Any) -> Iterator[None]:
        # A subscription sends each result before on_operation resumes: code them here too
        # (coded() is idempotent, so on_operation may see them again).
        errors = getattr(result, "errors", None)
        if errors:
            errors[:] = [coded(e, suggestions=self.suggestions) for e in errors]
        yield
