"""A finding's repro: a shell script that replays the failing test's own writes, in order,
up to and including the request that broke the rule, then the read that shows it, and
says REPRODUCED or NOT REPRODUCED.

* It works after the run has deleted everything: every id is taken from the answers of
  the script's own creates (shell variables `$ID1`…), and the run's prefix in names is
  replaced by a fresh one each time it runs (`$RUN`), so running it twice does not
  conflict with the first run.
* It deletes whatever it created however it ends (`trap … EXIT`), and reads each one
  back: what a DELETE answered but did not remove is deactivated (users) and printed as
  `cleanup: LEFT BEHIND <url>`, never left silently.
* A finding judged over the whole run (a 429 without Retry-After) has no write to
  replay: its script is a burst of reads (`reporting/repro_burst.py`).
* The token never appears: the script reads `$SCIM_TOKEN` (and `$SCIM_URL`, defaulting
  to the tested base URL).
* Whether the deviation is back is decided by the condition `reporting/deviation.py`
  derives from the finding, checked by `reporting/replay_check.py` (copied into the
  script, standard library only). Exit status: 1 REPRODUCED, 0 NOT REPRODUCED, 2 could
  not run (a step before the failing request did not succeed, no response), 3 ran but
  cannot decide automatically (compare by eye).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping

from scim_conformance.checks.failures import Finding
from scim_conformance.http.transcript import REDACTED, Exchange
from scim_conformance.reporting import repro_burst
from scim_conformance.reporting.deviation import Predicate, deviation_of, labels_of
from scim_conformance.reporting.repro_shell import EXIT_CODES, prelude, shell_word, verdict

__all__ = ["EXIT_CODES", "repro_script", "shell_word"]

WRITES = ("POST", "PUT", "PATCH", "DELETE")
# The suite's run prefix (plugin/settings.py `new_run_prefix`), in names and filters.
_RUN_PREFIX = re.compile(r"scimconf-[0-9a-f]{8}", re.IGNORECASE)
_COLLECTION = re.compile(r"/(Users|Groups)/?$")
# Request headers the script sets itself or that curl sends on its own.
_OWN_HEADERS = frozenset(
    {"authorization", "host", "content-length", "user-agent", "accept-encoding", "connection"}
)


def created_id(exchange: Exchange) -> str | None:
    """The id a create answered in the run, if it created something."""
    if exchange.method != "POST" or exchange.status not in (200, 201):
        return None
    try:
        body = json.loads(exchange.response_body or "")
    except ValueError:
        return None
    rid = body.get("id") if isinstance(body, dict) else None
    return rid if isinstance(rid, str) and rid else None


def _writes(finding: Finding, transcript: list[Exchange], evidence: Exchange) -> list[Exchange]:
    """The writes to replay: in order, up to and including the failing one."""
    at = next((n for n, ex in enumerate(transcript) if ex is evidence), None)
    if at is None:
        at = next((n for n, ex in enumerate(transcript) if ex == evidence), len(transcript))
    writes = [ex for ex in transcript[:at] if ex.method in WRITES]
    cause = finding.cause
    if cause is not None and cause is not evidence and all(ex is not cause for ex in writes):
        writes.append(cause)
    return writes


def _url_word(exchange: Exchange, base_url: str, variables: Mapping[str, str]) -> str:
    if exchange.url.startswith(base_url):
        return '"$SCIM_URL"' + shell_word(exchange.url[len(base_url) :], variables)
    return shell_word(exchange.url, variables)


def _header_words(
    exchange: Exchange, variables: Mapping[str, str], *, refused_token: bool
) -> list[str]:
    words: list[str] = []
    for name, value in exchange.request_headers:
        lowered = name.lower()
        if lowered == "authorization":
            if refused_token:  # the run sent a token that must be refused: not the real one
                words.append('-H "Authorization: Bearer not-the-token-$RUN"')
            elif REDACTED in value:
                words.append('-H "$AUTH"')
            else:
                words.append("-H " + shell_word(f"{name}: {value}", variables))
        elif lowered not in _OWN_HEADERS:
            words.append("-H " + shell_word(f"{name}: {value}", variables))
    return words


def _send(
    exchange: Exchange, base_url: str, variables: Mapping[str, str], *, refused_token: bool
) -> str:
    line = f"send {exchange.method} {_url_word(exchange, base_url, variables)}"
    words = _header_words(exchange, variables, refused_token=refused_token)
    if exchange.request_body is not None:
        words.append("--data-raw " + shell_word(exchange.request_body, variables))
    return " ".join([line, *words])


def repro_script(finding: Finding, base_url: str, transcript: list[Exchange]) -> str:
    """The script, or "" when the finding has no request to replay."""
    if repro_burst.is_burst(finding):
        return repro_burst.burst_script(finding, base_url)
    if finding.exchange is None and finding.cause is None:
        return ""
    judged = deviation_of(finding, transcript)
    predicate, evidence = judged if judged else (None, finding.exchange or finding.cause)
    assert evidence is not None
    writes = _writes(finding, transcript, evidence)
    steps = [*writes, evidence]
    # Ids the run's creates got, as the variables of the script's own creates.
    variables: dict[str, str] = {}
    for exchange in writes:
        rid = created_id(exchange)
        if rid is not None and rid not in variables:
            variables[rid] = f"ID{len(variables) + 1}"
    for text in {m.group(0) for ex in steps for m in _RUN_PREFIX.finditer(_texts(ex))}:
        variables[text] = "RUN_UP" if text.isupper() else "RUN"
    refused = finding.rule.id.startswith("auth-")
    lines = [
        "#!/bin/sh",
        f"# Reproduces: [{finding.severity.value}] {finding.title}",
        f"# Rule: {finding.rule.id}: {finding.rule.requirement}",
        f"# Replays the test's {len(writes)} write(s) in order, then the request that shows "
        "the deviation;",
        "# deletes what it created on exit (what a DELETE leaves readable, it deactivates and",
        "# names: LEFT BEHIND). Needs curl and python3; reads $SCIM_URL, $SCIM_TOKEN.",
        EXIT_CODES,
        "set -u",
        *prelude(base_url),
    ]
    decoy = _decoy(predicate, evidence, writes, base_url)
    if decoy:
        lines += [
            "# The run's answer also listed users this test did not create: one more user",
            "# (the test's first one under another prefix) lets an ignored filter show.",
            "OTHER=\"scimconf-$(python3 -c 'import secrets; print(secrets.token_hex(4))')\"",
            "OTHER_UP=$(printf %s \"$OTHER\" | tr 'a-z' 'A-Z')",
        ]
    for number, exchange in enumerate(steps, start=1):
        last = number == len(steps)
        if last and decoy:
            lines.append(decoy)
        what = "the request that shows the deviation" if last else "replayed write"
        lines.append(f"# Step {number}/{len(steps)}: {what} (the run got {_outcome(exchange)})")
        lines.append(_send(exchange, base_url, variables, refused_token=refused and last))
        collection = _COLLECTION.search(exchange.url.split("?", 1)[0])
        if exchange.method == "POST" and collection:
            target = _url_word(exchange, base_url, {})
            rid = created_id(exchange)
            if rid is not None and not last and variables.get(rid, "").startswith("ID"):
                lines.append(
                    f"{variables[rid]}=$(created {target}) "
                    f'|| unusable {number} "HTTP {exchange.status}"'
                )
                continue
            lines.append(f"created {target} >/dev/null || :")
        if not last and exchange.status is not None and 200 <= exchange.status < 300:
            lines.append(f'ok {number} "HTTP {exchange.status}"')
    lines += _legend(finding, transcript, variables)
    lines += verdict(finding, predicate, variables)
    return "\n".join(lines) + "\n"


def _legend(
    finding: Finding, transcript: list[Exchange], variables: Mapping[str, str]
) -> list[str]:
    """A generated cycle names users and groups by labels (u1, g2): which of the script's
    own resources each label of the expectation is."""
    if not finding.expected.startswith("members "):
        return []
    labels = labels_of(transcript)
    named = sorted(set(re.findall(r"\b[ug]\d+\b", f"{finding.expected} {finding.actual}")))
    pairs = [(label, variables[labels[label]]) for label in named if labels.get(label) in variables]
    if not pairs:
        return []
    shown = "; ".join(f"{label} = %s" for label, _ in pairs)
    values = " ".join(f'"${name}"' for _, name in pairs)
    return [f"printf 'labels:   {shown}\\n' {values}"]


def _decoy(
    predicate: Predicate | None, evidence: Exchange, writes: list[Exchange], base_url: str
) -> str:
    """A create of one more user, when an exact-match filter's deviation in the run was
    other users listed that the test had not created (a server ignoring the filter shows
    only when there are other users); "" otherwise."""
    if predicate is None or predicate["kind"] != "ids":
        return ""
    own = {created_id(exchange) for exchange in writes}
    try:
        listed = json.loads(evidence.response_body or "").get("Resources") or []
    except (ValueError, AttributeError):
        return ""
    others = [r for r in listed if isinstance(r, dict) and r.get("id") not in own]
    first = next((ex for ex in writes if created_id(ex) and "/Users" in ex.url), None)
    if not others or first is None:
        return ""
    names = {m.group(0) for m in _RUN_PREFIX.finditer(_texts(first))}
    other = {name: "OTHER_UP" if name.isupper() else "OTHER" for name in names}
    target = _url_word(first, base_url, {})
    return (
        _send(first, base_url, other, refused_token=False)
        + f'\ncreated {target} >/dev/null || unusable other-user "HTTP {first.status}"'
    )


def _texts(exchange: Exchange) -> str:
    return f"{exchange.url} {exchange.request_body or ''}"


def _outcome(exchange: Exchange) -> str:
    return f"HTTP {exchange.status}" if exchange.status is not None else "no response"


def path_of(url: str, base_url: str) -> str:
    """The part of `url` below the base URL, without the query."""
    path = url.split("?", 1)[0]
    return path[len(base_url) :] if path.startswith(base_url) else path
