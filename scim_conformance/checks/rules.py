"""The rule catalogue: every rule a check enforces, its severity and the evidence for it.

This module is the one place a reviewer audits severities (docs/design.md, Severity by evidence):

* **entra-breaking** needs a public source showing that Entra fails, loops, quarantines
  or loses data when the rule is broken, on a request Entra really sends;
* **rfc** is an RFC MUST that Entra tolerates, or whose effect on Entra no public
  source shows (the rule's `grading` says so);
* **advisory** is SHOULD-level, or the evidence is thin.

The same behaviour has one rule, so it has the same severity for users and groups.
Checks name a rule (`fail(rules.PATCH_APPLIED, ...)`) instead of passing prose, and
`docs/rules.md` is generated from this module (`python -m scim_conformance.checks.rules`).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from scim_conformance.checks import sources as src
from scim_conformance.checks.sources import Source, rfc7643, rfc7644
from scim_conformance.severity import Severity


@dataclass(frozen=True)
class Rule:
    """One rule: what the endpoint must do, how much it matters, and the evidence."""

    id: str
    requirement: str  # the rule, one sentence
    severity: Severity
    sources: tuple[Source, ...]
    entra: str  # what Entra does when the rule is broken
    grading: str = ""  # why this severity, where it is not obvious from the sources
    gallery_severity: Severity | None = None  # stricter for Entra gallery apps (--scim-gallery)
    vendor: str | None = None  # "webex": a rule of Webex's documented API, not of SCIM
    # "request": one finding per kind of request that breaks it; "response": the rule is
    # about every response (its media type, its error bodies), so one finding per run.
    scope: str = "request"

    @property
    def citation(self) -> str:
        """The sources' labels, for one line of a failure message."""
        return "; ".join(source.label for source in self.sources)

    def for_gallery(self, gallery: bool) -> Rule:
        """The rule as it applies to a gallery app (--scim-gallery) or a custom app."""
        if gallery and self.gallery_severity is not None:
            return dataclasses.replace(self, severity=self.gallery_severity)
        return self


CATALOGUE: dict[str, Rule] = {}


def rule(
    rule_id: str,
    requirement: str,
    severity: Severity,
    sources: tuple[Source, ...],
    entra: str,
    *,
    grading: str = "",
    gallery_severity: Severity | None = None,
    vendor: str | None = None,
    scope: str = "request",
) -> Rule:
    """Declare a rule and add it to the catalogue (ids are unique)."""
    if rule_id in CATALOGUE:
        raise ValueError(f"duplicate rule id {rule_id!r}")
    # A vendor rule is no RFC deviation; webex-clients means a vendor's clients.
    if (severity is Severity.RFC) if vendor else (severity is Severity.WEBEX_CLIENTS):
        raise ValueError(f"rule {rule_id!r}: severity {severity.value} with vendor {vendor}")
    declared = Rule(
        rule_id, requirement, severity, sources, entra, grading, gallery_severity, vendor, scope
    )
    CATALOGUE[rule_id] = declared
    return declared


EB, RFC, ADVISORY = Severity.ENTRA_BREAKING, Severity.RFC, Severity.ADVISORY
WEBEX_CLIENTS = Severity.WEBEX_CLIENTS
REQUIREMENTS = src.TUTORIAL_REQUIREMENTS
LOGS = src.MS_PROVISIONING_LOGS
UNVERIFIED = "No public source shows Entra failing on this, so it is graded rfc."
NOT_SENT = "Entra never sends this request, so breaking it cannot break Entra."

# ---------------------------------------------------------------------------------------
# Every response
# ---------------------------------------------------------------------------------------

JSON_BODY = rule(
    "json-body",
    "A response that carries a resource or a list carries it as a JSON object.",
    EB,
    (rfc7644("3.1"), LOGS),
    "Entra cannot parse the answer and logs "
    "SystemForCrossDomainIdentityManagementServiceIncompatible; the object fails.",
)
LEGACY_DIALECT = rule(
    "legacy-dialect",
    'PATCH requests in Entra\'s legacy dialect (capitalised Add/Replace/Remove, "True" and '
    '"False" as strings) are accepted and applied like the same changes in the flag dialect.',
    EB,
    (REQUIREMENTS, src.MS_SCIM_COMPATIBILITY.at("'Flags to alter the SCIM behavior'")),
    "Custom SCIM apps receive the legacy dialect unless the tenant URL carries the "
    "aadOptscim062020 flag: every such update fails or is lost, cycle after cycle. With the "
    "flag, on-demand provisioning still sends the legacy dialect (the flag does not work "
    "with it), so each user an admin provisions on demand fails the same way.",
    grading="A diagnosis, not a check of its own: the run reports it in place of the PATCH "
    "findings whose tests failed in the legacy dialect while their flag-dialect twins passed. "
    "A flagged tenant URL is tested in both dialects by default for the on-demand case.",
)
HTTP_RESPONSE = rule(
    "http-response",
    "Every request gets an HTTP response, within the run's timeout (--scim-timeout, 60 s by "
    "default).",
    EB,
    (LOGS, src.MS_QUARANTINE, src.MS_QA_TIMEOUT),
    "Entra logs Timeout (or the connection error) and retries in a later cycle; repeated "
    "failures put the provisioning job in quarantine.",
    grading="No answer at all is entra-breaking: Microsoft's error-code table logs Timeout and "
    "its quarantine page counts such failures. The 60 s budget itself has no documented "
    "source: it comes only from a Microsoft employee's Q&A answer, so the suite's default "
    "timeout is that figure, not a documented limit.",
)
CONTENT_TYPE_SCIM = rule(
    "content-type-scim-json",
    "JSON responses are labelled application/scim+json.",
    ADVISORY,
    (rfc7644("8.1"), REQUIREMENTS, src.MS_VALIDATOR, src.MS_VALIDATOR_415),
    "None seen from the provisioning service, which reads application/json too. Microsoft's "
    "SCIM Validator does not only warn: it has failed an endpoint without "
    "application/scim+json with 415 UnsupportedMediaType (azure-docs #116775).",
    grading="Microsoft requires the SCIM media type, and its validator (used for gallery "
    "onboarding) fails without it, so it is rfc with --scim-gallery. For custom apps no public "
    "source shows Entra's provisioning failing on application/json, so it is advisory.",
    gallery_severity=RFC,
    scope="response",
)
CONTENT_TYPE_JSON = rule(
    "content-type-json",
    "JSON bodies are labelled as JSON (application/scim+json or application/json).",
    RFC,
    (rfc7644("8.1"), REQUIREMENTS),
    "Unverified: a client that dispatches on the media type may not parse the body.",
    grading=UNVERIFIED,
    scope="response",
)
ERROR_BODY = rule(
    "error-body",
    'Errors carry the SCIM Error schema with "status" as a string of the HTTP status.',
    RFC,
    (rfc7644("3.12"), REQUIREMENTS),
    "Entra records the HTTP status; without a SCIM Error body its log shows no reason.",
    grading="Entra acts on the status code, not on the error body.",
    scope="response",
)
RESOURCE_ID = rule(
    "resource-id",
    "Every resource returned, alone or in a ListResponse, carries its id.",
    EB,
    (rfc7643("3.1"), REQUIREMENTS),
    "Entra cannot link the object to its directory entry (no anchor) and the object fails.",
)
USER_SCHEMA = rule(
    "user-schema",
    "A user read back is a valid User resource (RFC 7643 §4.1 attribute types).",
    RFC,
    (rfc7643("4.1"),),
    "Unverified: Entra reads only the attributes it maps; a malformed one may not parse.",
    grading=UNVERIFIED,
)
GROUP_SCHEMA = rule(
    "group-schema",
    "A group read back is a valid Group resource (RFC 7643 §4.2 attribute types).",
    RFC,
    (rfc7643("4.2"),),
    "Unverified: Entra reads only displayName, externalId and (rarely) members.",
    grading=UNVERIFIED,
)

