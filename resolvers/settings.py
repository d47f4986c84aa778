"""Process settings, read once from environment variables (see the README's table)."""

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ENVIRONMENTS = ("development", "production")
DEFAULT_VAR_DIR = Path("var")


class SettingsError(ValueError):
    """A setting is missing or malformed; the process must not start."""


@dataclass(frozen=True)
class Settings:
    env: str = "development"
    database_url: str = f"sqlite://{DEFAULT_VAR_DIR}/vocalia.sqlite3"
    redis_url: str | None = None
    jwt_secret: str = field(default="", repr=False)
    var_dir: Path = DEFAULT_VAR_DIR
    allow_private_urls: bool = False
    # Browser origins of the platform's own dashboard, allowed on every route.
    cors_origins: tuple[str, ...] = ()
    max_body_bytes: int = 1 << 20
    # A knowledge-base import (a PDF, a CSV) may be bigger than a JSON body.
    max_import_bytes: int = 10 << 20
    access_token_ttl: int = 15 * 60
    refresh_token_ttl: int = 30 * 24 * 3600
    refresh_reuse_grace: float = 10.0
    # Per-IP limits on the anonymous auth routes: (requests, window seconds).
    auth_ip_limit: tuple[int, int] = (10, 60)
    register_ip_limit: tuple[int, int] = (5, 3600)
    # Failed bearer authentications (bad key or token) per client IP, then every bearer
    # credential from that IP is refused 429 before it is looked up: (failures, window seconds).
    auth_failure_ip_limit: tuple[int, int] = (30, 60)
    # A socket's slot in the per-credential socket count lives this long in Redis unless its
    # process refreshes it (every third of it): a crashed process frees its slots after this.
    socket_slot_ttl: float = 60.0
    redis_prefix: str = "vocalia"
    # Webhooks: delay before each attempt (the first is immediate), request timeout, how
    # long a claimed delivery stays locked, and when a failing endpoint is disabled.
    webhook_retry_schedule: tuple[float, ...] = (0, 5, 300, 1800, 7200, 18000, 36000, 36000)
    webhook_timeout: float = 15.0
    webhook_lock_seconds: float = 60.0
    webhook_disable_after: float = 5 * 24 * 3600
    # Calls: a process heartbeats; calls of a process silent this long are failed.
    heartbeat_seconds: float = 5.0
    owner_stale_seconds: float = 20.0
    call_price_per_minute: str = "0.06"
    # The simulated carrier's pacing (seconds): ring, answer, pause between turns.
    sim_ring_seconds: float = 1.0
    sim_answer_seconds: float = 2.0
    sim_turn_seconds: float = 0.8
    sim_no_answer_seconds: float = 6.0
    # The Twilio carrier (installed when the account SID and auth token are set) and the
    # externally reachable base URL Twilio calls back (webhooks, the media WebSocket).
    twilio_account_sid: str | None = None
    twilio_auth_token: str = field(default="", repr=False)
    twilio_api_base: str = "https://api.twilio.com"
    public_url: str | None = None
    # Billing (issue 13): Stripe's secret key, its webhook signing secret, the Price of each
    # plan, the currency of prepaid credits, and Stripe's API address (a local fake in tests).
    stripe_secret_key: str = field(default="", repr=False)
    stripe_webhook_secret: str = field(default="", repr=False)
    stripe_prices: tuple[tuple[str, str], ...] = ()
    stripe_api_base: str | None = None
    credit_currency: str = "mad"
    # Stripe Billing Meters' event names for connected call seconds and web sessions (empty:
    # that usage is not reported).
    stripe_meter_call_seconds: str = "vocalia_call_seconds"
    stripe_meter_sessions: str = "vocalia_sessions"
    # After a failed payment, how long the plan stays before the tenant goes to starter.
    billing_grace_seconds: float = 7 * 24 * 3600
    # The voice engine. Providers: stt whisper|openai, llm builtin|openai, tts espeak|openai.
    stt_provider: str = "whisper"
    # A faster-whisper model directory; empty = the bundled multilingual Whisper base.
    stt_model: str = ""
    stt_beam_size: int = 1
    llm_provider: str = "builtin"
    tts_provider: str = "espeak"
    # Any OpenAI-compatible server (OpenAI, xAI, Mistral, Groq, vLLM, Ollama...).
    openai_base_url: str = "https://api.openai.com/v1"
    openai_api_key: str = field(default="", repr=False)
    openai_stt_model: str = "whisper-1"
    openai_llm_model: str = "gpt-4o-mini"
    openai_tts_model: str = "tts-1"
    openai_tts_voice: str = "alloy"
    openai_timeout: float = 20.0
    # Knowledge-base vectors: ngram (offline) or openai (``/embeddings`` on the same server).
    embeddings_provider: str = "ngram"
    openai_embeddings_model: str = "text-embedding-3-small"
    # Turn-taking: silence that ends a user's turn, speech that barges in, re-prompt and
    # silence-timeout pauses (seconds), and the threads that run model work.
    end_of_turn_ms: int = 400
    barge_in_ms: int = 120
    silence_reprompt_seconds: float = 8.0
    silence_timeout_seconds: float = 20.0
    voice_workers: int = 2
    # Load speech models at start (off: on first use).
    voice_warm_up: bool = True

    @property
    def development(self) -> bool:
        return self.env == "development"

    @property
    def billing_configured(self) -> bool:
        return bool(self.stripe_secret_key)

    @property
    def twilio_configured(self) -> bool:
        return bool(self.twilio_account_sid and self.twilio_auth_token)

    def with_overrides(self, **changes: object) -> "Settings":
        return replace(self, **changes)  # type: ignore[arg-type]

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> "Settings":
        env_vars = os.environ if environ is None else environ
        env = env_vars.get("VOCALIA_ENV", "development").strip() or "development"
        if env not in ENVIRONMENTS:
            raise SettingsError(
                f"VOCALIA_ENV must be one of {', '.join(ENVIRONMENTS)}, not {env!r}"
            )
        var_dir = Path(env_vars.get("VOCALIA_VAR_DIR", str(DEFAULT_VAR_DIR)))
        database_url = env_vars.get("VOCALIA_DATABASE_URL") or f"sqlite://{var_dir}/vocalia.sqlite3"
        redis_url = env_vars.get("VOCALIA_REDIS_URL") or None
        cors = tuple(
            o.strip().rstrip("/")
            for o in env_vars.get("VOCALIA_CORS_ORIGINS", "").split(",")
            if o.strip()
        )
        secret = env_vars.get("VOCALIA_JWT_SECRET", "")
        if secret and len(secret.encode()) < 32:
            raise SettingsError("VOCALIA_JWT_SECRET must be at least 32 bytes")
        if not secret:
            if env != "development":
                raise SettingsError("VOCALIA_JWT_SECRET is required when VOCALIA_ENV=production")
            secret = _development_secret(var_dir)
        values: dict[str, Any] = {
            "env": env,
            "database_url": database_url,
            "redis_url": redis_url,
            "jwt_secret": secret,
            "var_dir": var_dir,
            "allow_private_urls": env_vars.get("VOCALIA_ALLOW_PRIVATE_URLS", "")
            in ("1", "true", "yes"),
            "cors_origins": cors,
            "redis_prefix": env_vars.get("VOCALIA_REDIS_PREFIX", "vocalia"),
        }
        values.update(_optional_numbers(env_vars))
        values.update(_ip_limits(env_vars))
        values.update(_twilio(env_vars))
        values.update(_stripe(env_vars))
        values.update(_providers(env_vars))
        return cls(**values)


