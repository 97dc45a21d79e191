"""Schema URNs and compact attribute tables (RFC 7643 §4, §7, §8.7; Webex SCIM 2 Users)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

Kind = Literal["User", "Group"]

CORE_USER = "urn:ietf:params:scim:schemas:core:2.0:User"
CORE_GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
ENTERPRISE_USER = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
CISCO_USER = "urn:scim:schemas:extension:cisco:webexidentity:2.0:User"
CISCO_GROUP = "urn:scim:schemas:extension:cisco:webexidentity:2.0:Group"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
LIST_RESPONSE = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"
CISCO_ERROR = "urn:scim:schemas:extension:cisco:webexidentity:api:messages:2.0:Error"

CORE_URN: dict[Kind, str] = {"User": CORE_USER, "Group": CORE_GROUP}
# Extensions in the order they are listed in `schemas` and in ResourceTypes.
EXTENSIONS: dict[Kind, tuple[str, ...]] = {
    "User": (ENTERPRISE_USER, CISCO_USER),
    "Group": (CISCO_GROUP,),
}
# Longest first so that prefix matching never stops at a shorter URN.
KNOWN_URNS: tuple[str, ...] = tuple(
    sorted({CORE_USER, CORE_GROUP, ENTERPRISE_USER, CISCO_USER, CISCO_GROUP}, key=len, reverse=True)
)

# RFC 7643 §2.4: values of these are compared case-sensitively (caseExact true), keyed by
# "attribute" or "attribute.subAttribute" in lower case. Used by filters.
CASE_EXACT: frozenset[str] = frozenset(
    {"id", "externalid", "password", "members.value", "members.$ref", "manager.value"}
    | {"manager.$ref", "meta.location", "meta.version"}
)


def attr(
    name: str,
    kind: str = "string",
    *,
    multi: bool = False,
    required: bool = False,
    exact: bool = False,
    mutability: str = "readWrite",
    returned: str = "default",
    unique: str = "none",
    sub: Sequence[dict[str, Any]] = (),
    canonical: Sequence[str] = (),
    refs: Sequence[str] = (),
) -> dict[str, Any]:
    """One RFC 7643 §7 attribute definition; defaults follow §2.2."""
    out: dict[str, Any] = {
        "name": name,
        "type": "complex" if sub else kind,
        "multiValued": multi,
        "description": f"{name} attribute.",
        "required": required,
        "caseExact": exact,
        "mutability": mutability,
        "returned": returned,
        "uniqueness": unique,
    }
    if sub:
        out["subAttributes"] = list(sub)
    if canonical:
        out["canonicalValues"] = list(canonical)
    if refs:
        out["referenceTypes"] = list(refs)
    return out


def _multi(name: str, *types: str, value_kind: str = "string", refs: Sequence[str] = ()) -> Any:
    """The RFC 7643 §2.4 default sub-attributes of a multi-valued complex attribute."""
    return attr(
        name,
        multi=True,
        sub=(
            attr("value", value_kind, refs=refs),
            attr("display"),
            attr("type", canonical=types),
            attr("primary", "boolean"),
        ),
    )


def _strings(*names: str) -> list[dict[str, Any]]:
    """Plain single-valued readWrite strings."""
    return [attr(n) for n in names]


_ID = attr("id", exact=True, mutability="readOnly", returned="always", unique="server")
_EXTERNAL_ID = attr("externalId", exact=True)
_META = attr(
    "meta",
    mutability="readOnly",
    sub=(
        attr("resourceType", mutability="readOnly"),
        attr("created", "dateTime", mutability="readOnly"),
        attr("lastModified", "dateTime", mutability="readOnly"),
        attr("location", "reference", exact=True, mutability="readOnly", refs=("uri",)),
        attr("version", exact=True, mutability="readOnly"),
    ),
)
_NAME_PARTS = ("formatted", "familyName", "givenName", "middleName")

USER_ATTRIBUTES: list[dict[str, Any]] = [
    _ID,
    _EXTERNAL_ID,
    attr("userName", required=True, unique="server"),
    attr("name", sub=_strings(*_NAME_PARTS, "honorificPrefix", "honorificSuffix")),
    *_strings("displayName", "nickName"),
    attr("profileUrl", "reference", refs=("external",)),
    attr("title"),
    attr("userType", canonical=("user", "room", "external_calling", "calling_service")),
    *_strings("preferredLanguage", "locale", "timezone"),
    attr("active", "boolean"),
    attr("password", exact=True, mutability="writeOnly", returned="never"),
    _multi("emails", "work", "home", "room", "other"),
    _multi("phoneNumbers", "work", "home", "mobile", "work_extension", "fax", "pager", "other"),
    _multi("ims", "xmpp", "skype", "microsoft-sip-uri", "other"),
    _multi("photos", "photo", "thumbnail", "resizable", value_kind="reference", refs=("external",)),
    attr(
        "addresses",
        multi=True,
        sub=(
            *_strings("formatted", "streetAddress", "locality", "region", "postalCode"),
            attr("country"),
            attr("type", canonical=("work", "home", "other")),
            attr("primary", "boolean"),
        ),
    ),
    attr(
        "groups",
        multi=True,
        mutability="readOnly",
        sub=(
            attr("value", mutability="readOnly"),
            attr("$ref", "reference", mutability="readOnly", refs=("User", "Group")),
            attr("display", mutability="readOnly"),
            attr("type", mutability="readOnly", canonical=("direct", "indirect")),
        ),
    ),
    _multi("entitlements"),
    _multi("roles", "ciRole", "serviceRole", "globalRole"),
    _multi("x509Certificates", value_kind="binary"),
    _META,
]

GROUP_ATTRIBUTES: list[dict[str, Any]] = [
    _ID,
    _EXTERNAL_ID,
    attr("displayName", required=True, unique="server"),
    attr(
        "members",
        multi=True,
        sub=(
            attr("value", exact=True, mutability="immutable"),
            attr("$ref", "reference", exact=True, mutability="immutable", refs=("User", "Group")),
            attr("display", mutability="readOnly"),
            attr("type", mutability="immutable", canonical=("User", "Group")),
        ),
    ),
    _META,
]

ENTERPRISE_ATTRIBUTES: list[dict[str, Any]] = [
    *_strings("employeeNumber", "costCenter", "organization", "division", "department"),
    attr(
        "manager",
        sub=(
            attr("value", exact=True),
            attr("$ref", "reference", refs=("User",)),
            attr("displayName", mutability="readOnly"),
        ),
    ),
]


def _complex_multi(name: str, *subs: str, exact: bool = False) -> dict[str, Any]:
    """A multi-valued complex attribute whose sub-attributes are plain strings."""
    return attr(name, multi=True, sub=[attr(s, exact=exact) for s in subs])


# Webex's Cisco user extension, as its schema endpoint lists it; the numbered families are
# generated rather than spelled out.
CISCO_USER_ATTRIBUTES: list[dict[str, Any]] = [
    attr("accountStatus", multi=True),
    attr("authProvider", canonical=("facebook", "O365", "google", "cco")),
    attr("teamsClusterId", mutability="readOnly"),
    *[attr(n, "boolean") for n in ("isTeamsOnJabberEnabled", "isUCCallOnJabberEnabled")],
    attr("mfaEnabled", "boolean"),
    *[attr(n, multi=True) for n in ("macAddresses", "licenseID", "userSettings")],
    attr("userPreferences", multi=True),
    _multi("sipAddresses", "enterprise", "cloud-calling", "personal-room"),
    *[attr(n, multi=True) for n in ("trainSiteNames", "linkedTrainSiteNames")],
    attr("primaryLinkedTrainSiteName"),
    _complex_multi("managedSites", "siteName", "role"),
    attr("toBeConverted", mutability="readOnly"),
    _complex_multi("managedOrgs", "orgId", "role"),
    _complex_multi("managedGroups", "orgId", "groupId", "role"),
    _complex_multi("extLinkedAccts", "providerID", "accountGUID", "status"),
    _complex_multi("loginIds", "value", "format", "type", "status", "lastValidated"),
    attr("avatarSyncEnabled", "boolean", mutability="readOnly"),
    attr("provisionSource", mutability="readOnly"),
    attr("pronouns", sub=_strings("value", "visibility")),
    attr("userNameType", canonical=("phone", "partner-upn", "email")),
    *[attr(f"extensionAttribute{i}", multi=True) for i in range(1, 16)],
    *[_complex_multi(f"externalAttribute{i}", "value", "source", exact=True) for i in range(1, 16)],
    *[_complex_multi(f"crossOrgAttribute{i}", "value", "orgId", exact=True) for i in range(1, 16)],
]

CISCO_GROUP_ATTRIBUTES: list[dict[str, Any]] = [
    attr("usage", canonical=("location", "distribution", "policy")),
    attr("provisionSource", mutability="readOnly"),
    _complex_multi("owners", "value", "display", "primary"),
    _complex_multi("managedBy", "orgId", "type", "id", "role"),
    _complex_multi("inheritances", "type", "value", "scope"),
    _complex_multi("memberFilter", "value", "display", "type", "primary"),
    attr("groupType", canonical=("unique_flat_static", "dynamic", "flat_static", "nested_static")),
]

# (urn, name, description, attributes) for every schema the server publishes.
SCHEMAS: tuple[tuple[str, str, str, list[dict[str, Any]]], ...] = (
    (CORE_USER, "User", "User Account", USER_ATTRIBUTES),
    (CORE_GROUP, "Group", "Group", GROUP_ATTRIBUTES),
    (ENTERPRISE_USER, "EnterpriseUser", "Enterprise User", ENTERPRISE_ATTRIBUTES),
    (CISCO_USER, "CiscoUser", "Cisco Webex identity user extension", CISCO_USER_ATTRIBUTES),
    (CISCO_GROUP, "CiscoGroup", "Cisco Webex identity group extension", CISCO_GROUP_ATTRIBUTES),
)


def definition(schema_urn: str, name: str) -> dict[str, Any] | None:
    """The attribute definition of `name` in a known schema, matched case-insensitively."""
    for urn, _, _, attributes in SCHEMAS:
        if urn.lower() == schema_urn.lower():
            for item in attributes:
                if item["name"].lower() == name.lower():
                    return item
    return None


def is_multi_valued(schema_urn: str, name: str) -> bool | None:
    """Whether a known attribute is multi-valued; None when the schema does not define it."""
    found = definition(schema_urn, name)
    return None if found is None else bool(found["multiValued"])


def is_read_only(schema_urn: str, name: str) -> bool:
    """Whether a known top-level attribute is readOnly (RFC 7643 §2.2 mutability)."""
    found = definition(schema_urn, name)
    return found is not None and found["mutability"] == "readOnly"


def known_urn(text: str) -> str | None:
    """The canonical spelling of a known schema URN, matched case-insensitively."""
    for urn in KNOWN_URNS:
        if urn.lower() == text.lower():
            return urn
    return None