# ---------------------------------------------------------------------------------------
# Queries (Test Connection, matching, listing)
# ---------------------------------------------------------------------------------------

QUERY_LIST_RESPONSE = rule(
    "query-list-response",
    "A filter query answers 200 with a ListResponse, also when nothing matches.",
    EB,
    (rfc7644("3.4.2"), REQUIREMENTS, src.MS_GALLERY_CHECKLIST, LOGS),
    "Test Connection fails; every matching query fails, so no user or group is provisioned "
    "(SystemForCrossDomainIdentityManagementServiceIncompatible).",
)
LIST_RESPONSE_SHAPE = rule(
    "list-response-shape",
    "A ListResponse carries its schema URI, totalResults and a Resources array.",
    RFC,
    (rfc7644("3.4.2"),),
    "Unverified: Entra reads Resources and totalResults; no source shows it rejecting an "
    "envelope without the schema URI.",
    grading=UNVERIFIED,
)
FILTER_EXACT_MATCH = rule(
    "filter-exact-match",
    "The matching filter (attribute eq value) returns exactly the resources that match.",
    EB,
    (rfc7644("3.4.2.2"), src.MS_HOW_PROVISIONING_WORKS, REQUIREMENTS, LOGS),
    "No match: Entra creates a duplicate and gets 409 (EntryConflict). More than one: Entra "
    "logs DuplicateTargetEntries and skips the object.",
)

# ---------------------------------------------------------------------------------------
# Reads and writes of users and groups
# ---------------------------------------------------------------------------------------

GET_BY_ID = rule(
    "get-by-id",
    "GET of a resource by its id answers 200 with that resource.",
    EB,
    (rfc7644("3.4.1"), REQUIREMENTS, LOGS),
    "Entra cannot read what it provisioned and the object fails every cycle.",
)
PATCH_STATUS = rule(
    "patch-status",
    "A PATCH Entra sends is accepted: 200 with the resource, or 204.",
    EB,
    (rfc7644("3.5.2"), REQUIREMENTS, LOGS),
    "Entra logs the update as failed and sends it again every cycle; the app stays stale, "
    "and enough failures put the job in quarantine.",
)
PATCH_APPLIED = rule(
    "patch-applied",
    "Every operation of an accepted PATCH is applied: a read-back shows the change.",
    EB,
    (rfc7644("3.5.2"), REQUIREMENTS),
    "Entra believes the update succeeded (2xx) and never retries: the app silently drifts "
    "from the directory.",
)
PATCH_RESPONSE_BODY = rule(
    "patch-response-body",
    "A PATCH answered 200 returns the entire updated resource.",
    RFC,
    (rfc7644("3.5.2"),),
    "Entra does not read PATCH responses; other clients that trust them see stale data.",
    grading="Entra ignores PATCH response bodies (it accepts 204).",
)
CREATE_ACCEPTED = rule(
    "create-accepted",
    "A create Entra sends (POST of a new user or group) answers 201 with the new id.",
    EB,
    (rfc7644("3.3"), REQUIREMENTS, LOGS),
    "Entra logs the create as failed and retries it every cycle; the object never arrives.",
)

# =======================================================================================
# Users: Test Connection, credentials, create, read, matching
# (suite/test_connection.py, test_users_create.py, test_users_matching.py)
# =======================================================================================

AUTH_401 = rule(
    "auth-401",
    "A request without a bearer token, or with a wrong one, is refused with 401 Unauthorized.",
    RFC,
    (rfc7644("2"), rfc7644("3.12"), REQUIREMENTS),
    "Entra always sends the configured token, so it does not notice: anyone without the "
    "token can read and change the app's users. A mistyped token passes Test Connection and "
    "is found only when provisioning misbehaves.",
    grading="Entra never sends a request without its token, so it is graded rfc.",
)
AUTH_403_NOT_401 = rule(
    "auth-403-not-401",
    "A missing or wrong token gets 401; 403 is for a known caller without permission.",
    ADVISORY,
    (rfc7644("3.12"), LOGS),
    "None: the request is refused either way, and Entra logs 401 and 403 alike "
    "(Unauthorized, InsufficientRights).",
    grading="403 still refuses the request; only the meaning of the code is off.",
)
AUTH_ERROR_WITHOUT_DATA = rule(
    "auth-error-without-data",
    "The answer to a refused request carries no resource data.",
    RFC,
    (rfc7644("2"), rfc7644("3.12")),
    "Not visible to Entra: the directory leaks to callers without the token.",
    grading="Entra never sends a wrong token on purpose, so it is graded rfc.",
)
CREATE_201 = rule(
    "create-201",
    "A successful create (POST of a user or group) answers 201 Created.",
    RFC,
    (rfc7644("3.3"), src.TUTORIAL_USERS, src.TUTORIAL_GROUPS),
    "Unverified: no public source shows Entra rejecting a 200 that carries the new id; "
    "clients that check for 201 treat it as a failure.",
    grading=UNVERIFIED,
)
CREATE_RESPONSE_BODY = rule(
    "create-response-body",
    "The 201 body is the created resource, holding the values as stored.",
    ADVISORY,
    (rfc7644("3.3"), src.TUTORIAL_USERS),
    "None seen: Entra keeps the id from the answer and reads the user itself later.",
    grading="RFC 7644 §3.3 says the body SHOULD hold the created resource; what was stored "
    "is checked by create-stored.",
)
CREATE_STORED = rule(
    "create-stored",
    "A created user or group reads back with the values Entra sent, unchanged.",
    EB,
    (REQUIREMENTS, src.MS_HOW_PROVISIONING_WORKS),
    "Entra compares what it reads with the directory and sends the difference again in "
    "every cycle; a value that is missing or changed never converges.",
)
CREATE_DUPLICATE_409 = rule(
    "create-duplicate-409",
    "A create whose unique name already exists (a userName in any case, a group's "
    "displayName) answers 409 Conflict instead of creating a second resource.",
    EB,
    (rfc7643("4.1.1"), rfc7644("3.3"), REQUIREMENTS, src.MS_QA_TIMEOUT, LOGS),
    "Entra repeats a create whose answer it lost; with two resources of one name its next "
    "matching query finds both and logs DuplicateTargetEntries, and the object is skipped.",
)
CONFLICT_SCIM_TYPE = rule(
    "conflict-scim-type",
    'A 409 for a uniqueness clash carries scimType "uniqueness".',
    ADVISORY,
    (rfc7644("3.12"), LOGS),
    "None: Entra logs Conflict (EntryConflict) from the status alone.",
    grading="scimType is OPTIONAL in RFC 7644 §3.12 and Entra acts on the status.",
)
UNKNOWN_ID_404 = rule(
    "unknown-id-404",
    "A request for an id that does not exist (GET, or DELETE of a deleted resource) answers "
    "404 Not Found.",
    RFC,
    (rfc7644("3.6"), rfc7644("3.12"), src.TUTORIAL_USERS, src.MS_VALIDATOR),
    "Unverified: with a 404 Entra knows the object is gone (InvalidAnchor in its log); what "
    "it does with another status for a missing object no public source shows.",
    grading=UNVERIFIED,
)

