"""SCIM filter parser (RFC 7644 §3.4.2.2) and PATCH path parser (RFC 7644 §3.5.2)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, TypeAlias

from .paths import AttrPath, parse_attr_path

COMPARE_OPS = frozenset({"eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le"})
ORDER_OPS = frozenset({"gt", "ge", "lt", "le"})
_NUMBER = re.compile(r"^-?\d+(\.\d+)?([eE][-+]?\d+)?$")
_PUNCT = "()[]"


class FilterError(ValueError):
    """A filter or path that does not parse; the caller picks the scimType."""


@dataclass(frozen=True)
class Compare:
    """`attrPath compareOp compValue`; `raw` keeps a bare (unquoted) token's text."""

    path: AttrPath
    op: str
    value: Any
    raw: str | None = None


@dataclass(frozen=True)
class Present:
    """`attrPath pr`."""

    path: AttrPath


@dataclass(frozen=True)
class Logical:
    """`left and right` / `left or right`."""

    op: str
    left: Node
    right: Node


@dataclass(frozen=True)
class Not:
    """`not (filter)`."""

    inner: Node


@dataclass(frozen=True)
class ValuePath:
    """`attrPath[valFilter]`: some element of a multi-valued attribute matches `inner`."""

    path: AttrPath
    inner: Node


Node: TypeAlias = Compare | Present | Logical | Not | ValuePath


@dataclass(frozen=True)
class PatchPath:
    """RFC 7644 §3.5.2 PATH = attrPath / valuePath [subAttr]."""

    attr: AttrPath
    filter: Node | None = None
    sub: str | None = None


@dataclass(frozen=True)
class _Token:
    """One lexical token."""

    kind: str  # one of "()[]", "str" or "word"
    text: str
    value: Any = None


def _tokenize(text: str) -> list[_Token]:
    """Split into brackets, JSON strings and bare words (attribute paths, operators, literals)."""
    tokens: list[_Token] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char.isspace():
            i += 1
        elif char in _PUNCT:
            tokens.append(_Token(char, char))
            i += 1
        elif char == '"':
            end = i + 1
            while end < len(text) and text[end] != '"':
                end += 2 if text[end] == "\\" else 1
            if end >= len(text):
                raise FilterError("unterminated string")
            try:
                # compValue strings are JSON strings (RFC 7644 §3.4.2.2), escapes included.
                tokens.append(_Token("str", text[i : end + 1], json.loads(text[i : end + 1])))
            except json.JSONDecodeError as exc:
                raise FilterError(f"bad string {text[i : end + 1]}") from exc
            i = end + 1
        else:
            end = i
            while end < len(text) and not text[end].isspace() and text[end] not in _PUNCT + '"':
                end += 1
            tokens.append(_Token("word", text[i:end]))
            i = end
    return tokens


