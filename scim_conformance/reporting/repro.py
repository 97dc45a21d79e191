"""A finding's repro: a short shell script that recreates what the request needs, replays
the request that broke the rule, reads the result back and cleans up.

It works after the run has deleted everything, because it creates its own resources
from the run's own create requests. The token never appears: the script reads
`$SCIM_TOKEN` (and `$SCIM_URL`, defaulting to the tested base URL).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping

from scim_conformance.checks.failures import Finding
from scim_conformance.http.transcript import Exchange

_ID_IN_PATH = re.compile(r"/(Users|Groups)/([^/?#]+)")
_GET_ID = "python3 -c 'import json,sys; print(json.load(sys.stdin)[\"id\"])'"


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


def _created(transcript: list[Exchange]) -> dict[str, Exchange]:
    """Ids the transcript's own creates got back, mapped to their create exchange."""
    created: dict[str, Exchange] = {}
    for exchange in transcript:
        if exchange.method != "POST" or exchange.status not in (200, 201):
            continue
        try:
            body = json.loads(exchange.response_body or "")
        except ValueError:
            continue
        if isinstance(body, dict) and isinstance(body.get("id"), str) and body["id"]:
            created[body["id"]] = exchange
    return created


def _curl(exchange: Exchange, base_url: str, variables: Mapping[str, str]) -> str:
    url = exchange.url
    if url.startswith(base_url):
        url_word = '"$SCIM_URL"' + shell_word(url[len(base_url) :], variables)
    else:
        url_word = shell_word(url, variables)
    line = f'curl -sS -i -X {exchange.method} {url_word} -H "$AUTH" -H "$ACCEPT"'
    if exchange.request_body:
        line += f' -H "$CTYPE" --data-raw {shell_word(exchange.request_body, variables)}'
    return line


def repro_script(finding: Finding, base_url: str, transcript: list[Exchange]) -> str:
    """The script, or "" when the finding has no request to replay."""
    replay = finding.cause or finding.exchange
    if replay is None:
        return ""
    created = _created(transcript)
    referenced = " ".join(filter(None, [replay.url, replay.request_body or ""]))
    if finding.cause is not None and finding.exchange is not None:
        referenced += " " + finding.exchange.url
    needed = [rid for rid in created if rid in referenced]
    variables = {rid: f"ID{n}" for n, rid in enumerate(needed, start=1)}
    lines = [
        "#!/bin/sh",
        f"# Reproduces: [{finding.severity.value}] {finding.title}",
        f"# Rule: {finding.rule.id}: {finding.rule.requirement}",
        "set -eu",
        f': "${{SCIM_URL:={base_url}}}"',
        ': "${SCIM_TOKEN:?export SCIM_TOKEN=<the bearer token> first}"',
        'AUTH="Authorization: Bearer $SCIM_TOKEN"',
        'ACCEPT="Accept: application/scim+json, application/json"',
        'CTYPE="Content-Type: application/scim+json"',
    ]
    if needed:
        lines.append("# 1. Create what the request needs (as the run did)")
    for rid in needed:
        create = created[rid]
        body = shell_word(create.request_body or "", variables)
        collection = path_of(create.url, base_url)
        lines.append(
            f'{variables[rid]}=$(curl -sS -X POST "$SCIM_URL"{shell_word(collection, {})} '
            f'-H "$AUTH" -H "$ACCEPT" -H "$CTYPE" --data-raw {body} | {_GET_ID})'
        )
    lines.append("# 2. The request that broke the rule")
    lines.append(_curl(replay, base_url, variables))
    if finding.cause is not None and finding.exchange is not None:
        lines.append("# 3. Read the result back")
        lines.append("echo")
        lines.append(_curl(finding.exchange, base_url, variables))
    if needed:
        lines.append("# Clean up")
        for rid in sorted(needed, key=lambda r: "/Groups" not in created[r].url):
            collection = path_of(created[rid].url, base_url)
            lines.append(
                f'curl -sS -o /dev/null -X DELETE "$SCIM_URL"{shell_word(collection, {})}/'
                f'"${variables[rid]}" -H "$AUTH"'
            )
    return "\n".join(lines) + "\n"


def path_of(url: str, base_url: str) -> str:
    """The part of `url` below the base URL, without the query."""
    path = url.split("?", 1)[0]
    return path[len(base_url) :] if path.startswith(base_url) else path
