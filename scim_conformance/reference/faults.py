"""Deliberately broken behaviours the reference server can be switched into."""

from __future__ import annotations

import enum


class Fault(str, enum.Enum):
    """One named deviation from correct behaviour; each breaks exactly one thing."""

    CREATE_RETURNS_200 = "create-returns-200"
    FILTER_IGNORED = "filter-ignored"
    USERNAME_CASE_SENSITIVE = "username-case-sensitive"
    NO_CONFLICT = "no-conflict"
    PATCH_OPS_CASE_SENSITIVE = "patch-ops-case-sensitive"
    REJECT_STRING_BOOLEANS = "reject-string-booleans"
    FILTER_PATH_PATCH_IGNORED = "filter-path-patch-ignored"
    DEACTIVATE_IGNORED = "deactivate-ignored"
    DELETE_NOOP = "delete-noop"
    NOT_FOUND_WITHOUT_SCIM_BODY = "not-found-html"
    AUTH_NOT_ENFORCED = "auth-not-enforced"
    WRONG_TOKEN_ACCEPTED = "wrong-token-accepted"
    STALE_PATCH_BODY = "stale-patch-body"
    EMPTY_FILTER_404 = "empty-filter-404"
    DOTTED_KEYS_LITERAL = "dotted-keys-literal"
    INACTIVE_HIDDEN = "inactive-hidden"
    EXTERNALID_FILTER_UNSUPPORTED = "externalid-filter-unsupported"
    ERROR_STATUS_INTEGER = "error-status-integer"
    REJECT_CLIENT_META = "reject-client-meta"
    ADD_MISSING_ELEMENT_FAILS = "add-missing-element-fails"
    MANAGER_UNSUPPORTED = "manager-unsupported"
    ENTERPRISE_IGNORED = "enterprise-ignored"
    LEGACY_REMOVE_EMPTIES_GROUP = "legacy-remove-empties-group"
    GROUP_EXCLUDED_ATTRIBUTES_IGNORED = "group-excluded-attributes-ignored"
    WRONG_CONTENT_TYPE = "wrong-content-type"
    JSON_CONTENT_TYPE = "json-content-type"
    PAGINATION_IGNORED = "pagination-ignored"
    DELETE_TWICE_204 = "delete-twice-204"
    GROUP_NO_CONFLICT = "group-no-conflict"
    GROUP_EMPTY_FILTER_404 = "group-empty-filter-404"
    RENAME_DROPS_MEMBERS = "rename-drops-members"
    ATTRIBUTES_IGNORED = "attributes-ignored"
    DISCOVERY_MISSING = "discovery-missing"
    SCHEMAS_WITHOUT_GROUP = "schemas-without-group"
    SPC_DENIES_PATCH = "spc-denies-patch"
    NO_GROUPS = "no-groups"
    NON_ASCII_NAME_500 = "non-ascii-name-500"
    FILTER_ESCAPED_QUOTE_400 = "filter-escaped-quote-400"
    TRIMS_NAMES = "trims-names"
    LOWERCASES_USER_NAME = "lowercases-username"
    TRUNCATES_LONG_NAMES = "truncates-long-names"
    REFUSES_EXOTIC_INPUT = "refuses-exotic-input"
    # Webex behaviours (Webex SCIM 2 Users API docs), checked by suite/test_webex.py.
    USERNAME_EMAIL_RULES_IGNORED = "username-email-rules-ignored"
    USERNAME_UNIQUE_CASE_SENSITIVE = "username-unique-case-sensitive"
    CISCO_EXTENSION_DROPPED = "cisco-extension-dropped"
    UNKNOWN_SCHEMA_REJECTED = "unknown-schema-rejected"
    READ_ONLY_INPUT_REJECTED = "read-only-input-rejected"
    USER_TYPE_REQUIRED = "user-type-required"
    USER_TYPE_NOT_DEFAULTED = "user-type-not-defaulted"
    FILTER_EQ_ONLY = "filter-eq-only"
    PATCH_NO_TARGET_IGNORED = "patch-no-target-ignored"
    NO_CISCO_ERROR_EXTENSION = "no-cisco-error-extension"
    THROTTLES_WITHOUT_RETRY_AFTER = "throttles-without-retry-after"
    INACTIVE_UNLISTED = "inactive-unlisted"
    INCLUDE_MEMBERS_IGNORED = "include-members-ignored"
    SIZE_LIMITS_IGNORED = "size-limits-ignored"
    SCHEMAS_OMIT_CISCO = "schemas-omit-cisco"
    EMPTY_TRACKING_ID = "empty-tracking-id"
    # Users' manager and soft delete (checks/rules.py manager-*, soft-delete-readable).
    MANAGER_STRING_REJECTED = "manager-string-rejected"
    MANAGER_READ_AS_STRING = "manager-read-as-string"
    INACTIVE_UNMATCHED = "inactive-unmatched"
    # Entra's incremental cycles on populated resources (suite/test_cycles.py).
    ADD_REPLACES_MEMBERS = "add-replaces-members"
    HIDDEN_MEMBERS_LEGACY_REMOVE_EMPTIES = "hidden-members-legacy-remove-empties"
    MANAGER_IGNORED = "manager-ignored"
    # Transitions only the cycles' walk of the state space reaches (coverage.py).
    READDED_MEMBER_DUPLICATED = "readded-member-duplicated"
    RENAME_KEEPS_ONE_MEMBER = "rename-keeps-one-member"
    # App roles as Entra sends them when the mapping has roles (rule roles-as-entra-sends).
    ROLES_ENCODED_VALUE_REFUSED = "roles-encoded-value-refused"
    ROLES_PRIMARY_FILTER_IGNORED = "roles-primary-filter-ignored"
    # Prerequisites met by a narrower create (suite/prerequisites.py): Canaille 0.3.6 refuses
    # Entra's `emails[].primary` and requires `members` on group create.
    REFUSES_EMAIL_PRIMARY = "refuses-email-primary"
    REFUSES_EMAILS_ON_CREATE = "refuses-emails-on-create"
    GROUP_MEMBERS_REQUIRED = "group-members-required"
    # ... and a member add with `"$ref": null` (suite/member_adds.py's fallbacks).
    REFUSES_NULL_MEMBER_REF = "refuses-null-member-ref"
    # Entra's request variants, one fault per class (suite/test_entra_variants.py).
    LOWER_STRING_BOOLEAN_IGNORED = "lower-string-boolean-ignored"
    CHARSET_REFUSED = "charset-refused"
    POST_STRING_BOOLEAN_REFUSED = "post-string-boolean-refused"
    NULL_UPDATE_500 = "null-update-500"
    LOWER_REMOVE_WITH_VALUE_IGNORED = "lower-remove-with-value-ignored"
    ACCEPT_WITHOUT_JSON_406 = "accept-without-json-406"
    # What Microsoft's gallery validation tests exercise (suite/test_gallery.py).
    PAGES_CAPPED_AT_10 = "pages-capped-at-10"
    CLEAR_SUB_ATTRIBUTE_IGNORED = "clear-sub-attribute-ignored"
    NAMES_RESERVED_AFTER_DELETE = "names-reserved-after-delete"
    SCHEMAS_OMIT_TITLE = "schemas-omit-title"
    GROUP_LOWER_RENAME_BY_PATH_IGNORED = "group-lower-rename-by-path-ignored"
    TOKEN_LIFETIME_24H = "token-lifetime-24h"
    # Not a rule broken but a network failing: proven by tests/test_lost_creates.py.
    CREATE_COMMITS_THEN_DROPS = "create-commits-then-drops"

    @property
    def description(self) -> str:
        """One-line description of what this fault breaks."""
        return _DESCRIPTIONS[self]

    @classmethod
    def parse(cls, text: str) -> Fault:
        """Look a fault up by its kebab-case value or its member name (any case)."""
        key = text.strip().lower().replace("_", "-")
        for fault in cls:
            if key in (fault.value, fault.name.lower().replace("_", "-")):
                return fault
        raise ValueError(f"unknown fault {text!r}")


