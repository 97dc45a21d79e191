"""Tests for scim_conformance.checks.schemas and the JSON Schemas in schemas/.

Valid examples are built from the request/response shapes of Microsoft's SCIM tutorial
(learn.microsoft.com/entra/identity/app-provisioning/use-scim-to-provision-users-and-groups)
and Webex's SCIM 2 Users API (developer.webex.com); the invalid ones each
break exactly one RFC 7643/7644 MUST and must be reported at the expected path and keyword.
"""

from __future__ import annotations

import copy
import importlib.resources
import json
import socket
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match
from referencing.exceptions import Unresolvable

from scim_conformance.checks import schemas
from scim_conformance.checks.schemas import SCHEMA_NAMES, SchemaViolation, load_schema, validate

SCHEMA_DIR = Path(__file__).resolve().parents[2] / "schemas"
BASE_ID = "https://scim-conformance.invalid/schemas/"
FILES = {
    "User": "user.json",
    "EnterpriseUser": "enterprise-user.json",
    "WebexUser": "webex-user.json",
    "Group": "group.json",
    "ListResponse": "list-response.json",
    "Error": "error.json",
    "PatchOp": "patch-op.json",
    "ServiceProviderConfig": "service-provider-config.json",
    "ResourceType": "resource-type.json",
    "Schema": "schema.json",
}

CORE_USER = "urn:ietf:params:scim:schemas:core:2.0:User"
CORE_GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
WEBEX = "urn:scim:schemas:extension:cisco:webexidentity:2.0:User"
WEBEX_GROUP = "urn:scim:schemas:extension:cisco:webexidentity:2.0:Group"
WEBEX_ERROR = "urn:scim:schemas:extension:cisco:webexidentity:api:messages:2.0:Error"
LIST = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"
PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
SPC = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"
RESOURCE_TYPE = "urn:ietf:params:scim:schemas:core:2.0:ResourceType"
SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Schema"
ADSCIM = "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"

# ---------------------------------------------------------------------------- valid examples

# Microsoft's SCIM tutorial: the single match returned by a filter query.
ENTRA_MATCH = {
    "schemas": [CORE_USER],
    "id": "2441309d85324e7793ae",
    "externalId": "7fce0092-d52e-4f76-b727-3955bd72c939",
    "meta": {
        "resourceType": "User",
        "created": "2018-03-27T19:59:26.000Z",
        "lastModified": "2018-03-27T19:59:26.000Z",
    },
    "userName": "Test_User_00aa00aa-bb11-cc22-dd33-44ee44ee44ee",
    "name": {"familyName": "familyName", "givenName": "givenName"},
    "active": True,
    "emails": [{"value": "Test_User_11bb11bb@testuser.com", "type": "work", "primary": True}],
}

# Microsoft's SCIM tutorial: the Entra POST body, echoed by the server with an id and meta.
ENTRA_CREATED = {
    "schemas": [CORE_USER, ENTERPRISE],
    "id": "5171a35d82074e068ce2",
    "externalId": "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
    "userName": "Test_User_00aa00aa-bb11-cc22-dd33-44ee44ee44ee",
    "active": True,
    "emails": [{"primary": True, "type": "work", "value": "Test_User_00aa@testuser.com"}],
    "meta": {
        "resourceType": "User",
        "created": "2024-05-01T10:00:00Z",
        "lastModified": "2024-05-01T10:00:00+02:00",
        "location": "https://scim.example.com/scim/v2/Users/5171a35d82074e068ce2",
        "version": 'W/"1"',
    },
    "name": {
        "formatted": "givenName familyName",
        "familyName": "familyName",
        "givenName": "givenName",
    },
    "roles": [],
    ENTERPRISE: {
        "employeeNumber": "701984",
        "department": "Tour Operations",
        "manager": {"value": "26118915-6090-4610-87e4-49d8ca9f808d"},
    },
}

