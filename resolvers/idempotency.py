"""Idempotency-Key for operations that create something (POST /v1/calls), as Stripe does it.

The first request with a key claims it (a row, unique per tenant, operation and key, so two
processes cannot both claim it) and stores its answer when it is done. Within KEEP_FOR:
* the same key with the same body gets the stored answer again, without running anything;
* the same key with another body is ``conflict``;
* the same key while the first request still runs is ``conflict`` (retry later).
An answer is stored only when the operation succeeded: a refused request (a domain error)
releases the key, so a retry after fixing the cause runs. A claim older than ABANDONED_AFTER
whose request never finished (its process died) may be taken over.
"""

import hashlib
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from tortoise.exceptions import IntegrityError

from models.base import new_id
from models.idempotency import IdempotencyKey
from resolvers.errors import conflict, invalid
from resolvers.principals import Principal

KEEP_FOR = timedelta(hours=24)
ABANDONED_AFTER = timedelta(minutes=5)
MAX_KEY = 255


@dataclass(frozen=True)
class Answer:
    status: int
    body: Any
    replayed: bool


def fingerprint(body: Any) -> str:
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _valid_key(key: object) -> str:
    if not isinstance(key, str) or not key.strip() or len(key) > MAX_KEY or not key.isprintable():
        raise invalid(
            f"Idempotency-Key must be 1 to {MAX_KEY} printable characters", param="Idempotency-Key"
        )
    return key


async def once(
    principal: Principal,
    key: object,
    operation: str,
    body: Any,
    run: Callable[[], Awaitable[tuple[int, Any]]],
) -> Answer:
    """Runs ``run`` (which returns status and JSON body) once per key. Raises conflict,
    invalid_request (a malformed key), and whatever ``run`` raises."""
    if key is None:
        status, answer = await run()
        return Answer(status, answer, replayed=False)
    key_v = _valid_key(key)
    tenant_id = principal.tenant_id
    if tenant_id is None:
        raise invalid("Idempotency-Key needs a tenant's credential", param="Idempotency-Key")
    digest = fingerprint(body)
    now = datetime.now(UTC)
    claim_id = new_id("idk")
    for _ in range(3):
        try:
            await IdempotencyKey.create(
                id=claim_id, tenant_id=tenant_id, operation=operation, key=key_v, fingerprint=digest
            )
            break
        except IntegrityError:
            row = await IdempotencyKey.get_or_none(
                tenant_id=tenant_id, operation=operation, key=key_v
            )
            if row is None:
                continue  # released meanwhile: claim it again
            expired = now - row.created_at > KEEP_FOR
            abandoned = row.status is None and now - row.created_at > ABANDONED_AFTER
            if expired or abandoned:
                await IdempotencyKey.filter(id=row.id, created_at=row.created_at).delete()
                continue
            if row.fingerprint != digest:
                raise conflict(
                    "this Idempotency-Key was used with another request body; use a new key",
                    param="Idempotency-Key",
                ) from None
            if row.status is None:
                raise conflict(
                    "a request with this Idempotency-Key is still being processed; retry later",
                    param="Idempotency-Key",
                ) from None
            return Answer(row.status, row.response, replayed=True)
    else:
        raise conflict(
            "this Idempotency-Key is being claimed by another request; retry later",
            param="Idempotency-Key",
        )
    try:
        status, answer = await run()
    except BaseException:
        await IdempotencyKey.filter(id=claim_id).delete()
        raise
    await IdempotencyKey.filter(id=claim_id).update(status=status, response=answer)
    return Answer(status, answer, replayed=False)
