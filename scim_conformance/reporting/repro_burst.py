"""The repro of a finding judged over many answers rather than one: a 429 without a usable
Retry-After (webex-retry-after). The run met it on whichever request the server happened
to throttle, so there is no single write to replay: the script sends a burst of harmless
reads until the server throttles one, and judges that 429 as the check did.

No 429 in the burst is NOT REPRODUCED: the rule speaks of 429 answers only (a server that
does not throttle this burst shows nothing to fix). `BURST` sets how many reads to send.
"""

from __future__ import annotations

from scim_conformance.checks import rules
from scim_conformance.checks.failures import Finding
from scim_conformance.reporting.repro_shell import EXIT_CODES, prelude, verdict

# Rules whose finding is judged over every answer of the run; their repro is a burst.
BURST_RULES = frozenset({rules.WEBEX_RETRY_AFTER.id})
DEFAULT_BURST = 200


def burst_steps() -> list[str]:
    """Shell lines: GET /Users?count=1 until a 429 (at most $BURST times), then, without
    one, NOT REPRODUCED; with one, the answer is left for the verdict lines to judge."""
    return [
        f': "${{BURST:={DEFAULT_BURST}}}"',
        "# A burst of one-user reads (nothing is written), until the server throttles one.",
        "n=0",
        'while [ "$n" -lt "$BURST" ]; do',
        "  n=$((n + 1))",
        '  curl -sS -o "$WORK/body" -D "$WORK/headers" -w \'%{http_code}\' \\',
        '    "$SCIM_URL/Users?count=1" -H "$AUTH" -H \'Accept: application/scim+json\' \\',
        '    >"$WORK/status" 2>/dev/null || echo 000 >"$WORK/status"',
        '  [ "$(cat "$WORK/status")" = 429 ] && break',
        "done",
        'echo "GET /Users?count=1 sent $n time(s); the last answered HTTP $(cat "$WORK/status")"',
        'if [ "$(cat "$WORK/status")" != 429 ]; then',
        "  echo",
        '  echo "now:      no 429 in $n requests (raise BURST to send more)"',
        "  echo 'NOT REPRODUCED: the server did not throttle this burst, so no 429 to judge.'",
        "  exit 0",
        "fi",
    ]


def is_burst(finding: Finding) -> bool:
    """The finding is judged over the run's answers: its repro is a burst."""
    return finding.rule.id in BURST_RULES and finding.exchange is None


def burst_script(finding: Finding, base_url: str) -> str:
    """A burst of reads until a 429, judged as the run's 429s were (reporting/repro_burst)."""
    predicate = {"kind": "retry-after"}
    lines = [
        "#!/bin/sh",
        f"# Reproduces: [{finding.severity.value}] {finding.title}",
        f"# Rule: {finding.rule.id}: {finding.rule.requirement}",
        "# The run met it on whichever request was throttled: this sends a burst of reads",
        "# (GET /Users?count=1, at most $BURST) until one is answered 429, and judges that",
        "# answer. It writes nothing. Needs curl and python3; reads $SCIM_URL, $SCIM_TOKEN.",
        EXIT_CODES,
        "set -u",
        *prelude(base_url),
        *burst_steps(),
        *verdict(finding, predicate, {}),
    ]
    return "\n".join(lines) + "\n"
