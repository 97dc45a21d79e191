"""Schema discovery: /ServiceProviderConfig, /ResourceTypes, /Schemas (RFC 7644 §4).

Entra calls discovery only for some gallery apps; custom SCIM apps never use it (tutorial),
while the Entra app gallery validation checklist requires all three endpoints. So every
finding here is advisory unless --scim-gallery says the app is a gallery app.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from scim_conformance.checks import rules
from scim_conformance.checks.expectations import describe, expect_schema
from scim_conformance.checks.failures import advise, report
from scim_conformance.checks.resource_paths import get_key
from scim_conformance.checks.rules import Rule
from scim_conformance.config import Settings
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
from scim_conformance.suite.conftest import CreatedUser

pytestmark = pytest.mark.discovery


@pytest.fixture
def graded(scim_settings: Settings) -> Callable[[Rule], Rule]:
    """A discovery rule as it applies here: rfc for gallery apps (--scim-gallery), else advisory."""
    return lambda rule: rule.for_gallery(scim_settings.gallery)


def served(response: ScimResponse, title: str, rule: Rule) -> dict[str, Any] | None:
    """The JSON object body of a 200, or a finding and None."""
    body = response.json_object
    if response.status == 200 and body is not None:
        return body
    report(
        rule,
        title,
        expected="HTTP 200 with a JSON body",
        actual=describe(response),
        response=response,
    )
    return None


def listed(body: dict[str, Any]) -> list[dict[str, Any]]:
    """The resources of a ListResponse (or of a bare JSON array some servers send)."""
    resources = get_key(body, "Resources")
    return [r for r in resources if isinstance(r, dict)] if isinstance(resources, list) else []


def test_service_provider_config_matches_behaviour(
    scim: ScimClient, graded: Callable[[Rule], Rule], new_user: Callable[..., CreatedUser]
) -> None:
    """/ServiceProviderConfig is valid and claims PATCH and filter, which Entra uses."""
    response = scim.get("/ServiceProviderConfig")
    body = served(response, "/ServiceProviderConfig is not served", graded(rules.DISCOVERY_SERVED))
    if body is None:
        return
    expect_schema(
        body,
        "ServiceProviderConfig",
        "/ServiceProviderConfig is malformed",
        response,
        rule=graded(rules.DISCOVERY_SHAPE),
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
            report(
                graded(rules.DISCOVERY_TRUTHFUL),
                f"ServiceProviderConfig says {feature} is not supported, but it works",
                expected=f'"{feature}": {{"supported": true}}',
                actual=f"supported = {claim!r}",
                response=response,
            )


def test_resource_types_describe_users_and_groups(
    scim: ScimClient, graded: Callable[[Rule], Rule]
) -> None:
    """/ResourceTypes lists User and Group, each pointing at a schema /Schemas serves."""
    response = scim.get("/ResourceTypes")
    body = served(response, "/ResourceTypes is not served", graded(rules.DISCOVERY_SERVED))
    if body is None:
        return
    types = listed(body)
    for index, resource_type in enumerate(types):
        expect_schema(
            resource_type,
            "ResourceType",
            "A resource type is malformed",
            response,
            rule=graded(rules.DISCOVERY_SHAPE),
            where=f".Resources[{index}]",
        )
    by_schema = {t.get("schema"): t for t in types}
    for urn, endpoint in ((USER_SCHEMA, "/Users"), (GROUP_SCHEMA, "/Groups")):
        found = by_schema.get(urn)
        if found is None or str(found.get("endpoint", "")).rstrip("/") != endpoint:
            report(
                graded(rules.DISCOVERY_USERS_GROUPS),
                f"/ResourceTypes has no resource type for {endpoint}",
                expected=f'a resource type with schema {urn} and endpoint "{endpoint}"',
                actual=f"{len(types)} resource type(s): "
                f"{', '.join(str(t.get('name')) for t in types) or 'none'}",
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
        report(
            graded(rules.DISCOVERY_USERS_GROUPS),
            "Resource types point at schemas /Schemas does not serve",
            expected="every schema and schemaExtension listed under /Schemas",
            actual=f"missing: {', '.join(missing)}",
            response=response,
        )


def _schema_ids(scim: ScimClient) -> set[str] | None:
    response = scim.get("/Schemas")
    body = response.json_object if response.status == 200 else None
    return None if body is None else {str(s.get("id")) for s in listed(body)}


def test_schemas_include_user_and_group(scim: ScimClient, graded: Callable[[Rule], Rule]) -> None:
    """/Schemas lists the core User and Group schemas (RFC 7644 §4), or Webex's
    `/Schemas/SCIM2/User|Group` form at the host root (Webex for Developers: SCIM 2 overview)."""
    response = scim.get("/Schemas")
    if response.status in (404, 501) and _webex_schemas_served(scim):
        return  # a Webex-style server: its own discovery form is recognised
    body = served(response, "/Schemas is not served", graded(rules.DISCOVERY_SERVED))
    if body is None:
        return
    schemas = listed(body)
    for index, schema in enumerate(schemas):
        expect_schema(
            schema,
            "Schema",
            "A schema definition is malformed",
            response,
            rule=graded(rules.DISCOVERY_SHAPE),
            where=f".Resources[{index}]",
        )
    ids = {str(schema.get("id")) for schema in schemas}
    missing = [urn for urn in (USER_SCHEMA, GROUP_SCHEMA) if urn not in ids]
    if missing:
        report(
            graded(rules.DISCOVERY_USERS_GROUPS),
            "/Schemas lacks a core schema Entra maps to",
            expected=f"schemas {USER_SCHEMA} and {GROUP_SCHEMA}",
            actual=f"missing {', '.join(missing)}; served: {', '.join(sorted(ids)) or 'none'}",
            response=response,
        )
    if ENTERPRISE not in ids:
        advise(
            rules.DISCOVERY_ENTERPRISE,
            "/Schemas does not describe the enterprise extension",
            expected=ENTERPRISE,
            actual="not listed",
            response=response,
        )


def _webex_schemas_served(scim: ScimClient) -> bool:
    """True when the host root serves Webex's `/Schemas/SCIM2/User` and `.../Group`."""
    for name in ("User", "Group"):
        response = scim.get(f"/Schemas/SCIM2/{name}", at_root=True)
        if response.status != 200 or response.json_object is None:
            return False
    return True