# =======================================================================================
# Users: PATCH updates, manager, deactivate and reactivate, delete
# (suite/test_users_update.py, test_users_manager.py, test_users_lifecycle.py)
# =======================================================================================

PATCH_ADD_CREATES_ELEMENT = rule(
    "patch-add-creates-element",
    'An add on a filter path that matches nothing (emails[type eq "work"].value of a user '
    "without one) creates the element.",
    EB,
    (rfc7644("3.5.2.1"), src.MS_SCIM_COMPATIBILITY, src.MS_VALIDATOR, LOGS),
    "Entra sends add for an attribute that had no value (a user who gets a mailbox); a "
    "refusal is logged as a failed update and sent again every cycle.",
)
ROLES_AS_ENTRA_SENDS = rule(
    "roles-as-entra-sends",
    "App roles Entra sends when the mapping provisions them are accepted and kept: the POST's "
    "role objects, the legacy PATCH add whose value is a JSON-encoded string (id, value, "
    "displayName), several such strings in one add (AppRoleAssignmentsComplex), a replace of "
    "all roles (AssertiveAppRoleAssignmentsComplex), and a change by "
    'roles[primary eq "True"].value.',
    EB,
    (rfc7643("4.1.2"), src.MS_ATTRIBUTE_MAPPINGS.at("'Provisioning a role to a SCIM app'")),
    "Entra logs the user's update as failed and sends it again every cycle: the user never "
    "gets the role assigned in Entra.",
    grading="Checked only when the app's mapping sends roles (a profile that maps `roles`); "
    "the formats are the ones Microsoft documents for SingleAppRoleAssignment, "
    "AppRoleAssignmentsComplex and AssertiveAppRoleAssignmentsComplex. A server may keep the "
    "encoded string or the role's value or display name from it.",
)
MANAGER_SET = rule(
    "manager-set",
    "A manager set or changed on the enterprise URN path is accepted, whether the value is "
    '{"value": id} or the bare id string, with op Add, add or Replace.',
    EB,
    (
        rfc7643("4.3"),
        src.ENTRA_MANAGER_STRING_SENT,
        src.ENTRA_MANAGER_STRING_SCIMPLE,
        src.MS_GALLERY_TESTS,
    ),
    "Entra logs the update as failed and sends it again every cycle: the manager never "
    "arrives and the app's org chart stays wrong.",
    grading="Public reports show production Entra sending the bare string with add "
    "(SCIM-SDK #686) and both the string and the object arriving (directory-scimple #1242); "
    "Microsoft's validation test overview sets the manager with Add and changes it with "
    "Replace. Microsoft's SCIM Validator page does not describe manager shapes.",
)
MANAGER_SET_LIST = rule(
    "manager-set-list",
    'A manager set as a list with $ref on path "manager" (the tutorial\'s sample-code '
    "request) is accepted.",
    ADVISORY,
    (
        src.MS_SCIM_TUTORIAL.at(
            "'Example 5. Request from Microsoft Entra ID to an SCIM endpoint to update a user'"
        ),
    ),
    "Unverified: if Entra sends it to the app, the manager update fails every cycle.",
    grading="Microsoft's current SCIM tutorial presents this list as a request from Entra, "
    "but it gives the single-valued manager (RFC 7643 §4.3) a list, so a strictly compliant "
    "server may refuse it, and no public report shows production Entra sending it (the reports "
    "show the URN path with a bare string or an object): advisory.",
)
MANAGER_READ_OBJECT = rule(
    "manager-read-object",
    'A manager is read back as the complex value {"value": id}, not as a bare string.',
    EB,
    (rfc7643("4.3"), src.ENTRA_MANAGER_STRING_READ),
    "Entra cannot deserialise the user and fails every user that has a manager "
    "(SystemForCrossDomainIdentityManagementServiceIncompatible).",
)
MANAGER_REMOVE = rule(
    "manager-remove",
    "A manager removal Entra sends is accepted and applied: remove on the enterprise URN "
    'path, remove on manager[value eq "<id>"], or Replace with an empty value.',
    EB,
    (
        rfc7644("3.5.2.2"),
        src.ENTRA_MANAGER_REMOVE,
        src.MS_GALLERY_TESTS,
        src.VALIDATOR_RUN_THIRD_PARTY,
    ),
    "Entra logs the update as failed and sends it again every cycle; the app keeps the old "
    "manager.",
    grading="scim-patch #453 shows Entra removing the manager by the value filter (a removal, "
    "not a Replace); Microsoft's validation test overview removes it with a Replace of an "
    "empty value. The URN-path remove is seen only in a third-party record of Microsoft's "
    "validator (its page does not describe manager shapes); it stays under this rule "
    "because it is the RFC 7644 §3.5.2.2 form a server supports anyway.",
)
SOFT_DELETE_READABLE = rule(
    "soft-delete-readable",
    "A deactivated user (active false) is still returned, as inactive and under the same "
    "userName, by GET by id and by the matching filter.",
    EB,
    (
        REQUIREMENTS,
        src.MS_HOW_PROVISIONING_WORKS,
        src.MS_GALLERY_TESTS,
        LOGS,
        src.WEBEX_ENTRA_DEPROVISION,
    ),
    "Entra's matching query no longer finds the user: it sends a create and gets 409 "
    "(EntryConflict) every cycle, or sends the deactivation again; reactivation fails.",
    grading="Webex too: a user Entra disables is only marked inactive (Webex renames a user "
    "only when it is deleted in Entra, and restores the name with the user), so its "
    "userName still matches.",
)
DELETE_ACCEPTED = rule(
    "delete-accepted",
    "A DELETE of an existing user or group answers 2xx.",
    EB,
    (rfc7644("3.6"), src.TUTORIAL_USERS, src.MS_HOW_PROVISIONING_WORKS, LOGS),
    "Entra logs the delete as failed and retries it in later cycles; the account stays in the app.",
)
DELETE_204 = rule(
    "delete-204",
    "A successful DELETE answers 204 No Content.",
    RFC,
    (rfc7644("3.6"), src.TUTORIAL_USERS, src.TUTORIAL_GROUPS),
    "Unverified: no public source shows Entra rejecting a 200 or 202 to a DELETE.",
    grading=UNVERIFIED,
)
DELETE_APPLIED = rule(
    "delete-applied",
    "After an accepted DELETE the resource is gone: GET by id answers 404.",
    RFC,
    (rfc7644("3.6"), REQUIREMENTS),
    "Entra believes the object is gone and never reads it again: the account stays usable "
    "in the app.",
    grading="The tutorial requires that only hard-deleted users disappear; no public source "
    "shows Entra failing when a deleted object stays readable, so it is graded rfc.",
)