class _Parser:
    """Recursive descent with RFC 7644 precedence: not > and > or."""

    def __init__(self, text: str) -> None:
        self.tokens = _tokenize(text)
        self.pos = 0

    def peek(self, offset: int = 0) -> _Token | None:
        """The token `offset` ahead, or None at the end."""
        index = self.pos + offset
        return self.tokens[index] if index < len(self.tokens) else None

    def keyword(self, word: str) -> bool:
        """Whether the next token is this keyword (case-insensitive, RFC 7644 §3.4.2.2)."""
        token = self.peek()
        return token is not None and token.kind == "word" and token.text.lower() == word

    def take(self, kind: str) -> _Token:
        """Consume a token of this kind or fail."""
        token = self.peek()
        if token is None or token.kind != kind:
            raise FilterError(f"expected {kind!r} but found {token.text if token else 'end'!r}")
        self.pos += 1
        return token

    def done(self) -> None:
        """Fail unless every token was consumed."""
        if self.peek() is not None:
            raise FilterError(f"unexpected {self.tokens[self.pos].text!r}")

    def or_expr(self) -> Node:
        """`and_expr *("or" and_expr)`: or binds loosest."""
        node = self.and_expr()
        while self.keyword("or"):
            self.pos += 1
            node = Logical("or", node, self.and_expr())
        return node

    def and_expr(self) -> Node:
        """`unary *("and" unary)`."""
        node = self.unary()
        while self.keyword("and"):
            self.pos += 1
            node = Logical("and", node, self.unary())
        return node

    def unary(self) -> Node:
        """`"not" unary`, `"(" filter ")"` or an attribute expression."""
        if self.keyword("not"):
            self.pos += 1
            return Not(self.unary())
        token = self.peek()
        if token is not None and token.kind == "(":
            self.pos += 1
            node = self.or_expr()
            self.take(")")
            return node
        return self.attr_expr()

    def attr_path(self) -> AttrPath:
        """An attribute path token."""
        return _attr(self.take("word").text)

    def attr_expr(self) -> Node:
        """`attrPath op value`, `attrPath pr` or `attrPath "[" valFilter "]"`."""
        path = self.attr_path()
        token = self.peek()
        if token is not None and token.kind == "[":
            self.pos += 1
            inner = self.or_expr()
            self.take("]")
            after = self.peek()
            if after is None or after.kind != "word" or not after.text.startswith("."):
                return ValuePath(path, inner)
            # Entra's `emails[type eq "work"].value eq "x"` (Microsoft's SCIM tutorial): the
            # comparison applies to the same element the bracket filter selected.
            self.pos += 1
            sub = _attr(after.text[1:])
            return ValuePath(path, Logical("and", inner, self.comparison(sub)))
        return self.comparison(path)

    def comparison(self, path: AttrPath) -> Node:
        """The operator and compValue after an attribute path."""
        op_token = self.take("word")
        op = op_token.text.lower()
        if op == "pr":
            return Present(path)
        if op not in COMPARE_OPS:
            raise FilterError(f"unknown operator {op_token.text!r}")
        token = self.peek()
        if token is None or token.kind not in ("str", "word"):
            raise FilterError(f"missing value after {op_token.text!r}")
        self.pos += 1
        value, raw = (token.value, None) if token.kind == "str" else _literal(token.text)
        # RFC 7644 §3.4.2.2: gt/ge/lt/le on booleans are invalid; co/sw/ew need strings.
        if op in ORDER_OPS and (value is None or isinstance(value, bool)):
            raise FilterError(f"{op} needs a string, number or date")
        if op in ("co", "sw", "ew") and not isinstance(value, str):
            raise FilterError(f"{op} needs a string")
        return Compare(path, op, value, raw)


def _attr(text: str) -> AttrPath:
    """An attribute path, with parse failures reported as FilterError."""
    try:
        return parse_attr_path(text)
    except ValueError as exc:
        raise FilterError(str(exc)) from exc


def _literal(text: str) -> tuple[Any, str | None]:
    """A bare compValue: true/false/null, a number, or (Entra legacy) an unquoted string."""
    lowered = text.lower()
    if lowered in ("true", "false"):
        return lowered == "true", None
    if lowered == "null":
        return None, None
    if _NUMBER.match(text):
        return (float(text) if any(c in text for c in ".eE") else int(text)), text
    if text.lower() in ("and", "or", "not") or text.startswith("."):
        raise FilterError(f"missing value before {text!r}")
    # `externalId eq jyoung` (an older Microsoft SCIM tutorial's example) is tolerated as a string.
    return text, text


def parse_filter(text: str) -> Node:
    """Parse a filter expression; raises FilterError."""
    parser = _Parser(text)
    if parser.peek() is None:
        raise FilterError("empty filter")
    node = parser.or_expr()
    parser.done()
    return node


def parse_path(text: str) -> PatchPath:
    """Parse a PATCH path such as `emails[type eq "work"].value`; raises FilterError."""
    parser = _Parser(text)
    attr = parser.attr_path()
    if parser.peek() is None:
        return PatchPath(attr)
    parser.take("[")
    if attr.sub is not None:
        raise FilterError("a value filter must follow a top-level attribute")
    inner = parser.or_expr()
    parser.take("]")
    sub: str | None = None
    token = parser.peek()
    if token is not None and token.kind == "word" and token.text.startswith("."):
        parser.pos += 1
        sub = _attr(token.text[1:]).name
    parser.done()
    return PatchPath(attr, inner, sub)


def mentions(node: Node, name: str) -> bool:
    """Whether any attribute path in the filter has this (case-insensitive) name."""
    if isinstance(node, Logical):
        return mentions(node.left, name) or mentions(node.right, name)
    if isinstance(node, Not):
        return mentions(node.inner, name)
    if isinstance(node, ValuePath):
        return node.path.name.lower() == name.lower() or mentions(node.inner, name)
    return node.path.name.lower() == name.lower()
