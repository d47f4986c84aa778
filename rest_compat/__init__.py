"""The REST compatibility layer: the documented /v1 and /api paths over the same resolvers."""