# =======================================================================================
# Groups (suite/test_groups.py)
# =======================================================================================

GROUPS_ENDPOINT = rule(
    "groups-endpoint",
    "A server that provisions groups serves /Groups; without it, group provisioning is off.",
    ADVISORY,
    (REQUIREMENTS, src.TUTORIAL_GROUPS),
    "With group provisioning enabled, Test Connection's group probe gets a 404, which "
    "vendors report Entra logs as SystemForCrossDomainIdentityManagementServiceIncompatible: "
    "turn group provisioning off in the Entra app.",
    grading="Groups are optional for Entra (tutorial); a users-only server works as long as "
    "the Entra app does not provision groups.",
)
GROUP_CREATE_EXTRA_SCHEMA = rule(
    "group-create-adscim-schema",
    "A group create naming Entra's extra schema URI "
    "(http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group) is accepted.",
    ADVISORY,
    (src.TUTORIAL_GROUPS, src.MS_SCIM_COMPATIBILITY_FIXED_2018, rfc7644("3.3"), LOGS),
    "Where Entra still sends this URI (the tutorial's Create Group request shows it), a server "
    "that refuses it fails every group create, which Entra logs and retries each cycle.",
    grading="Microsoft's compatibility page lists group creation's invalid schema URI among "
    "the issues fixed in December 2018, so current apps are not expected to send it, even "
    "though the tutorial's example still shows it; no public report after the fix shows Entra "
    "sending it. The evidence is thin either way, so it is advisory.",
)
GROUP_EXCLUDED_MEMBERS = rule(
    "group-excluded-members",
    "Group queries and GET by id with excludedAttributes=members leave members out.",
    EB,
    (
        rfc7644("3.4.2.5"),
        REQUIREMENTS,
        src.TUTORIAL_GROUPS,
        src.ENTRA_EXCLUDED_MEMBERS_REPLACE,
        src.ENTRA_MEMBERS_REPLACE,
    ),
    "Entra sends excludedAttributes=members on every group match; when members come back "
    "anyway it is reported to update membership with Replace and a partial member list, "
    "which a compliant server applies by dropping the other members.",
    grading="The tutorial requires it on requests Entra sends; two public reports show the "
    "partial-list Replace that follows when members are returned (data loss).",
)
REMOVE_MEMBERS_WITH_VALUE = rule(
    "remove-members-with-value",
    'Entra\'s member removal with the ids in "value" (op "Remove" or "remove", path '
    '"members") is accepted and removes only the listed members.',
    EB,
    (
        src.TUTORIAL_GROUPS,
        src.MS_SCIM_COMPATIBILITY,
        src.ENTRA_REMOVE_MEMBER_QUIRK,
        src.ENTRA_REMOVE_ALL_MEMBERS,
        src.ENTRA_REMOVE_WITH_VALUE,
        src.ENTRA_REMOVE_LOWER_WITH_VALUE,
    ),
    "The classic Entra data-loss bug: a server that reads it as RFC 7644's remove-all "
    "empties the group when one user leaves, and Entra never re-adds the others; a server "
    "that refuses it keeps the user in the group, and Entra retries every cycle.",
    grading="Entra sends this shape without the aadOptscim062020 flag (compatibility page, "
    "tutorial sample), and in lower case too (directory-scimple #447); public reports show "
    "groups emptied by it. One behaviour, whatever the op's case, so one rule.",
)
GROUP_RENAME_KEEPS_MEMBERS = rule(
    "group-rename-keeps-members",
    "A group rename (replace of displayName or externalId, by path or path-less) leaves "
    "the members as they were.",
    EB,
    (rfc7644("3.5.2.3"), src.TUTORIAL_GROUPS, src.ENTRA_GROUP_RENAME, src.MS_QA_MEMBERS_NOT_REREAD),
    "Members are silently lost: Entra got a 2xx for the rename and never reads members "
    "back, so it never re-adds them.",
    grading="Entra renames groups path-less (public report of the lost members); Entra not "
    "re-reading members is a Microsoft Q&A observation.",
)
DELETED_USER_LEAVES_GROUPS = rule(
    "deleted-user-leaves-groups",
    "A deleted user is no longer listed as a member of its groups.",
    ADVISORY,
    (rfc7644("3.6"), rfc7643("4.2")),
    "None seen: Entra never reads members back; readers of the group see a dangling member.",
    grading="RFC 7644 §3.6 removes a deleted resource from later results but says nothing "
    "explicit about references to it, and Entra does not read members.",
)
MEMBERS_ADD_KEEPS_OTHERS = rule(
    "members-add-keeps-others",
    "A PATCH add of members to a group that already has members adds them: the members "
    "the group had stay.",
    EB,
    (rfc7644("3.5.2.1"), src.TUTORIAL_GROUPS, src.MS_QA_MEMBERS_NOT_REREAD),
    "Members are silently lost in every incremental cycle: Entra adds new members with "
    "add, gets a 2xx and never reads members back, so it never re-adds the others.",
    grading="RFC 7644 §3.5.2.1 adds to a multi-valued attribute; Entra sends add for every "
    "member it provisions (tutorial) and does not re-read members (Microsoft Q&A), so a "
    "replace-like add loses data, graded like group-rename-keeps-members.",
)
MEMBERS_ADD_EXISTING = rule(
    "members-add-existing",
    "A PATCH add of a member the group already has changes nothing: one later removal of "
    "that member takes it out of the group.",
    RFC,
    (rfc7644("3.5.2.1"), rfc7643("2.4"), src.MS_HOW_PROVISIONING_WORKS),
    "A user Entra removed from the group stays in it (and keeps what the group grants), "
    "while Entra, which got a 2xx for the removal and never reads members back, believes "
    "it gone.",
    grading="RFC 7644 §3.5.2.1: a value already present is not added again. That Entra "
    "sends an add for a user already in the group is inferred: a restart of provisioning "
    "runs an initial cycle again (How application provisioning works), and a retried "
    "request repeats its adds; no public capture shows the repeated add, so it is graded "
    "rfc, not entra-breaking.",
)
GROUP_DELETE_KEEPS_USERS = rule(
    "group-delete-keeps-users",
    "Deleting a group leaves its member users as they were: each still reads by id.",
    RFC,
    (rfc7644("3.6"), src.TUTORIAL_GROUPS),
    "Unverified: the users' accounts are gone from the app; Entra finds them missing on "
    "their next change (InvalidAnchor in its log).",
    grading="RFC 7644 §3.6 deletes the one resource named; no public source shows what "
    "Entra does with users removed this way, so it is graded rfc.",
)
MEMBERSHIP_VERIFIABLE = rule(
    "membership-verifiable",
    'Group membership can be read back: members in a group read, or the filters id eq "<g>" '
    'and members[value eq "<u>"] or members eq "<u>".',
    ADVISORY,
    (rfc7644("3.4.2.2"), src.TUTORIAL_GROUPS, src.MS_SCIM_COMPATIBILITY),
    "None: Entra never reads members back; nobody, this suite included, can verify that "
    "its member changes were applied.",
    grading="Returning members is optional for Entra (tutorial) and the filters are only "
    "Entra's own shapes, not requests it is shown sending to read, so it is advisory.",
)

