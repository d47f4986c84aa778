"""How REST routes describe themselves: `DocRoute` carries each method's `Doc` (summary, request
and response JSON Schemas), and the shared component schemas. rest_compat/openapi.py builds
/openapi.json from the route table, so a route cannot exist without its description."""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from starlette.routing import Route

from resolvers.errors import ErrorCode

S = dict[str, Any]
Auth = Literal["user", "key", "optional_key", "none"]

# Component schemas by name: Error here, the others registered by the module that shapes them.
COMPONENTS: S = {}


def component(name: str, schema: S) -> S:
    """Register a shared schema under #/components/schemas and return its $ref."""
    if name in COMPONENTS and COMPONENTS[name] != schema:
        raise ValueError(f"component {name} declared twice")
    COMPONENTS[name] = schema
    return ref(name)


def ref(name: str) -> S:
    return {"$ref": f"#/components/schemas/{name}"}


STR: S = {"type": "string"}
NSTR: S = {"type": ["string", "null"]}
DT: S = {"type": "string", "format": "date-time"}
NDT: S = {"type": ["string", "null"], "format": "date-time"}
BOOL: S = {"type": "boolean"}
INT: S = {"type": "integer"}
NINT: S = {"type": ["integer", "null"]}
NNUM: S = {"type": ["number", "null"]}
OBJECT: S = {"type": "object"}


def enum(values: Any, *, nullable: bool = False) -> S:
    if nullable:
        return {"type": ["string", "null"], "enum": [*values, None]}
    return {"type": "string", "enum": list(values)}


def array(items: S) -> S:
    return {"type": "array", "items": items}


def out(props: S, *, optional: tuple[str, ...] = ()) -> S:
    """A response object: exactly these fields, all present except the optional ones, so a
    handler that adds, drops or renames a field disagrees with its declaration."""
    return {
        "type": "object",
        "properties": props,
        "required": [k for k in props if k not in optional],
        "additionalProperties": False,
    }


def inp(props: S, required: tuple[str, ...] = ()) -> S:
    """A request object; fields the handler does not know are ignored, as before."""
    schema: S = {"type": "object", "properties": props}
    if required:
        schema["required"] = list(required)
    return schema


def page(item: S) -> S:
    return out({"data": array(item), "total": INT, "limit": INT, "offset": INT})


LIMIT: S = {"type": "integer", "minimum": 1, "maximum": 100}
OFFSET: S = {"type": "integer", "minimum": 0, "maximum": 10**9}


@dataclass(frozen=True)
class Param:
    schema: S
    description: str | None = None


@dataclass(frozen=True)
class Doc:
    """One operation. `responses` maps success statuses to their body's schema; `errors` lists
    the statuses answered with the Error body beyond those every route of its kind has (the
    builder adds 401/403/429 for authenticated routes, 404 when the path names an id, 413 for
    methods that carry a body)."""

    summary: str
    responses: Mapping[int, S]
    errors: tuple[int, ...] = ()
    body: S | None = None
    body_required: bool = True
    # A multipart/form-data body the operation also takes (a file upload), beside the JSON one.
    uploads: S | None = None
    # What a success answers with (an export streams CSV or JSON Lines).
    media_types: tuple[str, ...] = ("application/json",)
    query: Mapping[str, S | Param] = field(default_factory=dict)
    headers: Mapping[str, Param] = field(default_factory=dict)
    response_headers: Mapping[str, Param] = field(default_factory=dict)
    auth: Auth = "user"


class DocRoute(Route):
    """A Starlette route whose methods are exactly the methods it documents."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **docs: Doc) -> None:
        super().__init__(path, endpoint, methods=list(docs))
        self.docs = {method.upper(): doc for method, doc in docs.items()}


ERROR = component(
    "Error",
    out(
        {
            "error": out(
                {
                    "code": enum(c.value for c in ErrorCode),
                    "message": STR,
                    "status": INT,
                    "param": STR,
                    "request_id": STR,
                },
                optional=("param",),
            )
        }
    ),
)
