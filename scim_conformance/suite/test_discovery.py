"""Schema discovery: /ServiceProviderConfig, /ResourceTypes, /Schemas (entra-sequences.md §9).

Entra calls discovery only for some gallery apps; custom SCIM apps never use it (§9 [S1]),
while the gallery checklist requires all three endpoints (R8 [S13]). So every finding here
is advisory unless --scim-gallery says the app is a gallery app.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from scim_conformance.checks.expectations import describe, expect_schema
from scim_conformance.checks.failures import Severity, fail
from scim_conformance.checks.paths import get_key
from scim_conformance.entra import (
    ENTERPRISE,
    FLAG,
    GROUP_SCHEMA,
    USER_SCHEMA,
    EntraPatch,
    patch_body,
    user_query,
)
from scim_conformance.http.client import ScimClient, ScimResponse
from scim_conformance.plugin.settings import Settings
from scim_conformance.suite.conftest import CreatedUser

pytestmark = pytest.mark.discovery

RULE = "RFC 7644 §4 and RFC 7643 §5-§7; Entra gallery checklist [S13] R8"
IMPACT = (
    "custom apps: none (Entra does not call discovery); gallery apps: onboarding validation "
    "fails and attribute mappings cannot be discovered [S12][S13]"
)


@pytest.fixture
def severity(scim_settings: Settings) -> Severity:
    """rfc for gallery apps (--scim-gallery), advisory otherwise."""
    return Severity.RFC if scim_settings.gallery else Severity.ADVISORY


def served(response: ScimResponse, title: str, severity: Severity) -> dict[str, Any] | None:
    """The JSON object body of a 200, or a finding and None."""
    body = response.json_object
    if response.status == 200 and body is not None:
        return body
    fail(
        severity,
        title,
        expected="HTTP 200 with a JSON body",
        actual=describe(response),
        rule=RULE,
        entra=IMPACT,
        response=response,
    )
    return None


def listed(body: dict[str, Any]) -> list[dict[str, Any]]:
    """The resources of a ListResponse (or of a bare JSON array some servers send)."""
    resources = get_key(body, "Resources")
    return [r for r in resources if isinstance(r, dict)] if isinstance(resources, list) else []


def test_service_provider_config_matches_behaviour(
    scim: ScimClient, severity: Severity, new_user: Callable[..., CreatedUser]
) -> None:
    """/ServiceProviderConfig is valid and claims PATCH and filter, which Entra needs (R2, R4)."""
    response = scim.get("/ServiceProviderConfig")
    body = served(response, "/ServiceProviderConfig is not served", severity)
    if body is None:
        return
    expect_schema(
        body,
        "ServiceProviderConfig",
        "/ServiceProviderConfig is malformed",
        response,
        rule=RULE,
        entra=IMPACT,
        severity=severity,
    )
    # What the server claims, against what it does when Entra uses it. Only the answers'
    # status codes matter here: whether the change sticks is judged by the update tests.
    user = new_user()
    new_name = {"displayName": f"{user.spec.display_name} (discovery)"}
    patched = scim.patch(f"/Users/{user.id}", patch_body(EntraPatch(FLAG).update(new_name)))
    filtered = scim.get("/Users", user_query("userName", user.spec.user_name))
    if patched.status not in (200, 204) or filtered.status != 200:
        return  # PATCH or filter do not work at all: their own tests say so
    for feature in ("patch", "filter"):
        claim = get_key(get_key(body, feature), "supported")
        if claim is not True:
            fail(
                severity,
                f"ServiceProviderConfig says {feature} is not supported, but it works",
                expected=f'"{feature}": {{"supported": true}}',
                actual=f"supported = {claim!r}",
                rule="RFC 7643 §5 (the configuration describes the service's features)",
                entra=IMPACT,
                response=response,
            )


def test_resource_types_describe_users_and_groups(scim: ScimClient, severity: Severity) -> None:
    """/ResourceTypes lists User and Group, each pointing at a schema /Schemas serves."""
    response = scim.get("/ResourceTypes")
    body = served(response, "/ResourceTypes is not served", severity)
    if body is None:
        return
    types = listed(body)
    for index, resource_type in enumerate(types):
        expect_schema(
            resource_type,
            "ResourceType",
            "A resource type is malformed",
            response,
            rule=RULE,
            entra=IMPACT,
            severity=severity,
            where=f".Resources[{index}]",
        )
    by_schema = {t.get("schema"): t for t in types}
    for urn, endpoint in ((USER_SCHEMA, "/Users"), (GROUP_SCHEMA, "/Groups")):
        found = by_schema.get(urn)
        if found is None or str(found.get("endpoint", "")).rstrip("/") != endpoint:
            fail(
                severity,
                f"/ResourceTypes has no resource type for {endpoint}",
                expected=f'a resource type with schema {urn} and endpoint "{endpoint}"',
                actual=f"{len(types)} resource type(s): "
                f"{', '.join(str(t.get('name')) for t in types) or 'none'}",
                rule=RULE,
                entra=IMPACT,
                response=response,
            )
    schemas = _schema_ids(scim)
    if schemas is None:
        return  # /Schemas is judged by its own test
    referenced = {t.get("schema") for t in types} | {
        ext.get("schema")
        for t in types
        for ext in t.get("schemaExtensions") or []
        if isinstance(ext, dict)
    }
    missing = sorted(str(urn) for urn in referenced - schemas if urn)
    if missing:
        fail(
            severity,
            "Resource types point at schemas /Schemas does not serve",
            expected="every schema and schemaExtension listed under /Schemas",
            actual=f"missing: {', '.join(missing)}",
            rule="RFC 7643 §6 (schema, schemaExtensions)",
            entra=IMPACT,
            response=response,
        )


def _schema_ids(scim: ScimClient) -> set[str] | None:
    response = scim.get("/Schemas")
    body = response.json_object if response.status == 200 else None
    return None if body is None else {str(s.get("id")) for s in listed(body)}


def test_schemas_include_user_and_group(scim: ScimClient, severity: Severity) -> None:
    """/Schemas lists the core User and Group schemas (RFC 7644 §4), or Webex's
    `/Schemas/SCIM2/User|Group` form at the host root (webex-scim.md §1, §7)."""
    response = scim.get("/Schemas")
    if response.status in (404, 501) and _webex_schemas_served(scim):
        return  # a Webex-style server: its own discovery form is recognised
    body = served(response, "/Schemas is not served", severity)
    if body is None:
        return
    schemas = listed(body)
    for index, schema in enumerate(schemas):
        expect_schema(
            schema,
            "Schema",
            "A schema definition is malformed",
            response,
            rule=RULE,
            entra=IMPACT,
            severity=severity,
            where=f".Resources[{index}]",
        )
    ids = {str(schema.get("id")) for schema in schemas}
    missing = [urn for urn in (USER_SCHEMA, GROUP_SCHEMA) if urn not in ids]
    if missing:
        fail(
            severity,
            "/Schemas lacks a core schema Entra maps to",
            expected=f"schemas {USER_SCHEMA} and {GROUP_SCHEMA}",
            actual=f"missing {', '.join(missing)}; served: {', '.join(sorted(ids)) or 'none'}",
            rule=RULE,
            entra="Microsoft's validation requires the Group schema [S12]; " + IMPACT,
            response=response,
        )
    if ENTERPRISE not in ids:
        fail(
            Severity.ADVISORY,
            "/Schemas does not describe the enterprise extension",
            expected=ENTERPRISE,
            actual="not listed",
            rule="RFC 7643 §4.3",
            entra="Entra's default mapping writes department, employeeNumber and manager "
            "to it (§12a)",
            response=response,
        )


def _webex_schemas_served(scim: ScimClient) -> bool:
    """True when the host root serves Webex's `/Schemas/SCIM2/User` and `.../Group`."""
    for name in ("User", "Group"):
        response = scim.get(f"/Schemas/SCIM2/{name}", at_root=True)
        if response.status != 200 or response.json_object is None:
            return False
    return True