def _optional_numbers(env_vars: Mapping[str, str]) -> dict[str, object]:
    out: dict[str, object] = {}
    schedule = env_vars.get("VOCALIA_WEBHOOK_RETRY_SCHEDULE")
    if schedule:
        try:
            out["webhook_retry_schedule"] = tuple(
                float(x) for x in schedule.split(",") if x.strip()
            )
        except ValueError as exc:
            raise SettingsError(
                "VOCALIA_WEBHOOK_RETRY_SCHEDULE must be comma-separated seconds"
            ) from exc
    for name, attr in (
        ("VOCALIA_WEBHOOK_LOCK_SECONDS", "webhook_lock_seconds"),
        ("VOCALIA_OWNER_STALE_SECONDS", "owner_stale_seconds"),
        ("VOCALIA_HEARTBEAT_SECONDS", "heartbeat_seconds"),
        ("VOCALIA_SIM_RING_SECONDS", "sim_ring_seconds"),
        ("VOCALIA_SIM_ANSWER_SECONDS", "sim_answer_seconds"),
        ("VOCALIA_SIM_TURN_SECONDS", "sim_turn_seconds"),
        ("VOCALIA_SOCKET_SLOT_TTL", "socket_slot_ttl"),
        ("VOCALIA_BILLING_GRACE_SECONDS", "billing_grace_seconds"),
    ):
        if env_vars.get(name):
            try:
                out[attr] = float(env_vars[name])
            except ValueError as exc:
                raise SettingsError(f"{name} must be a number of seconds") from exc
    return out


