"""What each fault of the reference server changes, as an HTTP observation: a probe per
fault, with what it observes on a correct server and with the fault on (the table
tests/reference/test_reference_faults.py checks)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

import httpx

from scim_conformance.http.wire import is_transport_error
from scim_conformance.reference import Fault
from support.reference_http import (
    CISCO,
    CISCO_ERROR,
    ENT,
    GROUP,
    MISSING,
    SCIM_JSON,
    TOKEN,
    WORK_EMAIL,
    create_group,
    create_user,
    dig,
    entra_user,
    op,
    patch,
    uniq,
)

# Each probe returns an observation that differs between a correct and a faulty server.

Probe = Callable[[httpx.Client], Any]


def _status_of_create(http: httpx.Client) -> Any:
    return http.post("/Users", json=entra_user()).status_code


def _filter_finds_only_one(http: httpx.Client) -> Any:
    create_user(http)
    user = create_user(http)
    body = http.get("/Users", params={"filter": f'userName eq "{user["userName"]}"'}).json()
    return body["totalResults"]


def _upper_case_filter(http: httpx.Client) -> Any:
    user = create_user(http, user_name=f"{uniq('Mixed')}@Example.com")
    flt = f'userName eq "{user["userName"].upper()}"'
    conflict = http.post("/Users", json=entra_user(user_name=user["userName"].lower()))
    return http.get("/Users", params={"filter": flt}).json()["totalResults"], conflict.status_code


def _duplicate_create(http: httpx.Client) -> Any:
    user = create_user(http)
    return http.post("/Users", json=entra_user(user_name=user["userName"].upper())).status_code


def _capitalised_op(http: httpx.Client) -> Any:
    user = create_user(http)
    response = patch(http, f"/Users/{user['id']}", op("Replace", "displayName", "X"))
    return response.status_code, response.json().get("scimType")


def _string_false(http: httpx.Client) -> Any:
    user = create_user(http)
    response = patch(http, f"/Users/{user['id']}", op("Replace", "active", "False"))
    return response.status_code, response.json().get("scimType")


def _filter_path_patch(http: httpx.Client) -> Any:
    user = create_user(http)
    patch(http, f"/Users/{user['id']}", op("replace", 'emails[type eq "work"].value', "n@x.org"))
    return dig(http.get(f"/Users/{user['id']}").json(), *WORK_EMAIL) == "n@x.org"


def _deactivate(http: httpx.Client) -> Any:
    user = create_user(http)
    status = patch(http, f"/Users/{user['id']}", op("replace", "active", False)).status_code
    return status, http.get(f"/Users/{user['id']}").json()["active"]


def _delete_then_get(http: httpx.Client) -> Any:
    user = create_user(http)
    return http.delete(f"/Users/{user['id']}").status_code, http.get(
        f"/Users/{user['id']}"
    ).status_code


def _unknown_id_media_type(http: httpx.Client) -> Any:
    response = http.get(f"/Users/{uuid.uuid4()}")
    return response.status_code, response.headers["content-type"].split(";")[0]


def _without_auth(http: httpx.Client, path: str) -> httpx.Response:
    request = http.build_request("GET", path)
    del request.headers["Authorization"]
    return http.send(request)


def _anonymous(http: httpx.Client) -> Any:
    wrong = http.get("/Users", headers={"Authorization": "Bearer nope"}).status_code
    return _without_auth(http, "/Users").status_code, wrong


def _wrong_token(http: httpx.Client) -> Any:
    missing = _without_auth(http, "/Users").status_code
    return http.get("/Users", headers={"Authorization": "Bearer nope"}).status_code, missing


def _patch_body(http: httpx.Client) -> Any:
    user = create_user(http, displayName="Before")
    body = patch(http, f"/Users/{user['id']}", op("replace", "displayName", "After")).json()
    return body["displayName"], http.get(f"/Users/{user['id']}").json()["displayName"]


def _empty_filter(http: httpx.Client) -> Any:
    flt = {"filter": f'displayName eq "{uniq()}"'}
    return http.get("/Users", params=flt).status_code, http.get("/Groups", params=flt).status_code


def _dotted_keys(http: httpx.Client) -> Any:
    user = create_user(http)
    value = {"name.givenName": "Kkom", f"{ENT}:employeeNumber": "42"}
    body = patch(http, f"/Users/{user['id']}", op("replace", value=value)).json()
    return body["name"]["givenName"], "name.givenName" in body, dig(body, ENT, "employeeNumber")


def _inactive(http: httpx.Client) -> Any:
    user = create_user(http, active=False)
    flt = {"filter": f'userName eq "{user["userName"]}"'}
    total = http.get("/Users", params=flt).json().get("totalResults")
    return http.get(f"/Users/{user['id']}").status_code, total


def _external_id_filter(http: httpx.Client) -> Any:
    response = http.get("/Users", params={"filter": 'externalId eq "abc"'})
    return response.status_code, response.json().get("scimType")


def _error_status_type(http: httpx.Client) -> Any:
    return type(http.get(f"/Users/{uuid.uuid4()}").json()["status"]).__name__


def _entra_create(http: httpx.Client) -> Any:
    return http.post("/Users", json=entra_user()).status_code


def _narrower_create(http: httpx.Client) -> Any:
    """Entra's create, then the same without `primary` on its email."""
    refused = http.post("/Users", json=entra_user())
    body = entra_user()
    body["emails"] = [{k: v for k, v in e.items() if k != "primary"} for e in body["emails"]]
    return (
        refused.status_code,
        refused.json().get("detail"),
        http.post("/Users", json=body).status_code,
    )