_DESCRIPTIONS: dict[Fault, str] = {
    Fault.CREATE_RETURNS_200: "POST /Users answers 200 instead of 201 Created.",
    Fault.FILTER_IGNORED: "filter= on /Users is ignored: every user is returned.",
    Fault.USERNAME_CASE_SENSITIVE: "userName filters compare case-sensitively.",
    Fault.NO_CONFLICT: "a duplicate userName on create is accepted instead of 409.",
    Fault.PATCH_OPS_CASE_SENSITIVE: "PATCH op must be lower case; 'Replace' is a 400.",
    Fault.REJECT_STRING_BOOLEANS: "'True'/'False' strings for active in a PATCH are a 400.",
    Fault.FILTER_PATH_PATCH_IGNORED: "PATCH ops whose path has a [filter] are silently skipped.",
    Fault.DEACTIVATE_IGNORED: "PATCH of active is silently ignored.",
    Fault.DELETE_NOOP: "DELETE answers 204 but deletes nothing.",
    Fault.NOT_FOUND_WITHOUT_SCIM_BODY: "an unknown resource id is a 404 with an HTML body.",
    Fault.AUTH_NOT_ENFORCED: "requests without an Authorization header are served.",
    Fault.WRONG_TOKEN_ACCEPTED: "any bearer token is accepted (a missing header is still 401).",
    Fault.STALE_PATCH_BODY: "PATCH answers with the resource as it was before the patch.",
    Fault.EMPTY_FILTER_404: "a filter with zero matches answers 404, not an empty list.",
    Fault.DOTTED_KEYS_LITERAL: "path-less replace stores 'name.givenName' keys literally.",
    Fault.INACTIVE_HIDDEN: "inactive users are 404 on GET and missing from filter results.",
    Fault.EXTERNALID_FILTER_UNSUPPORTED: "a filter mentioning externalId is a 400 invalidFilter.",
    Fault.ERROR_STATUS_INTEGER: "error bodies carry status as a JSON number, not a string.",
    Fault.REJECT_CLIENT_META: "POST /Users with meta or an empty roles list is a 400.",
    Fault.ADD_MISSING_ELEMENT_FAILS: "add/replace on a [filter] path matching nothing is a 400.",
    Fault.MANAGER_UNSUPPORTED: "any PATCH touching the enterprise manager is a 400.",
    Fault.ENTERPRISE_IGNORED: "PATCH ops on enterprise-extension paths are silently skipped.",
    Fault.LEGACY_REMOVE_EMPTIES_GROUP: "Remove members with a value list removes ALL members.",
    Fault.GROUP_EXCLUDED_ATTRIBUTES_IGNORED: "excludedAttributes=members is ignored on /Groups.",
    Fault.WRONG_CONTENT_TYPE: "every response says Content-Type: text/plain.",
    Fault.JSON_CONTENT_TYPE: "every response says Content-Type: application/json.",
    Fault.PAGINATION_IGNORED: "startIndex/count are ignored: everything is returned.",
    Fault.DELETE_TWICE_204: "DELETE of an unknown id answers 204 instead of 404.",
    Fault.GROUP_NO_CONFLICT: "a duplicate group displayName on create is accepted.",
    Fault.GROUP_EMPTY_FILTER_404: "a /Groups filter with zero matches answers 404.",
    Fault.RENAME_DROPS_MEMBERS: "a group PATCH of displayName/externalId also empties members.",
    Fault.ATTRIBUTES_IGNORED: "attributes/excludedAttributes are ignored on /Users.",
    Fault.DISCOVERY_MISSING: "/ServiceProviderConfig, /ResourceTypes and /Schemas are 404.",
    Fault.SCHEMAS_WITHOUT_GROUP: "/Schemas omits the core Group schema.",
    Fault.SPC_DENIES_PATCH: "ServiceProviderConfig claims patch.supported false.",
    Fault.NO_GROUPS: "there is no /Groups endpoint at all (404): a users-only server.",
    Fault.NON_ASCII_NAME_500: "POST /Users with a non-ASCII name or displayName is a 500.",
    Fault.FILTER_ESCAPED_QUOTE_400: 'a filter holding an escaped quote (\\") is a 400.',
    Fault.TRIMS_NAMES: "displayName and name parts are stored without outer spaces.",
    Fault.LOWERCASES_USER_NAME: "userName is stored lower-cased.",
    Fault.TRUNCATES_LONG_NAMES: "displayName and name parts are silently cut to 64 characters.",
    Fault.REFUSES_EXOTIC_INPUT: "quoted or non-ASCII userNames and displayNames over 256 "
    "characters are a 400 (legal: a documented restriction).",
    Fault.USERNAME_EMAIL_RULES_IGNORED: "a userName need not be an email, and a primary work "
    "email may differ from it.",
    Fault.USERNAME_UNIQUE_CASE_SENSITIVE: "userName uniqueness is case-sensitive: ADA@x is "
    "created beside ada@x.",
    Fault.CISCO_EXTENSION_DROPPED: "the Cisco Webex user extension section is silently dropped.",
    Fault.UNKNOWN_SCHEMA_REJECTED: "a user body naming an unknown schema extension is a 400.",
    Fault.READ_ONLY_INPUT_REJECTED: "read-only attributes (id, groups, Cisco teamsClusterId ...) "
    "in a POST /Users body are a 400.",
    Fault.USER_TYPE_REQUIRED: "POST /Users without userType is a 400 (Webex's OpenAPI taken "
    "literally).",
    Fault.USER_TYPE_NOT_DEFAULTED: "a user created without userType is stored without one.",
    Fault.FILTER_EQ_ONLY: "filters other than lower-case eq joined by and (sw, ew, or, Eq) are "
    "a 400.",
    Fault.PATCH_NO_TARGET_IGNORED: "remove without path, and replace on a value filter matching "
    "nothing, are no-ops.",
    Fault.NO_CISCO_ERROR_EXTENSION: "error bodies carry no Cisco error extension (legal).",
    Fault.THROTTLES_WITHOUT_RETRY_AFTER: "every 20th request is a 429 without Retry-After.",
    Fault.INACTIVE_UNLISTED: "inactive users are missing from unfiltered /Users pages.",
    Fault.INCLUDE_MEMBERS_IGNORED: "includeMembers=true on /Groups is ignored: no members listed.",
    Fault.SIZE_LIMITS_IGNORED: "more than 10 emails or 50 phoneNumbers are accepted.",
    Fault.SCHEMAS_OMIT_CISCO: "users carry the Cisco extension, but `schemas` does not list it.",
    Fault.EMPTY_TRACKING_ID: "the Cisco error extension carries an empty trackingId.",
    Fault.MANAGER_STRING_REJECTED: "a manager given as a bare id string is a 400; only "
    '{"value": id} is accepted.',
    Fault.MANAGER_READ_AS_STRING: "the enterprise manager is read back as a bare id string.",
    Fault.INACTIVE_UNMATCHED: "inactive users are missing from filter results (GET by id "
    "still finds them).",
    Fault.ADD_REPLACES_MEMBERS: "a PATCH add of group members replaces the member list "
    "instead of adding to it.",
    Fault.HIDDEN_MEMBERS_LEGACY_REMOVE_EMPTIES: "groups return members only to Webex's "
    "includeMembers=true (legal), and Entra's legacy Remove of members with a value list "
    "removes ALL members.",
    Fault.MANAGER_IGNORED: "PATCH ops on the enterprise manager answer 200 and change nothing.",
    Fault.READDED_MEMBER_DUPLICATED: "a member added again is stored a second time, and a "
    "removal takes out one copy: the user stays in the group.",
    Fault.RENAME_KEEPS_ONE_MEMBER: "a rename of a group with several members keeps only the "
    "first member.",
    Fault.ROLES_ENCODED_VALUE_REFUSED: "a role whose value is a JSON-encoded string (Entra's "
    "legacy PATCH of roles) is a 400.",
    Fault.ROLES_PRIMARY_FILTER_IGNORED: 'PATCH ops on roles[primary eq "True"] answer 200 and '
    'change nothing (the filter\'s string "True" never equals the boolean primary).',
    Fault.REFUSES_EMAIL_PRIMARY: "POST /Users with `primary` on an email is a 400 ('Extra "
    "inputs are not permitted: emails[0].primary', as Canaille 0.3.6 answers).",
    Fault.REFUSES_EMAILS_ON_CREATE: "POST /Users with any `emails` is a 400 ('Extra inputs "
    "are not permitted: emails'); a PATCH may still set them.",
    Fault.GROUP_MEMBERS_REQUIRED: "POST /Groups without a member is a 400 ('Field "
    "required: members', as Canaille 0.3.6 answers).",
    Fault.REFUSES_NULL_MEMBER_REF: 'a PATCH adding members with `"$ref": null` in a value (as '
    "Entra sends it) is a 400: a `$ref` present must be a URI string.",
    Fault.LOWER_STRING_BOOLEAN_IGNORED: 'PATCH of active with "true"/"false" in lower case '
    'answers 200 and changes nothing (only "True"/"False" and JSON booleans work).',
    Fault.CHARSET_REFUSED: "a write whose Content-Type carries a parameter (charset=utf-8) is "
    "a 415.",
    Fault.POST_STRING_BOOLEAN_REFUSED: "POST /Users with active as a string is a 400.",
    Fault.NULL_UPDATE_500: "a PATCH replace with a null value crashes (500).",
    Fault.LOWER_REMOVE_WITH_VALUE_IGNORED: "a lower-case remove of members with a value list "
    "answers 200 and removes nothing (the capitalised Remove works).",
    Fault.ACCEPT_WITHOUT_JSON_406: "a GET whose Accept names no JSON media type (Accept: */*) "
    "is a 406.",
    Fault.PAGES_CAPPED_AT_10: "list pages never reach past the 10th resource: a page from "
    "startIndex=11 on is empty, though totalResults counts every resource.",
    Fault.CLEAR_SUB_ATTRIBUTE_IGNORED: 'a PATCH replace with "" or null on a sub-attribute, '
    'filtered or extension path (name.givenName, emails[type eq "work"].value, '
    "urn:…:department) answers 200 and changes nothing (a plain attribute such as title clears).",
    Fault.NAMES_RESERVED_AFTER_DELETE: "a deleted user's userName (a deleted group's "
    "displayName) stays taken: creating it again is a 409.",
    Fault.SCHEMAS_OMIT_TITLE: "/Schemas describes the core User schema without its title "
    "attribute (title itself works).",
    Fault.GROUP_LOWER_RENAME_BY_PATH_IGNORED: 'a group PATCH {"op": "replace", "path": '
    '"displayName"} (lower case, by path) answers 200 and changes nothing; Entra\'s own '
    "renames (Replace by path, path-less replace) work.",
    Fault.TOKEN_LIFETIME_24H: "the OAuth token endpoint issues access tokens valid for 24 hours "
    "(expires_in 86400).",
    Fault.CREATE_COMMITS_THEN_DROPS: "POST /Users and /Groups store the resource, then close "
    "the connection without an answer (a gateway timing out after the backend committed).",
}
