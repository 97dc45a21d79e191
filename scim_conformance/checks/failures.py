"""Findings: a broken rule, what was expected and what came back, and how it is raised."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import NoReturn

from scim_conformance.checks import provisioning_logs, rules
from scim_conformance.checks.rules import Rule
from scim_conformance.http.client import ScimResponse, TransportFailure
from scim_conformance.http.transcript import Exchange, pretty_body
from scim_conformance.severity import Severity

BODY_EXCERPT = 1500


@dataclass(frozen=True)
class Finding:
    """One broken rule on one request: what was expected, what came back, the evidence."""

    rule: Rule
    title: str
    expected: str
    actual: str
    exchange: Exchange | None = None  # the response that shows the deviation
    cause: Exchange | None = None  # the write that broke the rule, when a read-back shows it

    @property
    def severity(self) -> Severity:
        """The rule's severity."""
        return self.rule.severity

    def render(self) -> str:
        """The failure message: verdict, expectation, rule and sources, Entra, evidence, curl."""
        lines = [
            f"[{self.severity.value}] {self.title}",
            f"  expected: {self.expected}",
            f"  actual:   {self.actual}",
            f"  rule:     {self.rule.id}: {self.rule.requirement}",
            *(
                f"  {'source:' if n == 0 else '':<9} {source.label} <{source.url}>"
                for n, source in enumerate(self.rule.sources)
            ),
            f"  Entra:    {self.rule.entra}",
            f"  {provisioning_logs.entry(self.rule.id).line()}",
        ]
        if self.cause is not None:
            lines.append(
                f"  write:    {self.cause.method} {self.cause.url} → {_outcome(self.cause)}"
            )
            if self.cause.request_body:
                body = pretty_body(self.cause.request_body, BODY_EXCERPT)
                lines += ["    " + line for line in body.splitlines()]
        if self.exchange is not None:
            ex = self.exchange
            label = "read:    " if self.cause is not None else "request: "
            lines.append(f"  {label} {ex.method} {ex.url}")
            if ex.status is not None:
                ctype = ex.response_header("content-type") or "no content type"
                lines.append(f"  response: HTTP {ex.status} ({ctype})")
                if ex.response_body:
                    body = pretty_body(ex.response_body, BODY_EXCERPT)
                    lines += ["    " + line for line in body.splitlines()]
            else:
                lines.append(f"  response: none ({ex.error})")
        replay = self.cause or self.exchange
        if replay is not None:
            lines += ["  reproduce:", "    " + replay.curl()]
        return "\n".join(lines)


def _outcome(exchange: Exchange) -> str:
    return (
        f"HTTP {exchange.status}"
        if exchange.status is not None
        else f"no response ({exchange.error})"
    )


class ConformanceFailure(AssertionError):
    """Raised by a check; pytest shows `finding.render()` instead of a traceback."""

    def __init__(self, finding: Finding) -> None:
        super().__init__(finding.render())
        self.finding = finding


class AdvisoryFinding(UserWarning):
    """An advisory finding, shown in pytest's warnings summary and the report."""

    def __init__(self, finding: Finding) -> None:
        super().__init__(finding.render())
        self.finding = finding


class Blocked(Exception):
    """A test cannot go on because a prerequisite broke a rule: the plugin reports it as
    skipped, blocked by that finding (which counts once, wherever it was met)."""

    def __init__(self, finding: Finding) -> None:
        super().__init__(f"blocked by [{finding.rule.id}] {finding.title}")
        self.finding = finding


# The running test's advisory findings, kept by the plugin for its report (a warning
# alone would reach the report only as text, and only after the test's last phase).
_advised: list[Finding] | None = None


@contextmanager
def advisories_into(sink: list[Finding]) -> Iterator[None]:
    """Collect the advisory findings raised while the context is open into `sink`."""
    global _advised
    previous, _advised = _advised, sink
    try:
        yield
    finally:
        _advised = previous


def _finding(
    rule: Rule,
    title: str,
    expected: str,
    actual: str,
    response: ScimResponse | None,
    cause: ScimResponse | None,
) -> Finding:
    return Finding(
        rule,
        title,
        expected,
        actual,
        response.exchange if response is not None else None,
        cause.exchange if cause is not None else None,
    )


def fail(
    rule: Rule,
    title: str,
    *,
    expected: str,
    actual: str,
    response: ScimResponse | None = None,
    cause: ScimResponse | None = None,
) -> NoReturn:
    """The endpoint broke an entra-breaking or rfc rule: the check fails here.

    `response` is the evidence; `cause` is the write that broke the rule when the evidence
    is a read-back (the repro replays the write).
    """
    if rule.severity is Severity.ADVISORY:
        raise TypeError(f"rule {rule.id} is advisory: use advise() or report()")
    raise ConformanceFailure(_finding(rule, title, expected, actual, response, cause))


def advise(
    rule: Rule,
    title: str,
    *,
    expected: str,
    actual: str,
    response: ScimResponse | None = None,
    cause: ScimResponse | None = None,
) -> None:
    """The endpoint broke an advisory rule: a warning, a failure only with --scim-strict."""
    finding = _finding(rule, title, expected, actual, response, cause)
    if _advised is not None:
        _advised.append(finding)
    warnings.warn(AdvisoryFinding(finding), stacklevel=2)


def block(
    rule: Rule,
    title: str,
    *,
    expected: str,
    actual: str,
    response: ScimResponse | None = None,
    cause: ScimResponse | None = None,
) -> NoReturn:
    """A prerequisite of the test broke `rule`: stop the test as blocked by that finding."""
    raise Blocked(_finding(rule, title, expected, actual, response, cause))


def report(
    rule: Rule,
    title: str,
    *,
    expected: str,
    actual: str,
    response: ScimResponse | None = None,
    cause: ScimResponse | None = None,
) -> None:
    """Fail or advise, as the rule's severity says (for rules graded by the run's options)."""
    if rule.severity is Severity.ADVISORY:
        advise(rule, title, expected=expected, actual=actual, response=response, cause=cause)
    else:
        fail(rule, title, expected=expected, actual=actual, response=response, cause=cause)


def transport_finding(failure: TransportFailure) -> Finding:
    """A request that got no usable HTTP response, as a finding of the http-response rule."""
    return Finding(
        rules.HTTP_RESPONSE,
        "No usable HTTP response",
        expected="an HTTP response",
        actual=str(failure),
        exchange=failure.exchange,
    )