def _create_without_emails(http: httpx.Client) -> Any:
    """Entra's create, then the same without `emails`."""
    refused = http.post("/Users", json=entra_user())
    body = {k: v for k, v in entra_user().items() if k != "emails"}
    return refused.status_code, http.post("/Users", json=body).status_code


def _group_without_members(http: httpx.Client) -> Any:
    """Entra's empty group create, then one with a member."""
    empty = http.post("/Groups", json={"schemas": [GROUP], "displayName": uniq("group")})
    user = create_user(http)
    member = {"schemas": [GROUP], "displayName": uniq("group"), "members": [{"value": user["id"]}]}
    return empty.status_code, http.post("/Groups", json=member).status_code


def _null_member_ref(http: httpx.Client) -> Any:
    """Entra's member add (`"$ref": null`), then the same without the null."""
    first, second = create_user(http), create_user(http)
    path = f"/Groups/{create_group(http)['id']}"
    entra = patch(http, path, op("Add", "members", [{"$ref": None, "value": first["id"]}]))
    plain = patch(http, path, op("Add", "members", [{"value": second["id"]}]))
    return entra.status_code, plain.status_code


def _add_missing_element(http: httpx.Client) -> Any:
    user = create_user(http, emails=[])
    response = patch(http, f"/Users/{user['id']}", op("Add", 'emails[type eq "work"].value', "w@x"))
    return response.status_code, response.json().get("scimType")


def _manager(http: httpx.Client) -> Any:
    boss, user = create_user(http), create_user(http)
    response = patch(http, f"/Users/{user['id']}", op("replace", f"{ENT}:manager", boss["id"]))
    return response.status_code, response.json().get("scimType")


def _enterprise(http: httpx.Client) -> Any:
    boss, user = create_user(http), create_user(http)
    body = patch(
        http,
        f"/Users/{user['id']}",
        op("replace", f"{ENT}:department", "Ops"),
        op("replace", f"{ENT}:manager", {"value": boss["id"]}),
    ).json()
    return dig(body, ENT, "department"), dig(body, ENT, "manager", "value") == boss["id"]


def _legacy_remove(http: httpx.Client) -> Any:
    u1, u2 = create_user(http), create_user(http)
    group = create_group(http, members=(u1["id"], u2["id"]))
    body = patch(http, f"/Groups/{group['id']}", op("Remove", "members", [{"value": u1["id"]}]))
    return len(body.json()["members"])