# Webex SCIM 2 Users API (developer.webex.com): a create-user request plus the 201 additions.
WEBEX_CREATED = {
    "schemas": [CORE_USER, WEBEX, ENTERPRISE],
    "id": "3426a8e3-d414-4bf0-a493-4f6787632a13",
    "userName": "ada@example.com",
    "userType": "user",
    "active": True,
    "name": {"givenName": "Ada", "familyName": "Lovelace"},
    "displayName": "Ada Lovelace",
    "emails": [{"value": "ada@example.com", "type": "work", "primary": True}],
    "phoneNumbers": [
        {"value": "+14085550100", "type": "mobile", "primary": False},
        {"value": "1234", "type": "work_extension", "primary": False},
    ],
    "roles": [{"value": "id_user_admin", "type": "cirole"}],
    "preferredLanguage": "en_US",
    "locale": "en_US",
    "timezone": "Europe/London",
    "externalId": "entra-object-id-123",
    ENTERPRISE: {
        "department": "R&D",
        "manager": {
            "value": "b5717a4a-0169-43b2-ac3c-db20ba4e72cd",
            "displayName": "Identity Administrator",
            "$ref": "https://webexapis.com/identity/scim/org/v2/Users/b5717a4a",
        },
    },
    WEBEX: {
        "accountStatus": ["active"],
        "extensionAttribute1": ["cost-centre-7"],
        "extensionAttribute15": [],
        "externalAttribute1": [{"source": "Source.1_0ae87ade", "value": "abc"}],
        "sipAddresses": [{"value": "ada@example.call.ciscospark.com", "type": "cloud-calling"}],
        "managedOrgs": [{"orgId": "0ae87ade", "role": "id_full_admin"}],
        "pronouns": {"value": "she/her", "visibility": "Everyone"},
        "userNameType": "email",
        "mfaEnabled": False,
        "meta": {"organizationId": "0ae87ade-8c8a-4952-af08-318798958d0c"},
    },
    "meta": {
        "resourceType": "User",
        "location": "https://webexapis.com/identity/scim/org/v2/Users/3426a8e3",
        "version": 'W/"76678575420"',
        "created": "2023-01-11T17:38:31.605Z",
        "lastModified": "2023-01-11T17:38:31.605Z",
    },
}

MINIMAL_USER = {"schemas": [CORE_USER], "id": "u1", "userName": "bjensen"}

# RFC 7643 §2.5: null (or []) is "unassigned"; a server may send it for optional attributes.
USER_WITH_NULLS = {
    **MINIMAL_USER,
    "displayName": None,
    "name": None,
    "emails": None,
    "active": None,
    "meta": {"resourceType": "User", "created": None, "version": None},
    "phoneNumbers": [{"value": "+1 555", "type": None, "primary": None}],
}

# Unknown attributes, unknown extensions and non-canonical spellings are never rejected.
USER_WITH_EXTRAS = {
    **MINIMAL_USER,
    "schemas": [CORE_USER, "urn:example:params:scim:schemas:extension:acme:2.0:User"],
    "urn:example:params:scim:schemas:extension:acme:2.0:User": {"badge": 42},
    "Username": 7,
    "EMAILS": "not checked: only canonical attribute names are validated",
    "vendorFlag": {"anything": [1, 2, 3]},
    "meta": {"resourceType": "User", "created": "2024-02-29T23:59:59-08:00"},
}

ENTRA_GROUP = {
    "schemas": [CORE_GROUP, ADSCIM],
    "id": "40734ae655284ad3abcc",
    "externalId": "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159",
    "displayName": "displayName",
    "members": [],
    "meta": {"resourceType": "Group", "created": "2024-05-01T10:00:00Z"},
}

WEBEX_GROUP_BODY = {
    "schemas": [CORE_GROUP, WEBEX_GROUP],
    "id": "b0c3a4e1",
    "displayName": "sales-emea",
    "externalId": "entra-group-1",
    "members": [
        {"value": "u-1", "type": "user", "display": "A user"},
        {"value": "g-2", "type": "group", "$ref": None},
    ],
    WEBEX_GROUP: {"usage": "policy", "meta": {"organizationID": "0ae87ade"}},
    "meta": {"resourceType": "group", "version": 'W/"3"'},
}

EMPTY_LIST = {
    "schemas": [LIST],
    "totalResults": 0,
    "Resources": [],
    "startIndex": 1,
    "itemsPerPage": 0,
}

SPC_FULL = {
    "schemas": [SPC],
    "documentationUri": "https://example.com/help/scim.html",
    "patch": {"supported": True},
    "bulk": {"supported": True, "maxOperations": 1000, "maxPayloadSize": 1048576},
    "filter": {"supported": True, "maxResults": 200},
    "changePassword": {"supported": False},
    "sort": {"supported": True},
    "etag": {"supported": True},
    "authenticationSchemes": [
        {
            "name": "OAuth Bearer Token",
            "description": "Authentication scheme using the OAuth Bearer Token Standard",
            "specUri": "https://www.rfc-editor.org/info/rfc6750",
            "type": "oauthbearertoken",
            "primary": True,
        }
    ],
    "meta": {"resourceType": "ServiceProviderConfig", "location": "/v2/ServiceProviderConfig"},
}
SPC_MINIMAL = {
    "schemas": [SPC],
    "patch": {"supported": True},
    "bulk": {"supported": False, "maxOperations": 0, "maxPayloadSize": 0},
    "filter": {"supported": True, "maxResults": 100},
    "changePassword": {"supported": False},
    "sort": {"supported": False},
    "etag": {"supported": False},
    "authenticationSchemes": [],
}

