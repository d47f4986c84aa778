"""The webhook outbox and its delivery worker (contract section 7).

Events are written in the same transaction as the state change that causes them; the
worker delivers them at least once, signed twice (X-VocalIA-Signature and Standard
Webhooks), on the retry schedule, never following redirects.
"""

from resolvers import services
from resolvers.outbox.delivery import DeliveryWorker, Outcome, SuccessLog, deliver, send
from resolvers.outbox.events import USER_AGENT, enqueue, iso_now
from resolvers.outbox.signing import signed_headers, standard_signature, vocalia_signature

__all__ = [
    "USER_AGENT",
    "DeliveryWorker",
    "Outcome",
    "SuccessLog",
    "deliver",
    "enqueue",
    "install",
    "iso_now",
    "send",
    "signed_headers",
    "standard_signature",
    "vocalia_signature",
    "wake",
]


def wake() -> None:
    worker = services.current().worker
    if worker is not None:
        worker.wake()