def _excluded_members(http: httpx.Client) -> Any:
    user = create_user(http)
    group = create_group(http, members=(user["id"],))
    params = {"excludedAttributes": "members", "filter": f'displayName eq "{group["displayName"]}"'}
    listed = http.get("/Groups", params=params).json()["Resources"][0]
    single = http.get(f"/Groups/{group['id']}", params={"excludedAttributes": "members"}).json()
    return "members" in listed, "members" in single


def _media_type(http: httpx.Client) -> Any:
    return http.get("/ServiceProviderConfig").headers["content-type"].split(";")[0]


def _paging(http: httpx.Client) -> Any:
    for _ in range(3):
        create_user(http)
    body = http.get("/Users", params={"startIndex": "2", "count": "1"}).json()
    return body["startIndex"], body["itemsPerPage"]


def _delete_unknown(http: httpx.Client) -> Any:
    return http.delete(f"/Users/{uuid.uuid4()}").status_code


def _duplicate_group(http: httpx.Client) -> Any:
    group = create_group(http)
    return http.post(
        "/Groups", json={"schemas": [GROUP], "displayName": group["displayName"]}
    ).status_code


def _group_probe(http: httpx.Client) -> Any:
    flt = {"excludedAttributes": "members", "filter": f'displayName eq "{uniq()}"'}
    users = {"filter": f'userName eq "{uniq()}"'}
    return http.get("/Groups", params=flt).status_code, http.get("/Users", params=users).status_code


def _rename_keeps_members(http: httpx.Client) -> Any:
    user = create_user(http)
    group = create_group(http, members=(user["id"],))
    patch(http, f"/Groups/{group['id']}", op("replace", value={"displayName": uniq()}))
    return len(http.get(f"/Groups/{group['id']}").json().get("members", []))


def _attributes(http: httpx.Client) -> Any:
    user = create_user(http)
    body = http.get(f"/Users/{user['id']}", params={"attributes": "userName"}).json()
    excluded = http.get(f"/Users/{user['id']}", params={"excludedAttributes": "name"}).json()
    return "name" in body, "name" in excluded


def _discovery(http: httpx.Client) -> Any:
    return (
        http.get("/ServiceProviderConfig").status_code,
        http.get("/Schemas").status_code,
        http.get(str(http.base_url.copy_with(path="/Schemas/SCIM2/User"))).status_code,
    )


def _schema_ids(http: httpx.Client) -> Any:
    return GROUP in [s["id"] for s in http.get("/Schemas").json()["Resources"]]


def _spc_patch(http: httpx.Client) -> Any:
    return http.get("/ServiceProviderConfig").json()["patch"]["supported"]


def _webex_email_rules(http: httpx.Client) -> Any:
    not_email = http.post("/Users", json=entra_user(uniq("not-an-email")))
    other = [{"primary": True, "type": "work", "value": f"{uniq()}@example.com"}]
    other_primary = http.post("/Users", json=entra_user(emails=other))
    return not_email.status_code, other_primary.status_code


def _upper_case_duplicate(http: httpx.Client) -> Any:
    name = f"{uniq()}@example.com"
    create_user(http, user_name=name)
    return http.post("/Users", json=entra_user(name.upper())).status_code


def _cisco_kept(http: httpx.Client) -> Any:
    section = {"extensionAttribute1": ["a"], "userNameType": "email"}
    return CISCO in create_user(http, **{CISCO: section})


def _unknown_schema(http: httpx.Client) -> Any:
    body = entra_user(**{"urn:example:unknown:2.0:User": {"x": "y"}})
    body["schemas"].append("urn:example:unknown:2.0:User")
    return http.post("/Users", json=body).status_code


def _read_only_input(http: httpx.Client) -> Any:
    body = entra_user(groups=[{"value": str(uuid.uuid4())}], **{CISCO: {"teamsClusterId": "x"}})
    return http.post("/Users", json=body).status_code


