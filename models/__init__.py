"""Tortoise models, one module per domain; migrations in models/migrations."""

MODEL_MODULES = [
    "models.tenant",
    "models.user",
    "models.credential",
    "models.audit",
    "models.usage",
    "models.agent",
    "models.call",
    "models.booking",
    "models.webhook",
    "models.process",
    "models.idempotency",
    "models.knowledge",
    "models.conversation",
    "models.billing",
]
