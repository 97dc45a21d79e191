"""The shell around a repro script's steps: quoting, the prelude (settings, the embedded
check, the cleanup trap, the helper functions) and the closing verdict. Shared by the
replay scripts (`reporting/repro.py`) and the burst script (`reporting/repro_burst.py`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from scim_conformance.checks.failures import Finding

_CHECK_SOURCE = (Path(__file__).parent / "replay_check.py").read_text(encoding="utf-8")
# What the cleanup sends to a user a DELETE did not remove (Entra's own disable).
DEACTIVATE = json.dumps(
    {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "replace", "path": "active", "value": False}],
    }
)
EXIT_CODES = (
    "# Exit status: 1 REPRODUCED (the deviation is there), 0 NOT REPRODUCED, 2 could not\n"
    "# run (a step before the failing request failed), 3 cannot decide automatically."
)


def shell_word(text: str, variables: Mapping[str, str]) -> str:
    """`text` as one shell word: literal parts single-quoted, each occurrence of a key of
    `variables` replaced by the shell variable it maps to ("$ID1")."""
    if not text:
        return "''"
    keys = sorted((key for key in variables if key), key=len, reverse=True)
    pieces = re.split("(" + "|".join(map(re.escape, keys)) + ")", text) if keys else [text]
    word = []
    for piece in pieces:
        if piece in variables:
            word.append(f'"${variables[piece]}"')
        elif piece:
            word.append("'" + piece.replace("'", "'\\''") + "'")
    return "".join(word)


def prelude(base_url: str) -> list[str]:
    """The lines every script starts with, after its header comments."""
    return [
        f': "${{SCIM_URL:={base_url}}}"',
        ': "${SCIM_TOKEN:?export SCIM_TOKEN=<the bearer token> first}"',
        'AUTH="Authorization: Bearer $SCIM_TOKEN"',
        "# A fresh prefix for every name the test sent, so each run of this script is new.",
        "RUN=\"scimconf-$(python3 -c 'import secrets; print(secrets.token_hex(4))')\"",
        "RUN_UP=$(printf %s \"$RUN\" | tr 'a-z' 'A-Z')",
        'WORK=$(mktemp -d) && : >"$WORK/created"',
        "DEACTIVATE='" + DEACTIVATE + "'",
        "CHECK=$(cat <<'PY'",
        _CHECK_SOURCE.rstrip("\n"),
        "PY",
        ")",
        "cleanup() {  # delete what this script created (groups first), however it ends",
        "  rc=$?",
        "  trap - EXIT INT TERM HUP",
        '  { grep -F /Groups/ "$WORK/created"; grep -vF /Groups/ "$WORK/created"; } >"$WORK/order"',
        "  while read -r url; do",
        '    code=$(curl -sS -o /dev/null -w \'%{http_code}\' -X DELETE "$url" -H "$AUTH") || :',
        "    # A DELETE that answers success may still not delete: read it back to be sure.",
        '    gone=$(curl -sS -o /dev/null -w \'%{http_code}\' "$url" -H "$AUTH") || :',
        "    case $gone in",
        '      404|410) echo "cleanup: deleted $url" ;;',
        "      *)",
        "        case $url in */Users/*)  # it can at least not sign in",
        '          curl -sS -o /dev/null -X PATCH "$url" -H "$AUTH" \\',
        "            -H 'Content-Type: application/scim+json' --data-raw \"$DEACTIVATE\" ;;",
        "        esac",
        '        echo "$url" >>"$WORK/left"',
        '        echo "cleanup: LEFT BEHIND $url (DELETE answered HTTP ${code:-000}, it still'
        ' reads HTTP ${gone:-000})" ;;',
        "    esac",
        '  done <"$WORK/order"',
        '  if [ -s "$WORK/left" ]; then',
        '    echo "cleanup: $(grep -c . "$WORK/left") resource(s) could not be deleted (users"',
        '    echo "  among them deactivated); their names start with $RUN: remove them by hand."',
        "  fi",
        '  rm -rf "$WORK"',
        '  exit "$rc"',
        "}",
        "trap cleanup EXIT",
        "trap 'exit 2' INT TERM HUP",
        "send() {  # METHOD URL [curl options]: the answer goes to $WORK/status, headers, body",
        "  method=$1 url=$2",
        "  shift 2",
        '  curl -sS -o "$WORK/body" -D "$WORK/headers" -w \'%{http_code}\' -X "$method" "$url" \\',
        '    "$@" >"$WORK/status" || echo 000 >"$WORK/status"',
        '  echo "$method ${url#"$SCIM_URL"} -> HTTP $(cat "$WORK/status")"',
        "}",
        "created() {  # after a POST to $1: the new resource's id, kept for the cleanup",
        '  rid=$(python3 -c "$CHECK" id "$WORK") || return 1',
        '  echo "$1/$rid" >>"$WORK/created"',
        '  printf %s "$rid"',
        "}",
        "ok() {  # a step the test got through must succeed again, or nothing is proven",
        '  case $(cat "$WORK/status") in 2??) return 0 ;; esac',
        '  unusable "$@"',
        "}",
        "unusable() {",
        '  echo "COULD NOT RUN: step $1 answered HTTP $(cat "$WORK/status") (the run got $2):"',
        '  cat "$WORK/body"; echo',
        "  exit 2",
        "}",
    ]


def verdict(
    finding: Finding, predicate: dict[str, Any] | None, variables: Mapping[str, str]
) -> list[str]:
    """The closing lines: what was expected, what the run saw, what came back now."""
    lines = [
        "echo",
        f"printf 'expected: %s\\n' {shell_word(finding.expected[:500], variables)}",
        f"printf 'run saw:  %s\\n' {shell_word(finding.actual[:500], variables)}",
    ]
    if predicate is None:
        return [
            *lines,
            'echo "now:      HTTP $(cat "$WORK/status")"',
            'cat "$WORK/body"; echo',
            "echo 'CANNOT DECIDE automatically: compare the answer above with the expectation"
            " by eye.'",
            "exit 3",
        ]
    word = shell_word(json.dumps(predicate, ensure_ascii=False), variables)
    return [
        *lines,
        f'SHOWN=$(python3 -c "$CHECK" judge "$WORK" {word})',
        "VERDICT=$?",
        "printf 'now:      %s\\n' \"$SHOWN\"",
        "case $VERDICT in",
        "  1) echo 'REPRODUCED: the server still deviates.'; exit 1 ;;",
        "  0) echo 'NOT REPRODUCED: the server now answers as expected.'; exit 0 ;;",
        '  *) cat "$WORK/body"; echo',
        "     echo 'CANNOT DECIDE automatically (no usable answer): compare by eye.'; exit 3 ;;",
        "esac",
    ]
