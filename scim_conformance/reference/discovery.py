"""Discovery documents: ServiceProviderConfig, ResourceTypes, Schemas (RFC 7643 §5-7)."""

from __future__ import annotations

from typing import Any

from .schema import CORE_URN, EXTENSIONS, LIST_RESPONSE, SCHEMAS, Kind

SPC_URN = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"
RESOURCE_TYPE_URN = "urn:ietf:params:scim:schemas:core:2.0:ResourceType"
SCHEMA_URN = "urn:ietf:params:scim:schemas:core:2.0:Schema"
MAX_RESULTS = 1000
_ENDPOINTS: dict[Kind, str] = {"User": "/Users", "Group": "/Groups"}


def list_response(
    resources: list[dict[str, Any]], total: int | None = None, start: int = 1
) -> dict[str, Any]:
    """An RFC 7644 §3.4.2 ListResponse."""
    return {
        "schemas": [LIST_RESPONSE],
        "totalResults": len(resources) if total is None else total,
        "startIndex": start,
        "itemsPerPage": len(resources),
        "Resources": resources,
    }


def service_provider_config(base_url: str) -> dict[str, Any]:
    """What the server supports (RFC 7643 §5): PATCH and filter yes; bulk, sort, etag no."""
    return {
        "schemas": [SPC_URN],
        "documentationUri": "https://datatracker.ietf.org/doc/html/rfc7644",
        "patch": {"supported": True},
        "bulk": {"supported": False, "maxOperations": 0, "maxPayloadSize": 0},
        "filter": {"supported": True, "maxResults": MAX_RESULTS},
        "changePassword": {"supported": False},
        "sort": {"supported": False},
        "etag": {"supported": False},
        "authenticationSchemes": [
            {
                "type": "oauthbearertoken",
                "name": "OAuth Bearer Token",
                "description": "Authentication with a bearer token (RFC 6750).",
                "specUri": "https://datatracker.ietf.org/doc/html/rfc6750",
                "primary": True,
            }
        ],
        "meta": {
            "resourceType": "ServiceProviderConfig",
            "location": f"{base_url}/ServiceProviderConfig",
        },
    }


def resource_type(kind: Kind, base_url: str) -> dict[str, Any]:
    """The RFC 7643 §6 ResourceType of User or Group, with its extensions."""
    return {
        "schemas": [RESOURCE_TYPE_URN],
        "id": kind,
        "name": kind,
        "endpoint": _ENDPOINTS[kind],
        "description": f"{kind} resources",
        "schema": CORE_URN[kind],
        "schemaExtensions": [{"schema": urn, "required": False} for urn in EXTENSIONS[kind]],
        "meta": {"resourceType": "ResourceType", "location": f"{base_url}/ResourceTypes/{kind}"},
    }


def resource_types(base_url: str) -> list[dict[str, Any]]:
    """Both resource types."""
    return [resource_type("User", base_url), resource_type("Group", base_url)]


def schemas(base_url: str) -> list[dict[str, Any]]:
    """Every schema as an RFC 7643 §7 Schema resource (core User, Group and extensions)."""
    return [
        {
            "schemas": [SCHEMA_URN],
            "id": urn,
            "name": name,
            "description": description,
            "attributes": attributes,
            "meta": {"resourceType": "Schema", "location": f"{base_url}/Schemas/{urn}"},
        }
        for urn, name, description, attributes in SCHEMAS
    ]


def schemas_for(kind: Kind, base_url: str) -> list[dict[str, Any]]:
    """The schemas one resource type uses: Webex's /Schemas/SCIM2/{User|Group}."""
    wanted = {CORE_URN[kind], *EXTENSIONS[kind]}
    return [doc for doc in schemas(base_url) if doc["id"] in wanted]