# =======================================================================================
# Discovery, listing and load (suite/test_discovery.py, test_listing.py, test_load.py)
# =======================================================================================

GALLERY_GRADING = (
    "Entra reads /Schemas only for some gallery apps and never calls discovery for custom "
    "apps (tutorial); the gallery checklist requires it, so it is rfc with --scim-gallery "
    "and advisory otherwise."
)
DISCOVERY_ENTRA = (
    "Custom apps: none (Entra does not call discovery). Gallery apps: Microsoft's onboarding "
    "validation fails and attribute mappings cannot be discovered."
)
DISCOVERY_SERVED = rule(
    "discovery-served",
    "/ServiceProviderConfig, /ResourceTypes and /Schemas answer 200 with a JSON body.",
    ADVISORY,
    (rfc7644("4"), src.MS_GALLERY_CHECKLIST, src.MS_GALLERY_TESTS),
    DISCOVERY_ENTRA,
    grading=GALLERY_GRADING,
    gallery_severity=RFC,
)
DISCOVERY_SHAPE = rule(
    "discovery-shape",
    "Discovery documents are valid ServiceProviderConfig, ResourceType and Schema resources.",
    ADVISORY,
    (rfc7643("5"), rfc7643("6"), rfc7643("7"), src.MS_GALLERY_CHECKLIST),
    DISCOVERY_ENTRA,
    grading=GALLERY_GRADING,
    gallery_severity=RFC,
)
DISCOVERY_TRUTHFUL = rule(
    "discovery-truthful",
    "/ServiceProviderConfig claims the PATCH and filter support the server has.",
    ADVISORY,
    (rfc7643("5"), src.MS_GALLERY_CHECKLIST),
    DISCOVERY_ENTRA,
    grading=GALLERY_GRADING,
    gallery_severity=RFC,
)
DISCOVERY_USERS_GROUPS = rule(
    "discovery-users-groups",
    "/ResourceTypes and /Schemas describe User at /Users and Group at /Groups, and every "
    "schema a resource type names is served.",
    ADVISORY,
    (rfc7643("6"), rfc7643("7"), src.MS_GALLERY_CHECKLIST, src.MS_GALLERY_TESTS),
    DISCOVERY_ENTRA + " Microsoft's gallery validation requires the Group schema.",
    grading=GALLERY_GRADING,
    gallery_severity=RFC,
)
DISCOVERY_ENTERPRISE = rule(
    "discovery-enterprise",
    "/Schemas describes the enterprise user extension the server accepts.",
    ADVISORY,
    (rfc7643("4.3"), src.MS_ATTRIBUTE_MAPPINGS),
    "Entra's default mapping writes department, employeeNumber and manager to it; a gallery "
    "app whose /Schemas lacks it cannot offer them in its mapping.",
    grading="No public source shows Entra failing without it; Entra does not read /Schemas "
    "for custom apps.",
)
PAGINATION = rule(
    "pagination",
    "GET /Users (or /Groups) with startIndex and count returns that slice: at most count "
    "resources, "
    "startIndex echoed, itemsPerPage equal to the resources, totalResults the full count.",
    RFC,
    (rfc7644("3.4.2.4"), src.MS_ACCOUNT_DISCOVERY, src.MS_GALLERY_TESTS),
    "Unverified: Entra's Account Discovery pages through the app's users with "
    "startIndex/count; a server that ignores them may list accounts twice or miss some.",
    grading="Entra pages only for Account Discovery, a report of the app's accounts, not for "
    "provisioning; no public source shows what Entra does with a wrong page, so it is graded "
    "rfc.",
)
PAGES_DISJOINT = rule(
    "pages-disjoint",
    "Consecutive pages of an unchanged list do not repeat resources.",
    ADVISORY,
    (rfc7644("3.4.2.4"),),
    "Unverified: Account Discovery may report an account twice.",
    grading="RFC 7644 §3.4.2.4 does not require a stable order between requests.",
)
COUNT_ZERO = rule(
    "count-zero",
    "count=0 returns only totalResults, no resources.",
    RFC,
    (rfc7644("3.4.2.4"),),
    "None: Entra never sends count=0 (its Account Discovery pages with a positive count).",
    grading=NOT_SENT,
)
ATTRIBUTE_PROJECTION = rule(
    "attribute-projection",
    "attributes= returns only the named attributes (and id); excludedAttributes= leaves the "
    "named ones out.",
    RFC,
    (rfc7644("3.4.2.5"), rfc7644("3.9")),
    "None seen: Entra asks only for attributes=id on its reference check, where extra "
    "attributes cost time but do no harm.",
    grading="Entra sends attributes=id only with a filter that selects one resource and "
    "never sends the other forms on users, so breaking it cannot break Entra.",
)
GALLERY_REQUEST_RATE = rule(
    "gallery-request-rate",
    "The endpoint sustains 25 requests per second of Entra's request mix, with under 1% errors.",
    ADVISORY,
    (src.MS_GALLERY_CHECKLIST, src.TUTORIAL_REQUIREMENTS, LOGS),
    "Gallery apps: Microsoft's onboarding requires 25 requests per second per tenant. Every "
    "app: provisioning cycles fall behind, and errors are logged (TooManyRequests, "
    "InternalServerError) and retried in later cycles.",
    grading="25 requests per second is a gallery onboarding requirement: rfc with "
    "--scim-gallery. For custom apps, an endpoint that throttles Entra with 429 is reported "
    "to put the job in quarantine (Microsoft Q&A 1922038; rule no-throttling-429); one that is "
    "merely slower makes cycles longer, which no public source shows failing, so it is advisory.",
    gallery_severity=RFC,
)
NO_THROTTLING_429 = rule(
    "no-throttling-429",
    "The endpoint does not answer Entra's provisioning traffic at the load check's rate with "
    "429 Too Many Requests.",
    EB,
    (src.MS_QA_429_QUARANTINE, src.MS_QA_NO_RATE_LIMIT, src.MS_QA_THROTTLING, LOGS),
    "Custom apps: Entra has no client-side rate limiter, logs TooManyRequests, and 429 "
    "answers are reported to put the provisioning job in quarantine.",
    grading="The quarantine is shown by a Microsoft Q&A thread, not by Microsoft's "
    "documentation, and how Entra treats Retry-After is not documented; it is graded "
    "entra-breaking because that thread shows Entra failing on answers to requests it really "
    "sends, at a rate (25 per second) Microsoft requires of gallery apps.",
)