_IP_LIMITS = {
    "VOCALIA_AUTH_IP_LIMIT": "auth_ip_limit",
    "VOCALIA_REGISTER_IP_LIMIT": "register_ip_limit",
    "VOCALIA_AUTH_FAILURE_IP_LIMIT": "auth_failure_ip_limit",
}


def _ip_limits(env_vars: Mapping[str, str]) -> dict[str, object]:
    """Per-IP limits as ``requests/seconds`` (e.g. ``VOCALIA_AUTH_IP_LIMIT=10/60``)."""
    out: dict[str, object] = {}
    for name, attr in _IP_LIMITS.items():
        raw = env_vars.get(name, "").strip()
        if not raw:
            continue
        count, sep, window = raw.partition("/")
        try:
            pair = (int(count), int(window))
        except ValueError:
            pair = (0, 0)
        if not sep or pair[0] < 1 or pair[1] < 1:
            raise SettingsError(f"{name} must be requests/seconds such as 10/60, not {raw!r}")
        out[attr] = pair
    return out


def _base_url(value: str, name: str) -> str:
    url = value.strip().rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query:
        raise SettingsError(f"{name} must be an http(s) URL such as https://api.example.com")
    return url


def _twilio(env_vars: Mapping[str, str]) -> dict[str, object]:
    out: dict[str, object] = {}
    sid = env_vars.get("VOCALIA_TWILIO_ACCOUNT_SID", "").strip()
    token = env_vars.get("VOCALIA_TWILIO_AUTH_TOKEN", "").strip()
    if bool(sid) != bool(token):
        raise SettingsError("VOCALIA_TWILIO_ACCOUNT_SID and VOCALIA_TWILIO_AUTH_TOKEN go together")
    if env_vars.get("VOCALIA_PUBLIC_URL", "").strip():
        out["public_url"] = _base_url(env_vars["VOCALIA_PUBLIC_URL"], "VOCALIA_PUBLIC_URL")
    if sid:
        if not sid.startswith("AC"):
            raise SettingsError("VOCALIA_TWILIO_ACCOUNT_SID must be an account SID (AC...)")
        if "public_url" not in out:
            # Twilio must reach our voice webhook, status callback and media WebSocket.
            raise SettingsError("the Twilio carrier needs VOCALIA_PUBLIC_URL")
        out["twilio_account_sid"] = sid
        out["twilio_auth_token"] = token
    if env_vars.get("VOCALIA_TWILIO_API_BASE", "").strip():
        out["twilio_api_base"] = _base_url(
            env_vars["VOCALIA_TWILIO_API_BASE"], "VOCALIA_TWILIO_API_BASE"
        )
    return out


_STRIPE_PLANS = ("starter", "pro", "enterprise")


def _stripe(env_vars: Mapping[str, str]) -> dict[str, object]:
    out: dict[str, object] = {}
    key = env_vars.get("VOCALIA_STRIPE_SECRET_KEY", "").strip()
    if key:
        if not key.startswith(("sk_live_", "sk_test_", "rk_live_", "rk_test_")):
            raise SettingsError("VOCALIA_STRIPE_SECRET_KEY must be a Stripe secret key (sk_...)")
        out["stripe_secret_key"] = key
    secret = env_vars.get("VOCALIA_STRIPE_WEBHOOK_SECRET", "").strip()
    if secret:
        if not secret.startswith("whsec_"):
            raise SettingsError(
                "VOCALIA_STRIPE_WEBHOOK_SECRET must be a signing secret (whsec_...)"
            )
        out["stripe_webhook_secret"] = secret
    prices = []
    for plan in _STRIPE_PLANS:
        price = env_vars.get(f"VOCALIA_STRIPE_PRICE_{plan.upper()}", "").strip()
        if price:
            if not price.startswith("price_"):
                raise SettingsError(
                    f"VOCALIA_STRIPE_PRICE_{plan.upper()} must be a Price id (price_...)"
                )
            prices.append((plan, price))
    if prices:
        out["stripe_prices"] = tuple(prices)
    if env_vars.get("VOCALIA_STRIPE_API_BASE", "").strip():
        out["stripe_api_base"] = _base_url(
            env_vars["VOCALIA_STRIPE_API_BASE"], "VOCALIA_STRIPE_API_BASE"
        )
    for var, name in (
        ("VOCALIA_STRIPE_METER_CALL_SECONDS", "stripe_meter_call_seconds"),
        ("VOCALIA_STRIPE_METER_SESSIONS", "stripe_meter_sessions"),
    ):
        if var in env_vars:
            event_name = env_vars[var].strip()
            if len(event_name) > 100:
                raise SettingsError(f"{var} is a meter's event name: at most 100 characters")
            out[name] = event_name
    currency = env_vars.get("VOCALIA_CREDIT_CURRENCY", "").strip().lower()
    if currency:
        if len(currency) != 3 or not currency.isalpha():
            raise SettingsError("VOCALIA_CREDIT_CURRENCY must be an ISO 4217 code such as mad")
        out["credit_currency"] = currency
    return out