def _without_user_type(http: httpx.Client) -> Any:
    return http.post("/Users", json=entra_user()).status_code


def _user_type_default(http: httpx.Client) -> Any:
    return create_user(http).get("userType", MISSING)


def _sw_filter(http: httpx.Client) -> Any:
    return http.get("/Users", params={"filter": 'userName sw "nobody-"'}).status_code


def _remove_without_path(http: httpx.Client) -> Any:
    return patch(http, f"/Users/{create_user(http)['id']}", op("remove")).status_code


def _cisco_error(http: httpx.Client) -> Any:
    return CISCO_ERROR in http.get(f"/Users/{uuid.uuid4()}").json()


def _cisco_listed(http: httpx.Client) -> Any:
    return CISCO in create_user(http, **{CISCO: {"userNameType": "email"}})["schemas"]


def _tracking_id(http: httpx.Client) -> Any:
    return bool(http.get(f"/Users/{uuid.uuid4()}").json()[CISCO_ERROR]["trackingId"])


def _throttled(http: httpx.Client) -> Any:
    answers = [http.get("/Users", params={"count": "0"}) for _ in range(20)]
    limited = [a for a in answers if a.status_code == 429]
    return bool(limited), any("retry-after" in a.headers for a in limited)


def _inactive_listed(http: httpx.Client) -> Any:
    user = create_user(http)
    patch(http, f"/Users/{user['id']}", op("replace", "active", False))
    listed = http.get("/Users", params={"count": "1000"}).json()["Resources"]
    return user["id"] in [u["id"] for u in listed]


def _include_members(http: httpx.Client) -> Any:
    group = create_group(http, members=(create_user(http)["id"],))
    query = {"filter": f'displayName eq "{group["displayName"]}"', "includeMembers": "true"}
    return "members" in http.get("/Groups", params=query).json()["Resources"][0]


def _eleven_emails(http: httpx.Client) -> Any:
    name = f"{uniq()}@example.com"
    emails = [{"primary": True, "type": "work", "value": name}]
    emails += [{"type": "other", "value": f"{i}.{name}"} for i in range(10)]
    return http.post("/Users", json=entra_user(name, emails=emails)).status_code


def _string_manager(http: httpx.Client) -> Any:
    boss, user = create_user(http), create_user(http)
    return patch(http, f"/Users/{user['id']}", op("add", f"{ENT}:manager", boss["id"])).status_code


def _manager_read_back(http: httpx.Client) -> Any:
    boss, user = create_user(http), create_user(http)
    patch(http, f"/Users/{user['id']}", op("add", f"{ENT}:manager", {"value": boss["id"]}))
    return dig(http.get(f"/Users/{user['id']}").json(), ENT, "manager") == boss["id"]


def _manager_kept(http: httpx.Client) -> Any:
    boss, user = create_user(http), create_user(http)
    patch(http, f"/Users/{user['id']}", op("add", f"{ENT}:manager", {"value": boss["id"]}))
    return dig(http.get(f"/Users/{user['id']}").json(), ENT, "manager", "value") == boss["id"]


def _encoded_role_added(http: httpx.Client) -> Any:
    user = create_user(http)
    encoded = '{"id":"a1","value":"Admin","displayName":"Admin"}'
    return patch(http, f"/Users/{user['id']}", op("Add", "roles", [{"value": encoded}])).status_code


def _primary_role_changed(http: httpx.Client) -> Any:
    user = create_user(http, roles=[{"primary": True, "type": "Role", "value": "Reader"}])
    patch(http, f"/Users/{user['id']}", op("replace", 'roles[primary eq "True"].value', "Admin"))
    return dig(http.get(f"/Users/{user['id']}").json(), "roles", 0, "value")


