"""Verifying webhook deliveries (contract §7), with constant-time comparisons.

Every delivery carries two signatures over the raw body:

* ``X-VocalIA-Signature: sha256=<hex>``: HMAC-SHA256 keyed with the whole ``whsec_…`` string
  (the reference's Node ``verifyWebhook``). It does not cover a timestamp: prefer the other.
* Standard Webhooks: ``webhook-id``, ``webhook-timestamp``, ``webhook-signature: v1,<base64>``
  (HMAC-SHA256 of ``id.timestamp.body`` keyed with the base64-decoded part of the secret;
  several space-separated signatures while a secret rotates), refused outside ``tolerance``.

``construct_event(body, headers, secret)`` checks the Standard Webhooks headers when present
(else the X-VocalIA one) and returns the parsed `WebhookEvent`; pass the body exactly as
received (bytes), before any JSON parsing.
"""

import base64
import binascii
import hashlib
import hmac
import json
import time
from collections.abc import Mapping, Sequence

from vocalia.errors import WebhookVerificationError
from vocalia.types import WebhookEvent

DEFAULT_TOLERANCE = 300  # seconds between the delivery's timestamp and now, either way

Secrets = str | Sequence[str]


def _secrets(secret: Secrets) -> list[str]:
    out = [secret] if isinstance(secret, str) else list(secret)
    if not out or not all(isinstance(s, str) and s for s in out):
        raise ValueError("a webhook secret (whsec_…) is required")
    return out


def _bytes(payload: bytes | str) -> bytes:
    return payload.encode() if isinstance(payload, str) else bytes(payload)


def _header(headers: Mapping[str, str], name: str) -> str | None:
    value = headers.get(name)
    if value is None:
        lowered = name.lower()
        for key, candidate in headers.items():
            if key.lower() == lowered:
                return candidate
    return value


def vocalia_signature(payload: bytes | str, secret: str) -> str:
    """The ``X-VocalIA-Signature`` value the server sends for ``payload``."""
    digest = hmac.new(secret.encode(), _bytes(payload), hashlib.sha256).hexdigest()
    return "sha256=" + digest


def standard_signature(payload: bytes | str, msg_id: str, timestamp: int | str, secret: str) -> str:
    """One ``webhook-signature`` entry (``v1,<base64>``) for ``payload``."""
    try:
        key = base64.b64decode(secret.removeprefix("whsec_"), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError("the secret is not whsec_ followed by base64") from exc
    signed = f"{msg_id}.{timestamp}.".encode() + _bytes(payload)
    digest = hmac.new(key, signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def verify_signature(payload: bytes | str, signature: str, secret: Secrets) -> bool:
    """Whether ``X-VocalIA-Signature`` matches ``payload`` for (one of) the secret(s)."""
    given = signature.strip().encode()
    return any(
        hmac.compare_digest(given, vocalia_signature(payload, s).encode()) for s in _secrets(secret)
    )


def verify_standard(
    payload: bytes | str,
    headers: Mapping[str, str],
    secret: Secrets,
    *,
    tolerance: float = DEFAULT_TOLERANCE,
    now: float | None = None,
) -> None:
    """Check the Standard Webhooks headers; raises `WebhookVerificationError`."""
    msg_id = _header(headers, "webhook-id")
    stamp = _header(headers, "webhook-timestamp")
    signatures = _header(headers, "webhook-signature")
    if not msg_id or not stamp or not signatures:
        raise WebhookVerificationError("missing webhook-id, webhook-timestamp or webhook-signature")
    try:
        timestamp = int(stamp)
    except ValueError:
        raise WebhookVerificationError("webhook-timestamp is not a number") from None
    current = time.time() if now is None else now
    if abs(current - timestamp) > tolerance:
        raise WebhookVerificationError("webhook-timestamp is outside the tolerance window")
    offered = [
        part.split(",", 1)[1].encode()
        for part in signatures.split()
        if part.startswith("v1,") and "," in part
    ]
    for s in _secrets(secret):
        expected = standard_signature(payload, msg_id, timestamp, s).split(",", 1)[1].encode()
        # Every offered signature is compared (no early exit on the first mismatch).
        if any([hmac.compare_digest(expected, candidate) for candidate in offered]):  # noqa: C419
            return
    raise WebhookVerificationError("no webhook-signature matches")


def verify(
    payload: bytes | str,
    headers: Mapping[str, str],
    secret: Secrets,
    *,
    tolerance: float = DEFAULT_TOLERANCE,
    now: float | None = None,
) -> None:
    """Check a delivery: Standard Webhooks when its headers are there, else
    ``X-VocalIA-Signature``. Raises `WebhookVerificationError`."""
    if _header(headers, "webhook-signature") is not None:
        verify_standard(payload, headers, secret, tolerance=tolerance, now=now)
        return
    signature = _header(headers, "x-vocalia-signature")
    if signature is None:
        raise WebhookVerificationError(
            "no signature header (webhook-signature or X-VocalIA-Signature)"
        )
    if not verify_signature(payload, signature, secret):
        raise WebhookVerificationError("X-VocalIA-Signature does not match")


def construct_event(
    payload: bytes | str,
    headers: Mapping[str, str],
    secret: Secrets,
    *,
    tolerance: float = DEFAULT_TOLERANCE,
    now: float | None = None,
) -> WebhookEvent:
    """The verified delivery's event; raises `WebhookVerificationError`."""
    verify(payload, headers, secret, tolerance=tolerance, now=now)
    try:
        data = json.loads(payload)
    except ValueError:
        raise WebhookVerificationError("the body is not JSON") from None
    if not isinstance(data, dict):
        raise WebhookVerificationError("the body is not a JSON object")
    return WebhookEvent.from_json(data)