RESOURCE_TYPE_USER = {
    "schemas": [RESOURCE_TYPE],
    "id": "User",
    "name": "User",
    "endpoint": "/Users",
    "description": "User Account",
    "schema": CORE_USER,
    "schemaExtensions": [{"schema": ENTERPRISE, "required": False}],
    "meta": {"location": "/v2/ResourceTypes/User", "resourceType": "ResourceType"},
}

# Shaped like RFC 7643 §8.7.1, which has no "schemas" member in its examples.
SCHEMA_USER = {
    "id": CORE_USER,
    "name": "User",
    "description": "User Account",
    "attributes": [
        {
            "name": "userName",
            "type": "string",
            "multiValued": False,
            "required": True,
            "caseExact": False,
            "mutability": "readWrite",
            "returned": "default",
            "uniqueness": "server",
        },
        {
            "name": "emails",
            "type": "complex",
            "multiValued": True,
            "subAttributes": [
                {"name": "value", "type": "string", "multiValued": False},
                {
                    "name": "type",
                    "type": "string",
                    "multiValued": False,
                    "canonicalValues": ["work", "home", "other"],
                },
                {"name": "primary", "type": "boolean", "multiValued": False},
            ],
        },
        {
            "name": "x509Certificates",
            "type": "complex",
            "multiValued": True,
            "subAttributes": [{"name": "value", "type": "binary", "multiValued": False}],
        },
        {
            "name": "groups",
            "type": "complex",
            "multiValued": True,
            "mutability": "readOnly",
            "subAttributes": [
                {
                    "name": "$ref",
                    "type": "reference",
                    "referenceTypes": ["User", "Group"],
                    "multiValued": False,
                }
            ],
        },
    ],
    "meta": {"resourceType": "Schema", "location": "/v2/Schemas/" + CORE_USER},
}


def patch(*operations: dict[str, Any]) -> dict[str, Any]:
    return {"schemas": [PATCH], "Operations": list(operations)}