def _add_to_populated_group(http: httpx.Client) -> Any:
    first, second = create_user(http), create_user(http)
    group = create_group(http, members=(first["id"],))
    patch(http, f"/Groups/{group['id']}", op("add", "members", [{"value": second["id"]}]))
    return len(http.get(f"/Groups/{group['id']}").json().get("members", []))


def _readded_then_removed(http: httpx.Client) -> Any:
    member = create_user(http)
    group = create_group(http, members=(member["id"],))
    path = f"/Groups/{group['id']}"
    patch(http, path, op("Add", "members", [{"value": member["id"]}]))  # added again
    patch(http, path, op("Remove", "members", [{"value": member["id"]}]))
    return len(http.get(path).json().get("members", []))


def _rename_of_several(http: httpx.Client) -> Any:
    first, second = create_user(http), create_user(http)
    group = create_group(http, members=(first["id"], second["id"]))
    patch(http, f"/Groups/{group['id']}", op("replace", "displayName", uniq("renamed")))
    return len(http.get(f"/Groups/{group['id']}").json().get("members", []))


def _hidden_then_legacy_remove(http: httpx.Client) -> Any:
    leaving, staying = create_user(http), create_user(http)
    group = create_group(http, members=(leaving["id"], staying["id"]))
    shown = "members" in http.get(f"/Groups/{group['id']}").json()
    patch(http, f"/Groups/{group['id']}", op("Remove", "members", [{"value": leaving["id"]}]))
    member = f'id eq "{group["id"]}" and members[value eq "{staying["id"]}"]'
    return shown, http.get("/Groups", params={"filter": member}).json()["totalResults"]


def _inactive_matched(http: httpx.Client) -> Any:
    user = create_user(http, active=False)
    flt = {"filter": f'userName eq "{user["userName"]}"'}
    matched = http.get("/Users", params=flt).json()["totalResults"]
    return http.get(f"/Users/{user['id']}").status_code, matched


def _non_ascii_name(http: httpx.Client) -> Any:
    return http.post("/Users", json=entra_user(displayName="José O'Brien-Łukasiewicz")).status_code


def _escaped_quote_filter(http: httpx.Client) -> Any:
    return http.get("/Users", params={"filter": 'userName eq "a\\"b@example.com"'}).status_code


def _outer_spaces(http: httpx.Client) -> Any:
    user = create_user(http, displayName=" Ada ")
    return user["displayName"], http.get(f"/Users/{user['id']}").json()["displayName"]


def _mixed_case_user_name(http: httpx.Client) -> Any:
    sent = f"{uniq('Mixed')}@Example.com"
    return create_user(http, user_name=sent)["userName"] == sent


def _quoted_user_name(http: httpx.Client) -> Any:
    return http.post("/Users", json=entra_user(f'"{uniq()} \\"q"@example.com')).status_code


def _long_display_name(http: httpx.Client) -> Any:
    return len(create_user(http, displayName="x" * 100)["displayName"])


def _dropped_create(http: httpx.Client) -> Any:
    body = entra_user()
    try:
        answered = http.post("/Users", json=body).status_code
    except Exception as exc:  # httpx's, or httpcore's when in-process runs re-imported it
        if not is_transport_error(exc):
            raise
        answered = "no answer"
    query = {"filter": f'userName eq "{body["userName"]}"'}
    return answered, http.get("/Users", params=query).json()["totalResults"]


# (fault, probe, observation on a correct server, observation with the fault on)
# Entra's request variants.


def _lower_string_false(http: httpx.Client) -> Any:
    user = create_user(http)
    patch(http, f"/Users/{user['id']}", op("Replace", "active", "false"))
    return http.get(f"/Users/{user['id']}").json()["active"]


def _charset_create(http: httpx.Client) -> Any:
    content = json.dumps(entra_user())
    headers = {"Content-Type": "application/scim+json; charset=utf-8"}
    return http.post("/Users", content=content, headers=headers).status_code


def _string_active_create(http: httpx.Client) -> Any:
    return http.post("/Users", json=entra_user(active="False")).status_code


