"""The conditions repro scripts decide on beyond one resource's values: discovery
documents, Webex's error trackingId and list pages, a gallery page, a null update, the
names /Schemas describes, a cycle's labelled members, and a 429's Retry-After (its script
is a burst). `test_repro_replay.py` runs them against the reference server's faults."""

from __future__ import annotations

import json
import subprocess
from typing import Any

import pytest

from scim_conformance.checks import rules
from scim_conformance.checks.failures import Finding
from scim_conformance.checks.webex import CISCO_ERROR
from scim_conformance.http.transcript import Exchange
from scim_conformance.reporting.deviation import deviation_of, labels_of
from scim_conformance.reporting.replay_check import judge
from scim_conformance.reporting.repro import repro_script

BASE = "http://127.0.0.1:8999/scim/v2"
USER = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
WORK_EMAIL = 'emails[type eq "work"].value'


def listing(resources: list[dict[str, Any]], **extra: Any) -> str:
    return json.dumps({"totalResults": len(resources), "Resources": resources, **extra})


def exchange(method: str, path: str, status: int, body: Any = None, **more: Any) -> Exchange:
    text = body if isinstance(body, str) or body is None else json.dumps(body)
    return Exchange(
        method=method,
        url=f"{BASE}{path}",
        request_headers=[],
        request_body=more.get("sent"),
        status=status,
        response_body=text,
        response_headers=more.get("headers", []),
    )


SCHEMA_USER = {
    "id": USER,
    "attributes": [
        {"name": "title", "type": "string"},
        {"name": "name", "type": "complex", "subAttributes": [{"name": "givenName"}]},
        {
            "name": "emails",
            "type": "complex",
            "multiValued": True,
            "subAttributes": [
                {"name": "value"},
                {"name": "type", "canonicalValues": ["work"]},
            ],
        },
    ],
}

# (condition, an answer that deviates, one that conforms)
CASES: list[tuple[dict[str, Any], str, str]] = [
    (
        {"kind": "values", "values": [["patch.supported", True]]},
        json.dumps({"patch": {"supported": False}}),
        json.dumps({"patch": {"supported": True}}),
    ),
    (
        {"kind": "listed-ids", "expected": [USER, GROUP]},
        listing([{"id": USER}]),
        listing([{"id": USER}, {"id": GROUP}]),
    ),
    (
        {"kind": "resource-type", "schema": GROUP, "endpoint": "/Groups"},
        listing([{"schema": GROUP, "endpoint": "/Group"}]),
        listing([{"schema": GROUP, "endpoint": "/Groups/"}]),
    ),
    (
        {"kind": "non-empty-string", "path": f"{CISCO_ERROR}:trackingId", "section": CISCO_ERROR},
        json.dumps({CISCO_ERROR: {"trackingId": ""}}),
        json.dumps({"detail": "no Cisco section at all: optional"}),
    ),
    (
        {"kind": "listed", "id": "u-1", "present": True},
        listing([{"id": "u-2"}]),
        listing([{"id": "u-2"}, {"id": "u-1"}]),
    ),
    (
        {"kind": "page", "start": 11, "max": 5},
        json.dumps({"totalResults": 11, "startIndex": 11, "Resources": []}),
        json.dumps({"totalResults": 11, "startIndex": 11, "Resources": [{"id": "x"}]}),
    ),
    (
        {"kind": "unassigned", "paths": ["title", 'emails[type eq "work"].value']},
        json.dumps({"title": "", "emails": [{"type": "work", "value": "a@b"}]}),
        json.dumps({"title": None, "emails": []}),
    ),
    (
        {
            "kind": "described",
            "names": [["User", "title"], ["User", 'emails[type eq "work"].value']],
        },
        listing([{"id": USER, "attributes": SCHEMA_USER["attributes"][1:]}]),
        listing([SCHEMA_USER]),
    ),
]


@pytest.mark.parametrize(("predicate", "deviating", "conforming"), CASES)
def test_each_condition_tells_the_deviation_from_a_conforming_answer(
    predicate: dict[str, Any], deviating: str, conforming: str
) -> None:
    assert judge(predicate, 200, "application/scim+json", deviating)[0] is True
    assert judge(predicate, 200, "application/scim+json", conforming)[0] is False