VALID: list[Any] = [
    pytest.param("User", MINIMAL_USER, id="user-minimal"),
    pytest.param("User", ENTRA_MATCH, id="user-entra-filter-match"),
    pytest.param("User", ENTRA_CREATED, id="user-entra-created-echo"),
    pytest.param("User", WEBEX_CREATED, id="user-webex-with-cisco-extension"),
    pytest.param("User", USER_WITH_NULLS, id="user-null-is-unassigned"),
    pytest.param("User", USER_WITH_EXTRAS, id="user-unknown-attributes-allowed"),
    pytest.param(
        "User",
        {**MINIMAL_USER, "meta": {"created": "2024-05-01T10:00:00", "lastModified": None}},
        id="user-xsd-datetime-without-timezone",
    ),
    pytest.param(
        "User",
        {**MINIMAL_USER, "active": False, "emails": [{"value": "a@x", "primary": False}] * 3},
        id="user-inactive-many-non-primary",
    ),
    pytest.param("EnterpriseUser", ENTRA_CREATED[ENTERPRISE], id="enterprise-standalone"),
    pytest.param("EnterpriseUser", {"manager": {"displayName": "Boss"}}, id="manager-no-value"),
    pytest.param("WebexUser", WEBEX_CREATED[WEBEX], id="webex-standalone"),
    pytest.param("WebexUser", {"extensionAttribute16": "unknown"}, id="webex-unknown-attr"),
    pytest.param("Group", ENTRA_GROUP, id="group-entra-created"),
    pytest.param("Group", WEBEX_GROUP_BODY, id="group-webex"),
    pytest.param(
        "Group", {"schemas": [CORE_GROUP], "id": "g1", "displayName": "x"}, id="group-no-members"
    ),
    pytest.param("ListResponse", EMPTY_LIST, id="list-empty"),
    pytest.param("ListResponse", {"schemas": [LIST], "totalResults": 0}, id="list-empty-bare"),
    pytest.param(
        "ListResponse",
        {
            "schemas": [LIST],
            "totalResults": 1,
            "Resources": [ENTRA_MATCH],
            "startIndex": 1,
            "itemsPerPage": 20,
        },
        id="list-entra-one-match",
    ),
    pytest.param(
        "ListResponse",
        {
            "schemas": [LIST],
            "totalResults": 5,
            "Resources": [{}, {}],
            "startIndex": 3,
            "itemsPerPage": 2,
        },
        id="list-page-two",
    ),
    pytest.param("Error", {"schemas": [ERROR], "status": "404"}, id="error-404-status-only"),
    pytest.param(
        "Error",
        {"schemas": [ERROR], "status": "409", "scimType": "uniqueness", "detail": "exists"},
        id="error-409-uniqueness",
    ),
    pytest.param(
        "Error",
        {"schemas": [ERROR], "status": "404", "scimType": None, "detail": None},
        id="error-null-optionals",
    ),
    pytest.param(
        "Error",
        {
            "schemas": [ERROR],
            "status": "409",
            WEBEX_ERROR: {"trackingId": "ATLAS_1f2e", "errorCode": "100002", "details": "dup"},
        },
        id="error-webex-extension",
    ),
    pytest.param(
        "Error",
        {
            "schemas": [ERROR],
            "status": "400",
            "scimType": "noTarget",
            WEBEX_ERROR: {"trackingId": "t", "errorCode": 400003},
        },
        id="error-webex-integer-code",
    ),
    pytest.param(
        "PatchOp",
        patch({"op": "Replace", "path": "userName", "value": "5b50642d@testuser.com"}),
        id="patch-entra-legacy-replace",
    ),
    pytest.param("PatchOp", patch({"op": "Add", "path": "nickName", "value": "Babs"}), id="add"),
    pytest.param(
        "PatchOp",
        patch(
            {"op": "Replace", "path": 'emails[type eq "work"].value', "value": "u@microsoft.com"},
            {"op": "Replace", "path": f"{ENTERPRISE}:employeeNumber", "value": "Eqpj"},
        ),
        id="patch-entra-filter-and-urn-paths",
    ),
    pytest.param(
        "PatchOp",
        patch({"op": "replace", "value": {"displayName": "Bjfe", "name.givenName": "Kkom"}}),
        id="patch-entra-flag-pathless-replace",
    ),
    pytest.param(
        "PatchOp",
        patch({"op": "Replace", "path": "active", "value": "False"}),
        id="patch-entra-legacy-disable",
    ),
    pytest.param(
        "PatchOp",
        patch({"op": "Add", "path": "members", "value": [{"$ref": None, "value": "f648f8d5"}]}),
        id="patch-entra-add-members",
    ),
    pytest.param(
        "PatchOp",
        patch({"op": "Remove", "path": "members", "value": [{"$ref": None, "value": "f648f8d5"}]}),
        id="patch-entra-legacy-remove-member",
    ),
    pytest.param(
        "PatchOp",
        patch(
            {"op": "replace", "path": "active", "value": False},
            {"op": "replace", "path": 'phoneNumbers[type eq "work"].value', "value": "+1408"},
            {"op": "remove", "path": 'emails[value eq "old@example.com"]'},
        ),
        id="patch-webex-example",
    ),
    pytest.param("ServiceProviderConfig", SPC_FULL, id="spc-full"),
    pytest.param("ServiceProviderConfig", SPC_MINIMAL, id="spc-no-documentationUri"),
    pytest.param("ResourceType", RESOURCE_TYPE_USER, id="resource-type-user"),
    pytest.param(
        "ResourceType",
        {"schemas": [RESOURCE_TYPE], "name": "Group", "endpoint": "/Groups", "schema": CORE_GROUP},
        id="resource-type-without-id",
    ),
    pytest.param("Schema", SCHEMA_USER, id="schema-rfc-style-without-schemas"),
    pytest.param("Schema", {**SCHEMA_USER, "schemas": [SCHEMA]}, id="schema-with-schemas"),
]


@pytest.mark.parametrize(("schema_name", "instance"), VALID)
def test_valid_examples_pass(schema_name: str, instance: object) -> None:
    assert validate(instance, schema_name) == []


# -------------------------------------------------------------------------- invalid examples


