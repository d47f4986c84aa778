"""No credential in a log line: a logging filter that rewrites records before any handler
formats them.

What it removes, anywhere in a message, its arguments, its exception text and stack:
- the values of credential-like keys in query strings and ``key=value`` / ``"key": "value"``
  pairs (``apiKey``, ``token``, ``password``, ``secret``, ``signature``, ...);
- ``Authorization``/``X-Api-Key`` header values and ``Bearer``/``Basic`` credentials;
- our own token formats, wherever they appear: ``voc_sk_live_``, ``voc_sk_test_``,
  ``voc_pk_live_`` keys, the ``vk_`` tenant key, ``rt_`` refresh tokens, ``whsec_`` webhook
  secrets (resolvers/security.py) and anything shaped like a JWT.

uvicorn's access formatter unpacks a record's arguments ``(client, method, full_path,
http_version, status)``, so arguments keep their positions and types: string arguments are
redacted one by one; only when the composed message still changes under redaction (a secret
split between the format string and an argument, or inside a dict's repr) is the record
collapsed to its redacted text.

``install()`` puts the filter on the root logger's handlers, on ``logging.lastResort`` and on
the uvicorn loggers and their handlers, and wraps the record factory so that records are
already redacted when they are created, whatever handler is added later (a filter on a logger
sees only the records logged on that very logger, not its children's). It is idempotent.
"""

import logging
import re
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import unquote

REDACTED = "[redacted]"

# Keys whose value is a credential, compared lower-cased without "-", "_" and ".".
_SENSITIVE_EXACT = frozenset(
    {"key", "pwd", "pass", "sig", "auth", "jwt", "authorization", "cookie", "setcookie"}
)
_SENSITIVE_PARTS = (
    "apikey",
    "token",
    "password",
    "passwd",
    "passphrase",
    "secret",
    "signature",
    "credential",
    "privatekey",
    "accesskey",
    "sessionid",
)

# Our token formats (resolvers/security.py), matched where they stand alone.
_TOKENS = re.compile(
    r"(?<![A-Za-z0-9])(?:"
    r"voc_(?:sk|pk|rk)_(?:live|test)_[A-Za-z0-9]{6,}"
    r"|vk_[A-Za-z0-9]{16,}"
    r"|rt_[A-Za-z0-9_\-]{20,}"
    r"|whsec_[A-Za-z0-9+/=]{16,}"
    r"|eyJ[A-Za-z0-9_\-]{4,}\.[A-Za-z0-9_\-]{2,}\.[A-Za-z0-9_\-]*"
    r")"
)
# "Authorization: Bearer x", "authorization=...", "'x-api-key': '...'".
_HEADERS = re.compile(
    r"(?i)(?<![A-Za-z0-9_-])((?:proxy-)?authorization|x-api-key|api-key)"
    r"((?>[\"']?\s*[:=]\s*(?:(?-i:b)?[\"'])?))"
    r"(?:(bearer|basic|digest|token|apikey)\s+)?+"
    r"(?!\[redacted\])([^\s\"',;&]+)"
)
_SCHEMES = re.compile(
    r"(?i)(?<![A-Za-z0-9_-])(bearer|basic)\s+(?!\[redacted\])([A-Za-z0-9._~+/=\-]{8,})"
)
# A query string's parameters: the value runs to the next "&" (names may be percent-encoded).
_QUERY = re.compile(r"([?&;])([A-Za-z0-9_.\-%]+)=(?!\[redacted\])([^&\s#\"']+)")
# name=value in prose and reprs; the value may be quoted.
_PAIRS = re.compile(
    r"(?<![A-Za-z0-9_.\-%?&;])([A-Za-z][A-Za-z0-9_.\-]*)="
    r"(?!\[redacted\])(\"[^\"]*\"|'[^']*'|[^&\s#;\"'<>)\]}]+)"
)
# "name": "value" in JSON and Python reprs.
_QUOTED_PAIRS = re.compile(
    r"([\"'])([A-Za-z][A-Za-z0-9_.\-]*)\1(\s*:\s*b?)([\"'])((?:\\.|(?!\4).)*)\4"
)


def sensitive_name(name: str) -> bool:
    """Whether the value of a key by this name is a credential."""
    flat = unquote(name).lower().replace("-", "").replace("_", "").replace(".", "")
    return flat in _SENSITIVE_EXACT or any(part in flat for part in _SENSITIVE_PARTS)


def _query(match: re.Match[str]) -> str:
    if not sensitive_name(match.group(2)):
        return match.group(0)
    return f"{match.group(1)}{match.group(2)}={REDACTED}"


def _pair(match: re.Match[str]) -> str:
    if not sensitive_name(match.group(1)) or match.group(2).strip("\"'") == REDACTED:
        return match.group(0)
    return f"{match.group(1)}={REDACTED}"