# =======================================================================================
# Properties: generated users and PATCH sequences (suite/test_properties.py)
# =======================================================================================

# The properties draw many users. A value inside Entra's domain (within what Entra's
# directory holds, a userName its UPNs allow) is graded like any request Entra sends; a legal
# value outside it cannot break Entra, so its rules are rfc or advisory.
OUTSIDE_ENTRA = "Entra never sends these values, so breaking this cannot break Entra."

# create-stored and create-duplicate-409 (the users' section) are the properties' create
# rules too.
VALUE_NORMALISED = rule(
    "value-normalised",
    "Values are stored as sent: outer spaces are kept, and so is the case of email addresses.",
    ADVISORY,
    (REQUIREMENTS, rfc7643("4.1.2")),
    "None seen: the value keeps its meaning (Entra matches userName and emails ignoring "
    "case), but the app shows it slightly differently from the directory.",
    grading="Microsoft asks for values stored as sent, yet RFC 7643 §4.1.2 suggests "
    "canonicalising email addresses and no public source shows Entra failing on a trimmed "
    "or lower-cased value, so it is advisory.",
)
UNSENT_VALUE_STORED = rule(
    "unsent-value-stored",
    "Legal values beyond what Entra sends (longer than Entra's directory holds, userNames "
    "with quoted or non-ASCII local parts) read back as sent.",
    ADVISORY,
    (rfc7643("2.3.1"), src.MS_GRAPH_USER, src.MS_UPN_CHARACTERS),
    "None: Entra never sends such values; other SCIM clients, and the vendor's own, may.",
    grading=OUTSIDE_ENTRA + " No RFC MUST requires a server to store values as sent.",
)
UNSENT_VALUE_REFUSED = rule(
    "unsent-value-refused",
    "A user whose values are legal but beyond what Entra sends is created, not refused.",
    ADVISORY,
    (rfc7643("2.3.1"), REQUIREMENTS, src.MS_GRAPH_USER, src.MS_UPN_CHARACTERS),
    "None: Entra never sends such values; other SCIM clients, and the vendor's own, may.",
    grading=OUTSIDE_ENTRA + " Microsoft's requirements allow refusing a value with a "
    "descriptive error.",
)
UNSENT_VALUE_ERROR = rule(
    "unsent-value-error",
    "A create holding legal values beyond what Entra sends is answered 201 or refused with a "
    "4xx SCIM error (not 409: the user is new), never a 5xx or an answer without a body.",
    RFC,
    (rfc7644("3.3"), rfc7644("3.12"), rfc7643("2.3.1")),
    "None: Entra never sends such values; a client that does cannot tell what went wrong.",
    grading=OUTSIDE_ENTRA + " A 5xx to a legal value is a server defect, so it is rfc.",
)
FILTER_ESCAPED_VALUE = rule(
    "filter-escaped-value",
    'A userName filter whose value holds escaped quotes or backslashes (\\" and \\\\ in the '
    "JSON string) or non-ASCII characters finds exactly that user.",
    RFC,
    (rfc7644("3.4.2.2"), src.MS_KNOWN_ISSUES, src.MS_UPN_CHARACTERS),
    "None: Entra cannot filter on values with special characters, and its UPNs hold none, "
    "so it never sends such a filter; other clients do.",
    grading="RFC 7644 §3.4.2.2 makes the value a JSON string; Entra never sends one that "
    "needs escaping, so it is rfc.",
)


# =======================================================================================
# Request variants: the spellings Entra is seen sending (suite/test_entra_variants.py,
# scim_conformance/variants.py)
# =======================================================================================

CONTENT_TYPE_CHARSET = rule(
    "content-type-charset",
    "A write whose Content-Type carries a parameter (application/scim+json; charset=utf-8) "
    "is accepted like one without it.",
    EB,
    (src.ENTRA_CONTENT_TYPE_CHARSET, rfc7644("3.1"), LOGS),
    "Every create and update Entra sends with the parameter is refused (415): it logs each as "
    "failed and retries every cycle; nothing is provisioned.",
    grading="The one public capture of the header (azure-docs #12728, 2018) shows Entra "
    "sending the charset parameter; Microsoft's examples show the bare type, so both are sent. "
    "A media type parameter is legal HTTP (RFC 9110 §8.3.1).",
)
TEST_CONNECTION_HEADERS = rule(
    "test-connection-headers",
    "Test Connection's query is answered with a JSON ListResponse although its Accept header "
    "names no SCIM or JSON media type.",
    EB,
    (src.ENTRA_TEST_CONNECTION_MEDIA_TYPE, REQUIREMENTS, src.MS_QUARANTINE),
    "Test Connection fails (the public report shows a 406), so the admin cannot save the "
    "app's credentials.",
    grading="azure-docs #94189 shows Test Connection failing on an endpoint that chose its "
    "answer's format from the request's media type; the exact headers Entra sends there are "
    "not documented, so the suite sends Accept: */* (no SCIM media type), as that report shows.",
)
CREATE_ACTIVE_STRING = rule(
    "create-active-string",
    'A user create whose active is a string ("True"/"False") is accepted and stored as the '
    "boolean.",
    EB,
    (src.ENTRA_POST_ACTIVE_STRING, src.IDP_CREATES_DISABLED_USERS, rfc7643("4.1.1"), LOGS),
    "Entra logs the create as failed and retries it every cycle: the user never arrives.",
    grading="Microsoft's SCIMReferenceCode maintainers state that Entra's service sends active "
    "as a string in POST; users disabled in the directory are created disabled (bitwarden "
    "#7891).",
)
ACTIVE_STRING_ANY_CASE = rule(
    "active-string-any-case",
    'PATCH of active with the lower-case strings "true"/"false" is applied like "True"/"False".',
    EB,
    (
        src.ENTRA_ACTIVE_LOWER_STRING,
        src.ENTRA_STRING_BOOLEANS_ANY_CASE,
        src.ENTRA_STRING_BOOLEANS_SCIM_PATCH,
        src.MS_SCIM_COMPATIBILITY,
    ),
    'A user unassigned in Entra (Replace active "false") stays active in the app: Entra got a '
    "2xx and never sends it again, a silent security failure; a refusal is retried every cycle.",
    grading="scimmy #86 (2025) shows an unassign from Entra sending the lower-case string; "
    "Apache Syncope accepts both cases for Entra.",
)
PATCH_CLEAR_ATTRIBUTE = rule(
    "patch-clear-attribute",
    'A PATCH that clears an attribute (replace with null or "", or remove by path) is '
    "accepted and leaves the attribute unassigned (or empty).",
    RFC,
    (rfc7644("3.5.2.3"), rfc7643("2.5"), src.MS_GALLERY_TESTS, src.MS_KNOWN_ISSUES),
    "Microsoft's gallery validation runs a mandatory null-update test (SCIM_Null_Update_Test) "
    "and fails the app; Entra's provisioning service itself does not send nulls.",
    grading="Microsoft's known issues say Entra cannot provision null values, so no public "
    "source shows the provisioning service failing on this; RFC 7643 §2.5 makes null "
    "unassigned and a 5xx to a legal PATCH is a defect, so it is rfc.",
)