def without(mapping: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {k: v for k, v in mapping.items() if k not in keys}


def with_ext(ext: str, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = copy.deepcopy(WEBEX_CREATED)
    body[ext].update(changes)
    return body


INVALID: list[Any] = [
    pytest.param(
        "Error", {"schemas": [ERROR], "status": 404}, "$.status", "type", id="error-status-int"
    ),
    pytest.param("Error", {"schemas": [ERROR]}, "$", "required", id="error-no-status"),
    pytest.param(
        "Error",
        {"schemas": [ERROR], "status": "Not Found"},
        "$.status",
        "pattern",
        id="status-text",
    ),
    pytest.param(
        "Error",
        {"schemas": [ERROR], "status": "409", "scimType": "conflict"},
        "$.scimType",
        "enum",
        id="error-unknown-scimType",
    ),
    pytest.param(
        "Error", {"schemas": [LIST], "status": "400"}, "$.schemas", "contains", id="error-urn"
    ),
    pytest.param(
        "Error",
        {"schemas": [ERROR], "status": "400", WEBEX_ERROR: {"errorCode": 4.5}},
        f'$["{WEBEX_ERROR}"].errorCode',
        "type",
        id="error-webex-errorCode-float",
    ),
    pytest.param("User", without(ENTRA_MATCH, "id"), "$", "required", id="user-no-id"),
    pytest.param("User", without(ENTRA_MATCH, "userName"), "$", "required", id="no-userName"),
    pytest.param("User", without(ENTRA_MATCH, "schemas"), "$", "required", id="no-schemas"),
    pytest.param("User", {**MINIMAL_USER, "id": ""}, "$.id", "minLength", id="user-empty-id"),
    pytest.param("User", {**MINIMAL_USER, "id": "bulkId"}, "$.id", "not", id="user-bulkId"),
    pytest.param("User", {**MINIMAL_USER, "id": 17}, "$.id", "type", id="user-numeric-id"),
    pytest.param(
        "User", {**MINIMAL_USER, "userName": ""}, "$.userName", "minLength", id="empty-userName"
    ),
    pytest.param(
        "User",
        {**MINIMAL_USER, "schemas": [CORE_GROUP]},
        "$.schemas",
        "contains",
        id="user-without-core-urn",
    ),
    pytest.param(
        "User",
        {**MINIMAL_USER, "emails": [{"value": "a@x", "type": "work", "primary": "True"}]},
        "$.emails[0].primary",
        "type",
        id="user-primary-string-True",
    ),
    pytest.param(
        "User",
        {**MINIMAL_USER, "emails": [{"value": "a@x", "primary": True}, {"primary": True}]},
        "$.emails",
        "maxContains",
        id="user-two-primaries",
    ),
    pytest.param(
        "User", {**MINIMAL_USER, "active": "False"}, "$.active", "type", id="user-active-string"
    ),
    pytest.param(
        "User", {**MINIMAL_USER, "emails": {"value": "a@x"}}, "$.emails", "type", id="emails-obj"
    ),
    pytest.param(
        "User", {**MINIMAL_USER, "roles": ["admin"]}, "$.roles[0]", "type", id="roles-strings"
    ),
    pytest.param(
        "User",
        {**MINIMAL_USER, "name": {"givenName": ["Ada"]}},
        "$.name.givenName",
        "type",
        id="user-name-part-array",
    ),
    pytest.param(
        "User",
        {**MINIMAL_USER, "meta": {"created": 1704067200000}},
        "$.meta.created",
        "type",
        id="user-meta-created-epoch",
    ),
    pytest.param(
        "User",
        {**MINIMAL_USER, "meta": {"lastModified": "2023-01-11 17:38:31"}},
        "$.meta.lastModified",
        "pattern",
        id="user-meta-not-xsd-datetime",
    ),
    pytest.param(
        "User",
        {**MINIMAL_USER, ENTERPRISE: {"manager": "b5717a4a"}},
        f'$["{ENTERPRISE}"].manager',
        "type",
        id="user-enterprise-manager-string",
    ),
    pytest.param(
        "User",
        with_ext(WEBEX, extensionAttribute1="cost-centre-7"),
        f'$["{WEBEX}"].extensionAttribute1',
        "type",
        id="user-webex-extensionAttribute-not-array",
    ),
    pytest.param(
        "User",
        with_ext(WEBEX, mfaEnabled="true"),
        f'$["{WEBEX}"].mfaEnabled',
        "type",
        id="user-webex-boolean-string",
    ),
    pytest.param("Group", without(ENTRA_GROUP, "displayName"), "$", "required", id="no-dispName"),
    pytest.param("Group", without(ENTRA_GROUP, "id"), "$", "required", id="group-no-id"),
    pytest.param(
        "Group",
        {**ENTRA_GROUP, "members": [{"value": 12345}]},
        "$.members[0].value",
        "type",
        id="group-member-value-int",
    ),
    pytest.param(
        "Group",
        {**ENTRA_GROUP, "schemas": [CORE_USER]},
        "$.schemas",
        "contains",
        id="group-without-core-urn",
    ),
    pytest.param(
        "ListResponse",
        {**EMPTY_LIST, "totalResults": -1},
        "$.totalResults",
        "minimum",
        id="list-totalResults-negative",
    ),
    pytest.param(
        "ListResponse",
        without(EMPTY_LIST, "totalResults"),
        "$",
        "required",
        id="list-no-totalResults",
    ),
    pytest.param(
        "ListResponse",
        {**EMPTY_LIST, "totalResults": "0"},
        "$.totalResults",
        "type",
        id="list-totalResults-string",
    ),
    pytest.param(
        "ListResponse",
        {"schemas": [LIST], "totalResults": 2},
        "$",
        "required",
        id="list-nonzero-without-Resources",
    ),
    pytest.param(
        "ListResponse",
        {"schemas": [LIST], "totalResults": 2, "Resources": None},
        "$.Resources",
        "type",
        id="list-nonzero-null-Resources",
    ),
    pytest.param(
        "ListResponse",
        {**EMPTY_LIST, "startIndex": 0},
        "$.startIndex",
        "minimum",
        id="list-startIndex-zero-based",
    ),
    pytest.param(
        "ListResponse",
        {**EMPTY_LIST, "itemsPerPage": -5},
        "$.itemsPerPage",
        "minimum",
        id="list-itemsPerPage-negative",
    ),
    pytest.param(
        "ListResponse",
        {"schemas": [LIST], "totalResults": 1, "Resources": ["u1"]},
        "$.Resources[0]",
        "type",
        id="list-resource-not-object",
    ),
    pytest.param(
        "ListResponse",
        {**EMPTY_LIST, "schemas": [ERROR]},
        "$.schemas",
        "contains",
        id="list-wrong-urn",
    ),
    pytest.param(
        "PatchOp",
        patch({"op": "Destroy", "path": "active"}),
        "$.Operations[0].op",
        "pattern",
        id="patch-op-destroy",
    ),
    pytest.param("PatchOp", patch(), "$.Operations", "minItems", id="patch-no-operations"),
    pytest.param("PatchOp", {"schemas": [PATCH]}, "$", "required", id="patch-missing-Operations"),
    pytest.param(
        "PatchOp",
        patch({"op": "replace", "path": "active", "value": True}, {"op": "remove"}),
        "$.Operations[1]",
        "required",
        id="patch-remove-without-path",
    ),
    pytest.param(
        "PatchOp",
        patch({"op": "Add", "path": "nickName"}),
        "$.Operations[0]",
        "required",
        id="patch-add-without-value",
    ),
    pytest.param(
        "PatchOp",
        patch({"op": "Replace", "value": "x"}),
        "$.Operations[0].value",
        "type",
        id="patch-pathless-replace-scalar",
    ),
    pytest.param(
        "PatchOp",
        patch({"path": "active", "value": True}),
        "$.Operations[0]",
        "required",
        id="patch-without-op",
    ),
    pytest.param(
        "ServiceProviderConfig",
        {**SPC_MINIMAL, "bulk": {"supported": False}},
        "$.bulk",
        "required",
        id="spc-bulk-without-limits",
    ),
    pytest.param(
        "ServiceProviderConfig",
        {**SPC_MINIMAL, "patch": {"supported": "true"}},
        "$.patch.supported",
        "type",
        id="spc-supported-string",
    ),
    pytest.param(
        "ServiceProviderConfig",
        without(SPC_MINIMAL, "authenticationSchemes"),
        "$",
        "required",
        id="spc-no-authenticationSchemes",
    ),
    pytest.param(
        "ServiceProviderConfig",
        {**SPC_MINIMAL, "authenticationSchemes": [{"type": "oauthbearertoken"}]},
        "$.authenticationSchemes[0]",
        "required",
        id="spc-scheme-without-name",
    ),
    pytest.param(
        "ResourceType",
        without(RESOURCE_TYPE_USER, "endpoint"),
        "$",
        "required",
        id="resource-type-no-endpoint",
    ),
    pytest.param(
        "ResourceType",
        {**RESOURCE_TYPE_USER, "schemaExtensions": [{"schema": ENTERPRISE}]},
        "$.schemaExtensions[0]",
        "required",
        id="resource-type-extension-without-required",
    ),
    pytest.param(
        "Schema",
        {**SCHEMA_USER, "attributes": [{"name": "x", "type": "text", "multiValued": False}]},
        "$.attributes[0].type",
        "enum",
        id="schema-unknown-type",
    ),
    pytest.param(
        "Schema",
        {**SCHEMA_USER, "attributes": [{"name": "x", "type": "string"}]},
        "$.attributes[0]",
        "required",
        id="schema-attribute-without-multiValued",
    ),
    pytest.param(
        "Schema",
        {
            **SCHEMA_USER,
            "attributes": [
                {
                    "name": "emails",
                    "type": "complex",
                    "multiValued": True,
                    "subAttributes": [
                        {"name": "v", "type": "string", "multiValued": False, "mutability": "rw"}
                    ],
                }
            ],
        },
        "$.attributes[0].subAttributes[0].mutability",
        "enum",
        id="schema-nested-subattribute",
    ),
    pytest.param("Schema", without(SCHEMA_USER, "id"), "$", "required", id="schema-no-id"),
]


@pytest.mark.parametrize(("schema_name", "instance", "path", "keyword"), INVALID)
def test_invalid_examples_fail_at_path_and_keyword(
    schema_name: str, instance: object, path: str, keyword: str
) -> None:
    violations = validate(instance, schema_name)
    # Exactly the one broken rule is reported: no collateral false alarms.
    assert {(v.path, v.keyword) for v in violations} == {(path, keyword)}, violations


# -------------------------------------------------------------- references resolved in advance


def _by_registry(instance: object, schema_name: str) -> list[tuple[str, str, str]]:
    """What a validator resolving every `$ref` through the registry reports (no inlining)."""
    document = json.loads((SCHEMA_DIR / FILES[schema_name]).read_text(encoding="utf-8"))
    validator = Draft202012Validator(document, registry=schemas._registry())
    found = []
    for error in validator.iter_errors(instance):
        if error.validator in ("anyOf", "oneOf") and error.context:
            error = best_match([error]) or error
        found.append((schemas._json_path(error), str(error.validator), schemas._message(error)))
    return sorted(set(found))


@pytest.mark.parametrize(
    ("schema_name", "instance"),
    [*VALID, *(pytest.param(*p.values[:2], id=p.id) for p in INVALID)],
)
def test_inlined_references_report_what_the_registry_does(
    schema_name: str, instance: object
) -> None:
    inlined = sorted({(v.path, v.keyword, v.message) for v in validate(instance, schema_name)})
    assert inlined == _by_registry(instance, schema_name)


def test_a_ref_inside_data_is_data() -> None:
    schema = {"const": {"$ref": "#/$defs/x"}, "properties": {"$ref": {"type": "string"}}}
    assert schemas._inlined("user.json", schema) == schema


def test_only_recursive_references_are_left_to_the_registry() -> None:
    left = {name: json.dumps(schemas._validator(name).schema).count('"$ref": "') for name in FILES}
    # schema.json's attribute holds sub-attributes of its own kind: the one recursion.
    assert left == {name: 2 if name == "Schema" else 0 for name in FILES}
    subattributes = {**SCHEMA_USER, "attributes": [{**SCHEMA_USER["attributes"][0]}]}
    subattributes["attributes"][0]["subAttributes"] = [{"name": 7}]
    assert validate(subattributes, "Schema") != []


# ------------------------------------------------------------------------- the files themselves


@pytest.mark.parametrize(("schema_name", "filename"), list(FILES.items()))
def test_schema_file_is_a_valid_draft_2020_12_schema(schema_name: str, filename: str) -> None:
    document = json.loads((SCHEMA_DIR / filename).read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(document)
    assert document["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert document["$id"] == BASE_ID + filename
    assert document["title"]
    assert "RFC 764" in document["description"]
    assert "additionalProperties" not in json.dumps(document)
    assert load_schema(schema_name) == document


def test_schema_names_and_files_match() -> None:
    assert tuple(FILES) == SCHEMA_NAMES
    assert SCHEMA_NAMES[:4] == ("User", "EnterpriseUser", "WebexUser", "Group")
    # results.json describes this tool's own --scim-json output, not a SCIM message.
    scim_files = [p.name for p in SCHEMA_DIR.glob("*.json") if p.name != "results.json"]
    assert sorted(scim_files) == sorted(FILES.values())


def test_unknown_schema_name_raises_key_error_listing_known_names() -> None:
    with pytest.raises(KeyError, match="ServiceProviderConfig"):
        validate({}, "Users")
    with pytest.raises(KeyError, match="unknown schema"):
        load_schema("user.json")


def test_load_schema_returns_an_independent_copy() -> None:
    first = load_schema("User")
    first["required"].append("displayName")
    assert load_schema("User")["required"] == ["schemas", "id", "userName"]
    assert validate(MINIMAL_USER, "User") == []


# ------------------------------------------------------------------------ reporting behaviour


def test_violation_str_format() -> None:
    (violation,) = validate({"schemas": [ERROR], "status": 404}, "Error")
    assert violation == SchemaViolation("$.status", "type", "404 is not of type 'string'")
    assert str(violation) == "$.status: 404 is not of type 'string' (keyword: type)"


def test_required_message_names_the_property() -> None:
    (violation,) = validate(without(MINIMAL_USER, "id"), "User")
    assert (violation.path, violation.keyword) == ("$", "required")
    assert violation.message == "'id' is a required property"


def test_list_response_checks_only_the_envelope_resources_are_validated_separately() -> None:
    resources = [without(ENTRA_MATCH, "id")]
    body = {"schemas": [LIST], "totalResults": 1, "Resources": resources}
    assert validate(body, "ListResponse") == []
    found = [
        str(v).replace("$", f"$.Resources[{i}]", 1)
        for i, resource in enumerate(resources)
        for v in validate(resource, "User")
    ]
    assert found == ["$.Resources[0]: 'id' is a required property (keyword: required)"]


def test_all_violations_sorted_by_structural_path_and_deduplicated() -> None:
    emails = [{"value": "a@x", "primary": False} for _ in range(12)]
    emails[10]["primary"] = "yes"
    emails[2]["primary"] = "no"
    body = {"schemas": [CORE_USER], "userName": 5, "emails": emails, "active": "True"}
    violations = validate(body, "User")
    assert [v.path for v in violations] == [
        "$",
        "$.active",
        "$.emails[2].primary",
        "$.emails[10].primary",
        "$.userName",
    ]
    assert len(set(violations)) == len(violations)


def test_long_instance_repr_is_truncated() -> None:
    (status,) = validate({"schemas": [ERROR], "status": "x" * 5000}, "Error")
    assert status.keyword == "pattern"
    assert status.message.startswith("'xxx")
    assert len(status.message) < 200
    (list_violation,) = validate("y" * 5000, "ListResponse")
    assert list_violation.message.startswith("'yyyy")
    assert "..." in list_violation.message
    assert len(list_violation.message) < 160


def test_any_of_failures_report_the_best_match(monkeypatch: pytest.MonkeyPatch) -> None:
    schema = {
        "type": "object",
        "properties": {
            "errorCode": {
                "anyOf": [
                    {"type": "integer"},
                    {"type": "object", "properties": {"code": {"type": "integer"}}},
                ]
            }
        },
    }
    monkeypatch.setattr(schemas, "_validator", lambda _name: Draft202012Validator(schema))
    (violation,) = validate({"errorCode": {"code": "12"}}, "Error")
    assert (violation.path, violation.keyword) == ("$.errorCode.code", "type")
    assert violation.message == "'12' is not of type 'integer'"


# ------------------------------------------------------------------------------ no network


def test_registry_holds_all_ten_schemas() -> None:
    assert set(schemas._registry()) == {BASE_ID + name for name in FILES.values()}


def test_unknown_ref_raises_instead_of_fetching(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("network access attempted")

    monkeypatch.setattr(urllib.request, "urlopen", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    validator = Draft202012Validator(
        {"$ref": "https://example.invalid/remote.json"}, registry=schemas._registry()
    )
    with pytest.raises(Unresolvable):
        validator.validate({})


def test_loading_everything_uses_no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("network access attempted")

    monkeypatch.setattr(urllib.request, "urlopen", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    for cached in (schemas._contents, schemas._registry, schemas._validator):
        cached.cache_clear()
    assert validate(WEBEX_CREATED, "User") == []
    for name in SCHEMA_NAMES:
        validate({}, name)


# ----------------------------------------------------------------------------- file loading


def test_loads_from_the_installed_package_when_present(monkeypatch: pytest.MonkeyPatch) -> None:
    requested: list[str] = []

    def fake_files(package: str) -> Path:
        requested.append(package)
        return SCHEMA_DIR

    monkeypatch.setattr(importlib.resources, "files", fake_files)
    assert json.loads(schemas._read("user.json"))["$id"] == BASE_ID + "user.json"
    assert requested == ["scim_conformance.schema_files"]


def test_falls_back_to_the_repository_directory(monkeypatch: pytest.MonkeyPatch) -> None:
    def missing(package: str) -> Path:
        raise ModuleNotFoundError(package)

    monkeypatch.setattr(importlib.resources, "files", missing)
    assert json.loads(schemas._read("group.json"))["$id"] == BASE_ID + "group.json"