def _quoted_pair(match: re.Match[str]) -> str:
    quote, name, colon, vquote, value = match.groups()
    if not sensitive_name(name) or value == REDACTED:
        return match.group(0)
    return f"{quote}{name}{quote}{colon}{vquote}{REDACTED}{vquote}"


def _header(match: re.Match[str]) -> str:
    scheme = f"{match.group(3)} " if match.group(3) else ""
    return f"{match.group(1)}{match.group(2)}{scheme}{REDACTED}"


def redact(text: str) -> str:
    """``text`` with every credential it carries replaced by ``[redacted]``."""
    if not text:
        return text
    text = _TOKENS.sub(REDACTED, text)
    text = _HEADERS.sub(_header, text)
    text = _SCHEMES.sub(lambda m: f"{m.group(1)} {REDACTED}", text)
    if "=" in text:
        text = _QUERY.sub(_query, text)
        text = _PAIRS.sub(_pair, text)
    if ":" in text:
        text = _QUOTED_PAIRS.sub(_quoted_pair, text)
    return text


def _redact_arg(value: object) -> object:
    # Only strings are rewritten: numbers keep their type for "%d" (uvicorn's status code).
    return redact(value) if isinstance(value, str) else value


_formatter = logging.Formatter()
_MARK = "_vocalia_redacted"


def redact_record(record: logging.LogRecord) -> None:
    """Rewrite ``record`` in place; a record already redacted and unchanged is left alone."""
    seen = getattr(record, _MARK, None)
    if seen is not None and seen == (id(record.msg), id(record.args), id(record.exc_text)):
        return  # already redacted, and not rewritten since (makeLogRecord would)
    args = record.args
    if args:
        if isinstance(args, Mapping):
            record.args = {k: _redact_arg(v) for k, v in args.items()}
        elif isinstance(args, tuple):
            record.args = tuple(_redact_arg(a) for a in args)
        try:
            composed = str(record.msg) % record.args
        except Exception:  # a malformed call: logging itself will report it
            composed = None
        if composed is not None:
            clean = redact(composed)
            # uvicorn.access needs its five arguments; they were redacted one by one above.
            if clean != composed and record.name != "uvicorn.access":
                record.msg, record.args = clean, ()
    elif isinstance(record.msg, str):
        record.msg = redact(record.msg)
    elif record.msg is not None:
        text = str(record.msg)
        clean = redact(text)
        if clean != text:
            record.msg = clean
    if record.exc_info and not record.exc_text:
        # Formatters reuse exc_text when it is set, so the traceback is printed redacted.
        record.exc_text = _formatter.formatException(record.exc_info)
    if record.exc_text:
        record.exc_text = redact(record.exc_text)
    if record.stack_info:
        record.stack_info = redact(record.stack_info)
    setattr(record, _MARK, (id(record.msg), id(record.args), id(record.exc_text)))


class RedactingFilter(logging.Filter):
    """Redacts every record it sees; never drops one."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            redact_record(record)
        except Exception:  # a broken record must still not leak: drop its text
            record.msg, record.args, record.exc_text = REDACTED, (), None
            record.exc_info = None
        return True


FILTER = RedactingFilter()
UVICORN_LOGGERS = ("uvicorn", "uvicorn.access", "uvicorn.error")


class _RedactingFactory:
    """The record factory, wrapped: every record is redacted as it is created."""

    def __init__(self, inner: Callable[..., logging.LogRecord]) -> None:
        self.inner = inner

    def __call__(self, *args: Any, **kwargs: Any) -> logging.LogRecord:
        record = self.inner(*args, **kwargs)
        FILTER.filter(record)
        return record


def _attach(target: logging.Filterer) -> None:
    if FILTER not in target.filters:
        target.addFilter(FILTER)


def install() -> None:
    """Redact every log record of this process from now on (idempotent: call it again after
    handlers were replaced, e.g. by a logging dictConfig)."""
    if not isinstance(logging.getLogRecordFactory(), _RedactingFactory):
        logging.setLogRecordFactory(_RedactingFactory(logging.getLogRecordFactory()))
    root = logging.getLogger()
    for handler in root.handlers:
        _attach(handler)
    if logging.lastResort is not None:
        _attach(logging.lastResort)
    for name in UVICORN_LOGGERS:
        logger = logging.getLogger(name)
        _attach(logger)
        for handler in logger.handlers:
            _attach(handler)


def uninstall() -> None:
    """Undo ``install()`` (tests that need a process without redaction)."""
    factory = logging.getLogRecordFactory()
    if isinstance(factory, _RedactingFactory):
        logging.setLogRecordFactory(factory.inner)
    targets: list[logging.Filterer] = list(logging.getLogger().handlers)
    if logging.lastResort is not None:
        targets.append(logging.lastResort)
    for name in UVICORN_LOGGERS:
        logger = logging.getLogger(name)
        targets.append(logger)
        targets.extend(logger.handlers)
    for target in targets:
        target.removeFilter(FILTER)