# ---------------------------------------------------------------------------------------
# Microsoft's gallery validation (suite/test_gallery.py, --scim-gallery)
# ---------------------------------------------------------------------------------------

RECREATE_AFTER_DELETE = rule(
    "recreate-after-delete",
    "Once a user (or group) is deleted, a new one with the same userName (displayName) can be "
    "created.",
    ADVISORY,
    (rfc7644("3.6"), src.MS_GALLERY_TESTS),
    "A user unassigned and assigned again (Entra deletes, then creates it anew) is refused "
    "with 409, and Entra logs the create as failed every cycle.",
    grading="RFC 7644 §3.6 says a deleted resource SHOULD NOT count in conflict calculation; "
    "Microsoft's mandatory Restore_User_Test (delete, then create the same user) fails on it, "
    "so it is rfc with --scim-gallery.",
    gallery_severity=RFC,
)
SCHEMA_ATTRIBUTES_DISCOVERABLE = rule(
    "schema-attributes-discoverable",
    "/Schemas describes every attribute the app's mapping sends, as Microsoft's validation "
    'flattens it (name.givenName, emails[type eq "work"].value, urn:…:User:department), '
    "ignoring case.",
    ADVISORY,
    (rfc7643("7"), src.MS_GALLERY_TESTS, src.MS_GALLERY_CHECKLIST),
    "A gallery app's mapping offers only the attributes /Schemas describes; Microsoft's "
    "Schema_Discoverability_Test fails on any mapped attribute it cannot find.",
    grading="Entra's provisioning service does not read /Schemas for custom apps, so it is "
    "advisory; the gallery test is mandatory, so it is rfc with --scim-gallery.",
    gallery_severity=RFC,
)
OAUTH_TOKEN_LIFETIME = rule(
    "oauth-token-lifetime",
    "Access tokens from the OAuth client-credentials grant are valid between 60 minutes and "
    "6 hours (expires_in 3600-21600).",
    ADVISORY,
    (src.MS_GALLERY_CHECKLIST, src.MS_GALLERY_TESTS),
    "None for a custom app; Microsoft does not onboard a gallery app whose tokens live "
    "outside that range, and its Validate_Credentials_Test fails.",
    grading="A gallery onboarding requirement (checklist 2.2.6), not a SCIM rule: advisory, "
    "rfc with --scim-gallery.",
    gallery_severity=RFC,
)


# =======================================================================================
# Webex: rules of Webex's documented SCIM API (suite/test_webex.py), vendor="webex"
# =======================================================================================

# What Entra's Cisco Webex gallery app sends (Microsoft's Webex tutorial): userName, the
# name parts, displayName, externalId and active, matched by userName eq; it creates,
# updates and disables users. A Webex rule is entra-breaking only where that app would
# fail; webex-clients where Webex documents the rule and only Webex's own clients (Control
# Hub, the Webex SDKs, admin scripts) depend on it; advisory where the behaviour is a
# SHOULD, or inferred or only observed. Webex rules are never counted as RFC deviations.
WEBEX_APP_NEVER_SENDS = "None for Entra: neither its Cisco Webex app nor its generic SCIM app sends"
WEBEX_DOCUMENTED = (
    "Webex documents the rule and Entra does not depend on it, so only Webex's own clients "
    "fail: webex-clients."
)

