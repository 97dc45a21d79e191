"""JSON Schema (draft 2020-12) validation of SCIM bodies against the schemas in ``schemas/``.

The schema files ship as the package ``scim_conformance.schema_files`` once installed; in a source
checkout they are read from the repository's top-level ``schemas/`` directory instead. ``$ref``
between the files resolves through an in-memory :class:`referencing.Registry`, never the network.
"""

from __future__ import annotations

import copy
import functools
import json
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, best_match
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

__all__ = ["SCHEMA_NAMES", "SchemaViolation", "load_schema", "validate"]

_FILES: dict[str, str] = {
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
SCHEMA_NAMES: tuple[str, ...] = tuple(_FILES)

_PACKAGE = "scim_conformance.schema_files"
_SOURCE_DIR = Path(__file__).resolve().parents[2] / "schemas"
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_MAX_REPR = 120
_MAX_MESSAGE = 400


@dataclass(frozen=True)
class SchemaViolation:
    """One failed JSON Schema assertion, located by a JSON path such as ``$.emails[0].primary``."""

    path: str
    keyword: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message} (keyword: {self.keyword})"


def _filename(schema_name: str) -> str:
    try:
        return _FILES[schema_name]
    except KeyError:
        known = ", ".join(SCHEMA_NAMES)
        raise KeyError(f"unknown schema {schema_name!r}; known schemas: {known}") from None


def _read(filename: str) -> str:
    try:
        return resources.files(_PACKAGE).joinpath(filename).read_text(encoding="utf-8")
    except ModuleNotFoundError:  # source checkout: the package mapping exists only once installed
        return (_SOURCE_DIR / filename).read_text(encoding="utf-8")


@functools.cache
def _contents(filename: str) -> dict[str, Any]:
    data = json.loads(_read(filename))
    if not isinstance(data, dict):
        raise TypeError(f"{filename}: a JSON Schema file must hold an object")
    return data


@functools.cache
def _registry() -> Registry[Any]:
    """All schema files keyed by their ``$id``; there is no retrieve hook, so no network."""
    pairs: list[tuple[str, Resource[Any]]] = []
    for filename in _FILES.values():
        contents = _contents(filename)
        pairs.append((contents["$id"], DRAFT202012.create_resource(contents)))
    return Registry().with_resources(pairs).crawl()


@functools.cache
def _validator(schema_name: str) -> Draft202012Validator:
    filename = _filename(schema_name)
    return Draft202012Validator(_inlined(filename, _contents(filename)), registry=_registry())


# Keywords whose value maps names (not keywords) to subschemas: a property called "$ref"
# (a member's or a manager's reference) is a name there, not a reference.
_NAMED_SUBSCHEMAS = frozenset({"properties", "patternProperties", "$defs", "dependentSchemas"})
# Keywords whose value is data, never a schema: a "$ref" inside is a value, left as it is.
_DATA_KEYWORDS = frozenset({"const", "enum", "default", "examples"})
_DOCUMENT_KEYWORDS = ("$id", "$schema", "$defs")


def _inlined(filename: str, schema: Any, seen: tuple[str, ...] = ()) -> Any:
    """`schema` (a part of `filename`) with every `$ref` replaced by the subschema it points
    to, except a reference back into its own chain (left as an absolute `$ref`, which the
    registry resolves): the same verdicts, without a registry lookup per reference at every
    validation (they were about half of the time a body's validation took)."""
    if isinstance(schema, list):
        return [_inlined(filename, item, seen) for item in schema]
    if not isinstance(schema, dict):
        return schema
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key == "$ref":
            continue
        if key in _DATA_KEYWORDS:
            out[key] = value
        elif key in _NAMED_SUBSCHEMAS and isinstance(value, dict):
            out[key] = {name: _inlined(filename, sub, seen) for name, sub in value.items()}
        else:
            out[key] = _inlined(filename, value, seen)
    reference = schema.get("$ref")
    if not isinstance(reference, str):
        return out
    target_file, _, pointer = reference.partition("#")
    target_file = target_file or filename
    uri = f"{_contents(target_file)['$id']}#{pointer}"
    if uri in seen:  # recursive: resolved at validation time, from anywhere it now sits
        return {"$ref": uri, **out}
    target: Any = _contents(target_file)
    for part in filter(None, pointer.split("/")):
        target = target[part.replace("~1", "/").replace("~0", "~")]
    resolved = _inlined(target_file, target, (*seen, uri))
    if isinstance(resolved, dict):
        resolved = {k: v for k, v in resolved.items() if k not in _DOCUMENT_KEYWORDS}
    # Keywords beside a `$ref` apply together with it (draft 2020-12), as in an allOf.
    return {"allOf": [resolved], **out} if out else resolved


def load_schema(schema_name: str) -> dict[str, Any]:
    """Return (a copy of) the named schema document; KeyError for an unknown name."""
    return copy.deepcopy(_contents(_filename(schema_name)))


def _json_path(error: ValidationError) -> str:
    parts = ["$"]
    for element in error.absolute_path:
        if isinstance(element, int):
            parts.append(f"[{element}]")
        elif _IDENTIFIER.match(element):
            parts.append(f".{element}")
        else:
            parts.append(f"[{json.dumps(element)}]")
    return "".join(parts)


def _path_key(error: ValidationError) -> tuple[tuple[int, int, str], ...]:
    return tuple((0, e, "") if isinstance(e, int) else (1, 0, str(e)) for e in error.absolute_path)


def _message(error: ValidationError) -> str:
    message = error.message
    shown = repr(error.instance)
    if len(shown) > _MAX_REPR and shown in message:
        message = message.replace(shown, shown[: _MAX_REPR - 3] + "...")
    if len(message) > _MAX_MESSAGE:  # e.g. a long enum or a schema echoed by "not"
        message = message[: _MAX_MESSAGE - 3] + "..."
    return message


def validate(instance: object, schema_name: str) -> list[SchemaViolation]:
    """Every violation of the named schema, sorted by instance path; ``[]`` when valid."""
    validator = _validator(schema_name)
    found: dict[SchemaViolation, tuple[tuple[tuple[int, int, str], ...], str, str]] = {}
    for raw in validator.iter_errors(instance):
        error = raw
        if raw.validator in ("anyOf", "oneOf") and raw.context:
            error = best_match([raw]) or raw
        keyword = str(error.validator) if error.validator is not None else "false"
        violation = SchemaViolation(_json_path(error), keyword, _message(error))
        found.setdefault(violation, (_path_key(error), keyword, violation.message))
    return sorted(found, key=found.__getitem__)