def _null_update(http: httpx.Client) -> Any:
    user = create_user(http)
    patch(http, f"/Users/{user['id']}", op("add", "title", "Engineer"))
    return patch(http, f"/Users/{user['id']}", op("replace", "title", None)).status_code


def _lower_remove_with_value(http: httpx.Client) -> Any:
    u1, u2 = create_user(http), create_user(http)
    group = create_group(http, members=(u1["id"], u2["id"]))
    body = patch(http, f"/Groups/{group['id']}", op("remove", "members", [{"value": u1["id"]}]))
    return len(body.json()["members"])


def _accept_any(http: httpx.Client) -> Any:
    params = {"filter": f'userName eq "{uuid.uuid4()}"'}
    bare = http.get("/Users", params=params, headers={"Accept": "*/*"}).status_code
    scim = http.get("/Users", params=params, headers={"Accept": SCIM_JSON}).status_code
    return bare, scim


def _eleventh_listed(http: httpx.Client) -> Any:
    for _ in range(11):
        create_user(http)
    body = http.get("/Users", params={"startIndex": "11", "count": "5"}).json()
    return len(body["Resources"]) > 0


def _given_name_cleared(http: httpx.Client) -> Any:
    user = create_user(http)
    patch(http, f"/Users/{user['id']}", op("replace", "name.givenName", ""))
    return dig(http.get(f"/Users/{user['id']}").json(), "name", "givenName") in ("", MISSING)


def _recreated_after_delete(http: httpx.Client) -> Any:
    user = create_user(http)
    http.delete(f"/Users/{user['id']}")
    return http.post("/Users", json=entra_user(user_name=user["userName"])).status_code


def _title_described(http: httpx.Client) -> Any:
    schemas = http.get("/Schemas").json()["Resources"]
    core = next(s for s in schemas if s["id"] == "urn:ietf:params:scim:schemas:core:2.0:User")
    return any(a["name"] == "title" for a in core["attributes"])


def _lower_rename_by_path(http: httpx.Client) -> Any:
    group = create_group(http)
    patch(http, f"/Groups/{group['id']}", op("replace", "displayName", f"{uniq('renamed')}"))
    return http.get(f"/Groups/{group['id']}").json()["displayName"] != group["displayName"]


def _token_lifetime(http: httpx.Client) -> Any:
    form = {"grant_type": "client_credentials", "client_id": "scim-conformance"}
    url = http.base_url.copy_with(path="/oauth/token", query=None)
    answer = http.post(url, data={**form, "client_secret": TOKEN}, headers={"Authorization": ""})
    return answer.json()["expires_in"]