WEBEX_USERNAME_EMAIL = rule(
    "webex-username-email",
    "userName is an email address, and a primary work email, when one is sent, equals it.",
    WEBEX_CLIENTS,
    (src.WEBEX_CREATE_USER, src.WEBEX_SCIM_USERS),
    "None for Entra: its Cisco Webex app maps userName from the user principal name, an "
    "address, and sends no emails. Webex's own clients find people by their email and rely "
    "on the rule.",
    grading="Webex's User schema says userName is the user's primary email; Entra's Webex "
    "app always meets the rule. " + WEBEX_DOCUMENTED,
    vendor="webex",
)
WEBEX_CISCO_EXTENSION = rule(
    "webex-cisco-extension",
    "The Cisco user extension (urn:scim:schemas:extension:cisco:webexidentity:2.0:User) is "
    "accepted, well-formed and read back as sent.",
    WEBEX_CLIENTS,
    (src.WEBEX_CREATE_USER, src.WEBEX_USER_SCHEMA),
    f"{WEBEX_APP_NEVER_SENDS} Cisco extension attributes. Webex's own clients lose what they "
    "store there (extension attributes, SIP addresses, the userName type).",
    grading="The extension and its attributes are in Webex's Create a user and Get User "
    "Schema pages. " + WEBEX_DOCUMENTED,
    vendor="webex",
)
WEBEX_SCHEMAS_LISTED = rule(
    "webex-schemas-listed",
    "schemas lists the URN of every extension whose attributes the user carries, the Cisco "
    "extension included.",
    WEBEX_CLIENTS,
    (src.WEBEX_CREATE_USER, rfc7643("3")),
    f"{WEBEX_APP_NEVER_SENDS} the extension. A Webex client that reads schemas ignores the "
    "extension's values.",
    grading="Webex's examples list the Cisco URN in schemas (RFC 7643 §3 asks the same); "
    + WEBEX_DOCUMENTED,
    vendor="webex",
)
WEBEX_UNKNOWN_SCHEMA_IGNORED = rule(
    "webex-unknown-schema-ignored",
    "A create body with a schema section the server does not know is accepted and the "
    "section ignored.",
    WEBEX_CLIENTS,
    (src.WEBEX_CREATE_USER,),
    f"{WEBEX_APP_NEVER_SENDS} a user schema Webex does not know. Webex's own clients that "
    "send a newer section cannot create users at all.",
    grading="Webex's Create a user page says unrecognised schemas are ignored. " + WEBEX_DOCUMENTED,
    vendor="webex",
)
WEBEX_READ_ONLY_IGNORED = rule(
    "webex-read-only-ignored",
    "Read-only attributes in a create body (id, groups, Cisco teamsClusterId ...) are "
    "ignored: neither refused nor stored.",
    WEBEX_CLIENTS,
    (src.WEBEX_CREATE_USER, rfc7644("3.3")),
    f"{WEBEX_APP_NEVER_SENDS} these attributes (Entra's client-side meta falls under "
    "create-accepted). Webex's own clients that echo a read user back are refused, or "
    "forge ids and memberships.",
    grading="Webex's Create a user page says read-only input is ignored (as RFC 7644 §3.3 "
    "does). " + WEBEX_DOCUMENTED,
    vendor="webex",
)
WEBEX_USER_TYPE_DEFAULT = rule(
    "webex-user-type-default",
    'A user created without userType reads back with userType "user".',
    ADVISORY,
    (src.WEBEX_CREATE_USER, src.MS_WEBEX_TUTORIAL),
    f"{WEBEX_APP_NEVER_SENDS} userType, and neither reads it. Webex's own clients may not "
    "know what kind of account the user is.",
    grading="Webex's Create a user page requires userType and names no default; "
    '"user" is inferred, so it is advisory.',
    vendor="webex",
)
WEBEX_SIZE_LIMITS = rule(
    "webex-size-limits",
    "More values than Webex's documented sizes (10 emails, 50 phone numbers) are refused "
    "with a 4xx.",
    WEBEX_CLIENTS,
    (src.WEBEX_USER_SCHEMA,),
    f"{WEBEX_APP_NEVER_SENDS} more than one email or phone number. The server holds users "
    "Webex itself cannot hold, so what Webex's own clients built on it breaks on Webex.",
    grading="The sizes are in Webex's Get User Schema; the status is not documented, so any "
    "4xx passes. " + WEBEX_DOCUMENTED,
    vendor="webex",
)
WEBEX_FILTER_OPERATORS = rule(
    "webex-filter-operators",
    "Every operator Webex documents per user attribute (eq, sw, ew on userName, the name "
    "parts, displayName, emails.value ...), and filters joined by or, select exactly the "
    "matching users.",
    WEBEX_CLIENTS,
    (src.WEBEX_SEARCH_USERS, rfc7644("3.4.2.2")),
    "None for Entra: its Cisco Webex app matches users by userName eq only "
    "(filter-exact-match). Webex's own clients (and the suite's --scim-sweep) search with "
    "the others.",
    grading="Webex's Search users page lists the operators per attribute. " + WEBEX_DOCUMENTED,
    vendor="webex",
)
WEBEX_FILTER_OPERATOR_CASE = rule(
    "webex-filter-operator-case",
    'Filter operators match in any case (userName Eq "...", as Webex\'s own examples write them).',
    WEBEX_CLIENTS,
    (src.WEBEX_SEARCH_GROUPS, rfc7644("3.4.2.2")),
    "None for Entra: it writes eq in lower case. Webex's own clients follow Webex's "
    "examples and are refused.",
    grading="Webex's own examples write Eq (RFC 7644 §3.4.2.2 makes operators "
    "case-insensitive too). " + WEBEX_DOCUMENTED,
    vendor="webex",
)
WEBEX_PAGING = rule(
    "webex-paging",
    "startIndex and count page a filtered user list: at most count users a page, "
    "itemsPerPage the users on the page, totalResults all that match, each user on one page.",
    WEBEX_CLIENTS,
    (src.WEBEX_SEARCH_USERS, rfc7644("3.4.2.4")),
    "None seen for Entra: its Cisco Webex app reads users by filter. Webex's own clients "
    "page by startIndex += itemsPerPage and lose or repeat users.",
    grading="Webex's Search users page documents startIndex and count; no public source "
    "shows Entra's Webex app paging. " + WEBEX_DOCUMENTED,
    vendor="webex",
)
WEBEX_PATCH_NO_TARGET = rule(
    "webex-patch-no-target",
    "A PATCH remove without a path, or a replace whose value filter matches nothing, is "
    "refused with 400 and scimType noTarget.",
    WEBEX_CLIENTS,
    (src.WEBEX_PATCH_USER, rfc7644("3.5.2.2"), rfc7644("3.5.2.3")),
    f"{WEBEX_APP_NEVER_SENDS} either operation. A Webex client answered 200 believes in a "
    "change that went nowhere.",
    grading="Webex's Update a user with PATCH page documents both 400 noTarget cases. "
    + WEBEX_DOCUMENTED,
    vendor="webex",
)
WEBEX_ERROR_TRACKING_ID = rule(
    "webex-error-tracking-id",
    "An error that carries Cisco's error extension holds a non-empty trackingId in it.",
    ADVISORY,
    (src.WEBEX_API_BASICS, rfc7644("3.12")),
    "None for Entra: it logs the HTTP status. Cisco support asks for the trackingId of a "
    "failed Webex request.",
    grading="Webex's SCIM error extension is seen in its answers, not specified in its SCIM "
    "documentation, so it is advisory.",
    vendor="webex",
)
WEBEX_INACTIVE_LISTED = rule(
    "webex-inactive-listed",
    "A deactivated user (active false) stays on the unfiltered user list, shown as inactive, "
    "under the same userName.",
    ADVISORY,
    (src.WEBEX_ENTRA_DEPROVISION, src.WEBEX_SCIM_USERS),
    "None seen for Entra: its Cisco Webex app finds users by userName eq "
    "(soft-delete-readable), not by listing. Webex's own clients that list users lose the "
    "inactive ones.",
    grading="Webex's help documents that a user Entra disables (unassigned, or sign-in "
    "blocked: the PATCH of active false) is marked inactive, and keeps its userName; only a "
    "user deleted in Entra is also renamed, until restored. That the inactive user stays "
    "listed is inferred, so it is advisory.",
    vendor="webex",
)
WEBEX_INCLUDE_MEMBERS = rule(
    "webex-include-members",
    "GET /Groups omits members unless includeMembers=true, and lists them when it is.",
    WEBEX_CLIENTS,
    (src.WEBEX_SEARCH_GROUPS,),
    "None for Entra: its Cisco Webex app asks for groups with excludedAttributes=members "
    "and never reads members back. Webex's own clients rely on the default, and on "
    "includeMembers to read members.",
    grading="includeMembers and its default are on Webex's Search groups page. " + WEBEX_DOCUMENTED,
    vendor="webex",
)
WEBEX_RETRY_AFTER = rule(
    "webex-retry-after",
    "Every 429 answer carries a usable Retry-After (seconds or an HTTP date).",
    ADVISORY,
    (src.WEBEX_RATE_LIMITING, src.MS_QA_THROTTLING),
    "Entra's Cisco Webex app retries a throttled request later; without Retry-After it and "
    "Webex's own clients guess the wait, too early or too late.",
    grading="Webex says a 429 should carry Retry-After (a SHOULD), so it is advisory.",
    vendor="webex",
)