def test_an_answer_of_an_unexpected_shape_cannot_be_judged_rather_than_crash() -> None:
    odd = json.dumps({"Resources": [{"id": USER, "attributes": {"not": "a list"}}]})
    assert judge({"kind": "described", "names": [["User", "x"]]}, 200, "", odd)[0] is True
    assert judge({"kind": "values", "values": [["one"]]}, 200, "", "{}")[0] is None


def test_a_429_is_judged_by_its_retry_after() -> None:
    retry = {"kind": "retry-after"}
    assert judge(retry, 429, "", "", {})[0] is True
    assert judge(retry, 429, "", "", {"retry-after": "soon"})[0] is True
    assert judge(retry, 429, "", "", {"retry-after": "3"})[0] is False
    assert judge(retry, 429, "", "", {"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"})[0] is False
    assert judge(retry, 200, "", "", {})[0] is None


def test_a_cycle_s_labels_are_its_creates_counted_by_kind() -> None:
    transcript = [
        exchange("POST", "/Users", 201, {"id": "id-a"}),
        exchange("POST", "/Users", 409, {"detail": "taken"}),
        exchange("POST", "/Groups", 201, {"id": "id-g"}),
        exchange("POST", "/Users", 201, {"id": "id-b"}),
    ]
    assert labels_of(transcript) == {"u1": "id-a", "g1": "id-g", "u2": "id-b"}
    add = exchange("PATCH", "/Groups/id-g", 204)
    read = exchange("GET", "/Groups/id-g", 200, {"id": "id-g", "members": [{"value": "id-b"}]})
    finding = Finding(
        rules.MEMBERS_ADD_KEEPS_OTHERS, "t", "members u1, u2", "members u2", read, add
    )
    judged = deviation_of(finding, [*transcript, add, read])
    assert judged == ({"kind": "members", "expected": ["id-a", "id-b"]}, read)
    script = repro_script(finding, BASE, [*transcript, add, read])
    assert 'printf \'labels:   u1 = %s; u2 = %s\\n\' "$ID1" "$ID3"' in script


def test_a_resource_type_s_missing_schema_is_judged_on_the_schemas_read_next() -> None:
    types = exchange("GET", "/ResourceTypes", 200, listing([{"schema": GROUP}]))
    schemas = exchange("GET", "/Schemas", 200, listing([{"id": USER}]))
    finding = Finding(
        rules.DISCOVERY_USERS_GROUPS,
        "t",
        "every schema and schemaExtension listed under /Schemas",
        f"missing: {GROUP}",
        types,
    )
    assert deviation_of(finding, [types, schemas]) == (
        {"kind": "listed-ids", "expected": [GROUP]},
        schemas,
    )


def test_the_429_advisory_s_script_is_a_burst_that_writes_nothing() -> None:
    finding = Finding(
        rules.WEBEX_RETRY_AFTER,
        "A 429 without a usable Retry-After (no Retry-After header)",
        expected="Retry-After: <seconds> on every 429",
        actual="1 of 1 429 answers",
    )
    script = repro_script(finding, BASE, [])
    assert script.startswith("#!/bin/sh")
    assert '"$SCIM_URL/Users?count=1"' in script
    assert "POST" not in script.split("CHECK=$(cat", 1)[0]
    assert "NOT REPRODUCED: the server did not throttle this burst" in script
    assert '{"kind": "retry-after"}' in script
    assert subprocess.run(["sh", "-n", "-c", script], check=False).returncode == 0


def test_the_cleanup_reads_back_and_names_what_it_could_not_delete() -> None:
    read = exchange("GET", "/Users/u-1", 200, {"id": "u-1"})
    finding = Finding(rules.DELETE_APPLIED, "t", "HTTP 404", "HTTP 200", read)
    script = repro_script(finding, BASE, [read])
    assert "cleanup: LEFT BEHIND $url" in script
    assert '"path": "active", "value": false' in script
