"""A pytest plugin: the whole session's logs carry no credential (issue 9, point 8).

A handler on the root logger sees every record of the test process (the root level is lowered
to INFO for the session so that access-style INFO lines are created at all); at the end, the
log files of the real servers the session started (tests/servers.py registers them) are read
too. Any line that still holds a credential fails the run: the exit status becomes 1 and the
offending lines are printed in the terminal summary.

The patterns here are written from the token formats (resolvers/security.py) and the test
suite's own secrets, independently of resolvers/redaction.py, so a gap in the redaction is not
hidden by the same gap in the check.
"""

import logging
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

# What a credential looks like in a line that was not redacted.
PATTERNS: dict[str, re.Pattern[str]] = {
    "secret or publishable key": re.compile(r"voc_(?:sk|pk)_(?:live|test)_[A-Za-z0-9]{20,}"),
    "tenant key": re.compile(r"(?<![A-Za-z0-9])vk_[0-9a-f]{40,}"),
    "refresh token": re.compile(r"(?<![A-Za-z0-9])rt_[A-Za-z0-9_\-]{30,}"),
    "webhook secret": re.compile(r"whsec_[A-Za-z0-9+/]{30,}"),
    "JWT": re.compile(r"eyJ[A-Za-z0-9_\-]{8,}\.eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}"),
    "bearer credential": re.compile(r"(?i)\bbearer\s+(?!\[redacted\])[A-Za-z0-9._~+/=\-]{16,}"),
    "credential in a query string": re.compile(
        r"(?i)[?&](?:api_?key|key|token|access_token|refresh_token|password|secret|signature)"
        r"=(?!\[redacted\])[^&\s\"'#]+"
    ),
}
MAX_FINDINGS = 50


def known_secrets() -> dict[str, str]:
    """The suite's own fixed secrets: none may ever be logged."""
    from tests import factories, servers

    # pytest imported the conftest module itself; importing it again could run it twice.
    conftest = sys.modules.get("tests.conftest")
    return {
        "test password": factories.PASSWORD,
        "test JWT secret": str(getattr(conftest, "TEST_SECRET", "")),
        "server JWT secret": servers.JWT_SECRET,
    }


@dataclass(frozen=True)
class Finding:
    where: str
    kind: str
    line: str

    def __str__(self) -> str:
        return f"{self.where}: {self.kind}: {self.line[:300]}"


def scan_lines(
    lines: Iterable[str], where: str, literals: dict[str, str] | None = None
) -> list[Finding]:
    """Every line of ``lines`` that holds a credential (one finding per line)."""
    found = []
    for line in lines:
        for kind, pattern in PATTERNS.items():
            if pattern.search(line):
                found.append(Finding(where, kind, line))
                break
        else:
            for kind, secret in (literals or {}).items():
                if secret and secret in line:
                    found.append(Finding(where, kind, line))
                    break
    return found


_formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")


def record_text(record: logging.LogRecord) -> str:
    """A record as a handler prints it: message, traceback, stack."""
    try:
        return _formatter.format(record)
    except Exception:  # a malformed record: its raw parts
        return f"{record.name} {record.msg!r} {record.args!r}"


def scan_records(
    records: Iterable[logging.LogRecord], literals: dict[str, str] | None = None
) -> list[Finding]:
    found = []
    for record in records:
        text = record_text(record)
        found.extend(scan_lines(text.splitlines(), f"log record {record.name}", literals))
    return found


def scan_files(paths: Iterable[Path], literals: dict[str, str] | None = None) -> list[Finding]:
    found = []
    for path in dict.fromkeys(paths):
        try:
            text = path.read_text(errors="replace")
        except OSError:
            continue  # its tmp directory is gone: nothing left to leak
        found.extend(scan_lines(text.splitlines(), str(path), literals))
    return found


class GuardHandler(logging.Handler):
    """Scans each record as it is emitted and keeps only what it found (the session is long)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.findings: list[Finding] = []
        self.test = "session"
        self._literals: dict[str, str] | None = None

    def emit(self, record: logging.LogRecord) -> None:
        if len(self.findings) >= MAX_FINDINGS:
            return
        if self._literals is None:
            self._literals = known_secrets()
        for finding in scan_records([record], self._literals):
            self.findings.append(
                Finding(f"{self.test} ({finding.where})", finding.kind, finding.line)
            )


@dataclass
class _State:
    handler: GuardHandler = field(default_factory=GuardHandler)
    root_level: int = logging.WARNING
    findings: list[Finding] = field(default_factory=list)


_KEY = pytest.StashKey[_State]()


def pytest_configure(config: pytest.Config) -> None:
    # Records of this process are redacted as they are created, from the start: the test
    # drivers log too (httpx prints every request URL at INFO), before any app exists. Whether
    # the app installs the redaction itself is shown by the server processes' log files below
    # and by tests/test_log_redaction.py.
    from resolvers import redaction

    redaction.install()
    state = _State()
    root = logging.getLogger()
    state.root_level = root.level
    root.addHandler(state.handler)
    if root.level > logging.INFO or root.level == logging.NOTSET:
        root.setLevel(logging.INFO)
    config.stash[_KEY] = state


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    state = item.config.stash.get(_KEY, None)
    if state is not None:
        state.handler.test = item.nodeid


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    state = session.config.stash.get(_KEY, None)
    if state is None:
        return
    from tests import servers

    findings = list(state.handler.findings)
    findings.extend(scan_files(servers.LOG_PATHS, known_secrets())[:MAX_FINDINGS])
    state.findings = findings
    if findings and session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    state = terminalreporter.config.stash.get(_KEY, None)
    if state is None or not state.findings:
        return
    terminalreporter.section("credentials in logs", red=True, bold=True)
    terminalreporter.write_line(
        f"{len(state.findings)} log line(s) hold a credential (issue 9, point 8):"
    )
    for finding in state.findings:
        terminalreporter.write_line(str(finding))


def pytest_unconfigure(config: pytest.Config) -> None:
    state = config.stash.get(_KEY, None)
    if state is None:
        return
    root = logging.getLogger()
    root.removeHandler(state.handler)
    root.setLevel(state.root_level)