_CHOICES = {
    "VOCALIA_STT_PROVIDER": ("stt_provider", ("whisper", "openai")),
    "VOCALIA_LLM_PROVIDER": ("llm_provider", ("builtin", "openai")),
    "VOCALIA_TTS_PROVIDER": ("tts_provider", ("espeak", "openai")),
    "VOCALIA_EMBEDDINGS_PROVIDER": ("embeddings_provider", ("ngram", "openai")),
}
_STRINGS = {
    "VOCALIA_STT_MODEL": "stt_model",
    "VOCALIA_OPENAI_API_KEY": "openai_api_key",
    "VOCALIA_OPENAI_STT_MODEL": "openai_stt_model",
    "VOCALIA_OPENAI_LLM_MODEL": "openai_llm_model",
    "VOCALIA_OPENAI_TTS_MODEL": "openai_tts_model",
    "VOCALIA_OPENAI_TTS_VOICE": "openai_tts_voice",
    "VOCALIA_OPENAI_EMBEDDINGS_MODEL": "openai_embeddings_model",
}
_NUMBERS: dict[str, tuple[str, type, float, float]] = {
    "VOCALIA_STT_BEAM_SIZE": ("stt_beam_size", int, 1, 10),
    "VOCALIA_END_OF_TURN_MS": ("end_of_turn_ms", int, 100, 5000),
    "VOCALIA_BARGE_IN_MS": ("barge_in_ms", int, 20, 2000),
    "VOCALIA_SILENCE_REPROMPT_SECONDS": ("silence_reprompt_seconds", float, 0.5, 3600),
    "VOCALIA_SILENCE_TIMEOUT_SECONDS": ("silence_timeout_seconds", float, 1, 3600),
    "VOCALIA_VOICE_WORKERS": ("voice_workers", int, 1, 64),
    "VOCALIA_OPENAI_TIMEOUT": ("openai_timeout", float, 1, 600),
}


def _providers(env_vars: Mapping[str, str]) -> dict[str, object]:
    """The voice engine's and the knowledge base's providers, models and knobs."""
    out: dict[str, object] = {}
    for name, (attr, allowed) in _CHOICES.items():
        value = env_vars.get(name, "").strip().lower()
        if value:
            if value not in allowed:
                raise SettingsError(f"{name} must be one of {', '.join(allowed)}, not {value!r}")
            out[attr] = value
    for name, attr in _STRINGS.items():
        if env_vars.get(name, "").strip():
            out[attr] = env_vars[name].strip()
    for name, (attr, kind, low, high) in _NUMBERS.items():
        raw = env_vars.get(name, "").strip()
        if not raw:
            continue
        try:
            number = kind(raw)
        except ValueError as exc:
            raise SettingsError(f"{name} must be a number") from exc
        if not low <= number <= high:
            raise SettingsError(f"{name} must be between {low:g} and {high:g}")
        out[attr] = number
    if env_vars.get("VOCALIA_VOICE_WARM_UP", "").strip():
        out["voice_warm_up"] = env_vars["VOCALIA_VOICE_WARM_UP"].strip().lower() in (
            "1",
            "true",
            "yes",
        )
    if env_vars.get("VOCALIA_OPENAI_BASE_URL", "").strip():
        out["openai_base_url"] = _base_url(
            env_vars["VOCALIA_OPENAI_BASE_URL"], "VOCALIA_OPENAI_BASE_URL"
        )
    return out


def _development_secret(var_dir: Path) -> str:
    """Generate the development JWT secret once and keep it, so tokens survive restarts."""
    path = var_dir / "jwt-secret"
    if path.exists():
        return path.read_text().strip()
    var_dir.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(value)
    return value


_current: Settings | None = None


def configure(settings: Settings) -> None:
    """Install the settings of this process (called by the app's assembly)."""
    global _current
    _current = settings


def get_settings() -> Settings:
    global _current
    if _current is None:
        _current = Settings.from_env()
    return _current