FAULT_PROBES: list[tuple[Fault, Probe, Any, Any]] = [
    (Fault.CREATE_RETURNS_200, _status_of_create, 201, 200),
    (Fault.FILTER_IGNORED, _filter_finds_only_one, 1, 2),
    (Fault.USERNAME_CASE_SENSITIVE, _upper_case_filter, (1, 409), (0, 409)),
    (Fault.NO_CONFLICT, _duplicate_create, 409, 201),
    (Fault.PATCH_OPS_CASE_SENSITIVE, _capitalised_op, (200, None), (400, "invalidSyntax")),
    (Fault.REJECT_STRING_BOOLEANS, _string_false, (200, None), (400, "invalidValue")),
    (Fault.FILTER_PATH_PATCH_IGNORED, _filter_path_patch, True, False),
    (Fault.DEACTIVATE_IGNORED, _deactivate, (200, False), (200, True)),
    (Fault.DELETE_NOOP, _delete_then_get, (204, 404), (204, 200)),
    (
        Fault.NOT_FOUND_WITHOUT_SCIM_BODY,
        _unknown_id_media_type,
        (404, SCIM_JSON),
        (404, "text/html"),
    ),
    (Fault.AUTH_NOT_ENFORCED, _anonymous, (401, 401), (200, 401)),
    (Fault.WRONG_TOKEN_ACCEPTED, _wrong_token, (401, 401), (200, 401)),
    (Fault.STALE_PATCH_BODY, _patch_body, ("After", "After"), ("Before", "After")),
    (Fault.EMPTY_FILTER_404, _empty_filter, (200, 200), (404, 404)),
    (Fault.DOTTED_KEYS_LITERAL, _dotted_keys, ("Kkom", False, "42"), ("Given", True, MISSING)),
    (Fault.INACTIVE_HIDDEN, _inactive, (200, 1), (404, 0)),
    (Fault.EXTERNALID_FILTER_UNSUPPORTED, _external_id_filter, (200, None), (400, "invalidFilter")),
    (Fault.ERROR_STATUS_INTEGER, _error_status_type, "str", "int"),
    (Fault.REJECT_CLIENT_META, _entra_create, 201, 400),
    (Fault.ADD_MISSING_ELEMENT_FAILS, _add_missing_element, (200, None), (400, "noTarget")),
    (Fault.MANAGER_UNSUPPORTED, _manager, (200, None), (400, "invalidPath")),
    (Fault.ENTERPRISE_IGNORED, _enterprise, ("Ops", True), (MISSING, True)),
    (Fault.LEGACY_REMOVE_EMPTIES_GROUP, _legacy_remove, 1, 0),
    (Fault.GROUP_EXCLUDED_ATTRIBUTES_IGNORED, _excluded_members, (False, False), (True, True)),
    (Fault.WRONG_CONTENT_TYPE, _media_type, SCIM_JSON, "text/plain"),
    (Fault.JSON_CONTENT_TYPE, _media_type, SCIM_JSON, "application/json"),
    (Fault.PAGINATION_IGNORED, _paging, (2, 1), (1, 3)),
    (Fault.DELETE_TWICE_204, _delete_unknown, 404, 204),
    (Fault.GROUP_NO_CONFLICT, _duplicate_group, 409, 201),
    (Fault.GROUP_EMPTY_FILTER_404, _group_probe, (200, 200), (404, 200)),
    (Fault.RENAME_DROPS_MEMBERS, _rename_keeps_members, 1, 0),
    (Fault.ATTRIBUTES_IGNORED, _attributes, (False, False), (True, True)),
    (Fault.DISCOVERY_MISSING, _discovery, (200, 200, 200), (404, 404, 200)),
    (Fault.SCHEMAS_WITHOUT_GROUP, _schema_ids, True, False),
    (Fault.SPC_DENIES_PATCH, _spc_patch, True, False),
    (Fault.NO_GROUPS, lambda http: http.get("/Groups").status_code, 200, 404),
    # Faults only the property-based checks catch (kind "properties" in support/variants.py).
    (Fault.NON_ASCII_NAME_500, _non_ascii_name, 201, 500),
    (Fault.FILTER_ESCAPED_QUOTE_400, _escaped_quote_filter, 200, 400),
    (Fault.TRIMS_NAMES, _outer_spaces, (" Ada ", " Ada "), ("Ada", "Ada")),
    (Fault.LOWERCASES_USER_NAME, _mixed_case_user_name, True, False),
    (Fault.TRUNCATES_LONG_NAMES, _long_display_name, 100, 64),
    (Fault.REFUSES_EXOTIC_INPUT, _quoted_user_name, 201, 400),
    # Webex behaviours, checked by the suite under the Webex rules (kind "webex" there).
    (Fault.USERNAME_EMAIL_RULES_IGNORED, _webex_email_rules, (400, 400), (201, 201)),
    (Fault.USERNAME_UNIQUE_CASE_SENSITIVE, _upper_case_duplicate, 409, 201),
    (Fault.CISCO_EXTENSION_DROPPED, _cisco_kept, True, False),
    (Fault.UNKNOWN_SCHEMA_REJECTED, _unknown_schema, 201, 400),
    (Fault.READ_ONLY_INPUT_REJECTED, _read_only_input, 201, 400),
    (Fault.USER_TYPE_REQUIRED, _without_user_type, 201, 400),
    (Fault.USER_TYPE_NOT_DEFAULTED, _user_type_default, "user", MISSING),
    (Fault.FILTER_EQ_ONLY, _sw_filter, 200, 400),
    (Fault.PATCH_NO_TARGET_IGNORED, _remove_without_path, 400, 200),
    (Fault.NO_CISCO_ERROR_EXTENSION, _cisco_error, True, False),
    (Fault.THROTTLES_WITHOUT_RETRY_AFTER, _throttled, (False, False), (True, False)),
    (Fault.INACTIVE_UNLISTED, _inactive_listed, True, False),
    (Fault.INCLUDE_MEMBERS_IGNORED, _include_members, True, False),
    (Fault.SIZE_LIMITS_IGNORED, _eleven_emails, 400, 201),
    (Fault.SCHEMAS_OMIT_CISCO, _cisco_listed, True, False),
    (Fault.EMPTY_TRACKING_ID, _tracking_id, True, False),
    (Fault.MANAGER_STRING_REJECTED, _string_manager, 200, 400),
    (Fault.MANAGER_READ_AS_STRING, _manager_read_back, False, True),
    (Fault.INACTIVE_UNMATCHED, _inactive_matched, (200, 1), (200, 0)),
    (Fault.ADD_REPLACES_MEMBERS, _add_to_populated_group, 2, 1),
    (Fault.HIDDEN_MEMBERS_LEGACY_REMOVE_EMPTIES, _hidden_then_legacy_remove, (True, 1), (False, 0)),
    (Fault.MANAGER_IGNORED, _manager_kept, True, False),
    (Fault.READDED_MEMBER_DUPLICATED, _readded_then_removed, 0, 1),
    (Fault.RENAME_KEEPS_ONE_MEMBER, _rename_of_several, 2, 1),
    (Fault.ROLES_ENCODED_VALUE_REFUSED, _encoded_role_added, 200, 400),
    (Fault.ROLES_PRIMARY_FILTER_IGNORED, _primary_role_changed, "Admin", "Reader"),
    (
        Fault.REFUSES_EMAIL_PRIMARY,
        _narrower_create,
        (201, None, 201),
        (400, "Extra inputs are not permitted: emails[0].primary", 201),
    ),
    (Fault.REFUSES_EMAILS_ON_CREATE, _create_without_emails, (201, 201), (400, 201)),
    (Fault.GROUP_MEMBERS_REQUIRED, _group_without_members, (201, 201), (400, 201)),
    (Fault.REFUSES_NULL_MEMBER_REF, _null_member_ref, (200, 200), (400, 200)),
    (Fault.LOWER_STRING_BOOLEAN_IGNORED, _lower_string_false, False, True),
    (Fault.CHARSET_REFUSED, _charset_create, 201, 415),
    (Fault.POST_STRING_BOOLEAN_REFUSED, _string_active_create, 201, 400),
    (Fault.NULL_UPDATE_500, _null_update, 200, 500),
    (Fault.LOWER_REMOVE_WITH_VALUE_IGNORED, _lower_remove_with_value, 1, 2),
    (Fault.ACCEPT_WITHOUT_JSON_406, _accept_any, (200, 200), (406, 200)),
    (Fault.PAGES_CAPPED_AT_10, _eleventh_listed, True, False),
    (Fault.CLEAR_SUB_ATTRIBUTE_IGNORED, _given_name_cleared, True, False),
    (Fault.NAMES_RESERVED_AFTER_DELETE, _recreated_after_delete, 201, 409),
    (Fault.SCHEMAS_OMIT_TITLE, _title_described, True, False),
    (Fault.GROUP_LOWER_RENAME_BY_PATH_IGNORED, _lower_rename_by_path, True, False),
    (Fault.TOKEN_LIFETIME_24H, _token_lifetime, 3600, 86400),
    (Fault.CREATE_COMMITS_THEN_DROPS, _dropped_create, (201, 1), ("no answer", 1)),
]
