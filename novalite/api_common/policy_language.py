"""oslo.policy's rule language: parse a check string once into a tree of checks.

Grammar (``and`` binds tighter than ``or``, ``not`` tighter than both; keywords are
case-insensitive; tokens are separated by white space, parentheses may touch them)::

    expr     := and_expr ("or" and_expr)*
    and_expr := not_expr ("and" not_expr)*
    not_expr := "not" not_expr | "(" expr ")" | check
    check    := "@" | "!" | "role:" NAME | "rule:" NAME | KEY ":" VALUE

An empty check string always passes, as in oslo.policy. ``KEY:VALUE`` compares the
credential ``KEY`` (dotted paths walk nested dicts, lists match any element) with
``VALUE`` after ``%(name)s`` substitution from the target (a target key is looked up
first literally, so flattened keys such as ``target.user.id`` work, then as a dotted
path). ``KEY`` may also be a Python literal (``'member':%(role)s``, ``True:%(flag)s``).

One deliberate difference from oslo: a credential that is ``None`` never matches, so an
unscoped token does not satisfy ``project_id:%(project_id)s`` against a target whose
project is also unknown.
"""

from __future__ import annotations

import ast
import dataclasses
import logging
import re
from collections.abc import Callable, Mapping
from typing import Any

LOG = logging.getLogger(__name__)

#: Looks a rule up by name for ``rule:`` checks (None when there is no such rule).
RuleResolver = Callable[[str], "Check | None"]

_SUBST = re.compile(r"%\(([^)]+)\)s")
_MAX_RULE_DEPTH = 32


class PolicyParseError(ValueError):
    """A check string is not valid in the rule language."""


class Check:
    """A node of a parsed rule; calling it decides the rule for one request."""

    def __call__(
        self,
        target: Mapping[str, Any],
        creds: Mapping[str, Any],
        resolve: RuleResolver,
        depth: int = 0,
    ) -> bool:
        raise NotImplementedError


@dataclasses.dataclass(frozen=True)
class TrueCheck(Check):
    """``@``: always passes."""

    def __call__(
        self,
        target: Mapping[str, Any],
        creds: Mapping[str, Any],
        resolve: RuleResolver,
        depth: int = 0,
    ) -> bool:
        return True

    def __str__(self) -> str:
        return "@"


@dataclasses.dataclass(frozen=True)
class FalseCheck(Check):
    """``!``: never passes."""

    def __call__(
        self,
        target: Mapping[str, Any],
        creds: Mapping[str, Any],
        resolve: RuleResolver,
        depth: int = 0,
    ) -> bool:
        return False

    def __str__(self) -> str:
        return "!"


@dataclasses.dataclass(frozen=True)
class NotCheck(Check):
    """``not X``."""

    rule: Check

    def __call__(
        self,
        target: Mapping[str, Any],
        creds: Mapping[str, Any],
        resolve: RuleResolver,
        depth: int = 0,
    ) -> bool:
        return not self.rule(target, creds, resolve, depth)

    def __str__(self) -> str:
        return f"not {self.rule}"


@dataclasses.dataclass(frozen=True)
class AndCheck(Check):
    """``A and B and ...``: every sub-rule passes (evaluated left to right, short-circuit)."""

    rules: tuple[Check, ...]

    def __call__(
        self,
        target: Mapping[str, Any],
        creds: Mapping[str, Any],
        resolve: RuleResolver,
        depth: int = 0,
    ) -> bool:
        return all(rule(target, creds, resolve, depth) for rule in self.rules)

    def __str__(self) -> str:
        return "(" + " and ".join(str(r) for r in self.rules) + ")"


@dataclasses.dataclass(frozen=True)
class OrCheck(Check):
    """``A or B or ...``: at least one sub-rule passes."""

    rules: tuple[Check, ...]

    def __call__(
        self,
        target: Mapping[str, Any],
        creds: Mapping[str, Any],
        resolve: RuleResolver,
        depth: int = 0,
    ) -> bool:
        return any(rule(target, creds, resolve, depth) for rule in self.rules)

    def __str__(self) -> str:
        return "(" + " or ".join(str(r) for r in self.rules) + ")"


def _lookup(data: Any, key: str) -> tuple[bool, Any]:
    """Find ``key`` in ``data``: literally first, then as a dotted path."""
    if isinstance(data, Mapping) and key in data:
        return True, data[key]
    value = data
    for part in key.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return False, None
        value = value[part]
    return True, value


def _substitute(match: str, target: Mapping[str, Any]) -> str | None:
    """Replace every ``%(key)s`` in ``match`` from ``target``; None if a key is missing."""
    missing = False

    def repl(m: re.Match[str]) -> str:
        nonlocal missing
        found, value = _lookup(target, m.group(1))
        if not found:
            missing = True
            return ""
        return str(value)

    result = _SUBST.sub(repl, match)
    return None if missing else result


@dataclasses.dataclass(frozen=True)
class RoleCheck(Check):
    """``role:name``: the caller holds the role (case-insensitive)."""

    match: str

    def __call__(
        self,
        target: Mapping[str, Any],
        creds: Mapping[str, Any],
        resolve: RuleResolver,
        depth: int = 0,
    ) -> bool:
        match: str | None = self.match
        if "%(" in self.match:
            match = _substitute(self.match, target)
            if match is None:
                return False
        wanted = str(match).lower()
        return any(str(role).lower() == wanted for role in creds.get("roles") or ())

    def __str__(self) -> str:
        return f"role:{self.match}"


@dataclasses.dataclass(frozen=True)
class RuleCheck(Check):
    """``rule:name``: the named rule passes (a missing rule fails)."""

    name: str

    def __call__(
        self,
        target: Mapping[str, Any],
        creds: Mapping[str, Any],
        resolve: RuleResolver,
        depth: int = 0,
    ) -> bool:
        if depth >= _MAX_RULE_DEPTH:
            LOG.error("Policy rule %s nests rules too deeply (a loop?); denying", self.name)
            return False
        rule = resolve(self.name)
        if rule is None:
            LOG.warning("Policy refers to rule %s, which is not defined; denying", self.name)
            return False
        return rule(target, creds, resolve, depth + 1)

    def __str__(self) -> str:
        return f"rule:{self.name}"


def _matches(value: Any, path: list[str], match: str) -> bool:
    """oslo's walk of a credential path: lists match when any element matches."""
    if isinstance(value, (list, tuple)):
        return any(_matches(v, path, match) for v in value)
    if not path:
        if value is None:
            return False
        return match == str(value)
    if not isinstance(value, Mapping) or path[0] not in value:
        return False
    return _matches(value[path[0]], path[1:], match)


@dataclasses.dataclass(frozen=True)
class GenericCheck(Check):
    """``key:value``: a credential (or a literal) equals a value (or a target field)."""

    kind: str
    match: str

    def __call__(
        self,
        target: Mapping[str, Any],
        creds: Mapping[str, Any],
        resolve: RuleResolver,
        depth: int = 0,
    ) -> bool:
        match = _substitute(self.match, target) if "%(" in self.match else self.match
        if match is None:
            return False
        try:
            literal = ast.literal_eval(self.kind)
        except (ValueError, SyntaxError):
            pass
        else:
            return match == str(literal)
        if self.kind in creds:
            return _matches(creds[self.kind], [], match)
        return _matches(creds, self.kind.split("."), match)

    def __str__(self) -> str:
        return f"{self.kind}:{self.match}"


def _make_check(token: str) -> Check:
    if token == "@":
        return TrueCheck()
    if token == "!":
        return FalseCheck()
    kind, sep, match = token.partition(":")
    if not sep or not kind:
        raise PolicyParseError(f"cannot understand check {token!r}")
    if kind == "role":
        return RoleCheck(match)
    if kind == "rule":
        return RuleCheck(match)
    if kind in ("http", "https"):
        raise PolicyParseError(f"remote checks ({kind}:) are not supported")
    return GenericCheck(kind, match)


def tokenize(check_str: str) -> list[str]:
    """Split a check string into ``(``, ``)``, keywords (lower-cased) and checks."""
    tokens: list[str] = []
    for word in check_str.split():
        stripped = word.lstrip("(")
        tokens.extend("(" * (len(word) - len(stripped)))
        core = stripped.rstrip(")")
        # ``%(key)s`` ends with "s", so only parentheses that close groups are stripped here.
        trailing = len(stripped) - len(core)
        if core:
            tokens.append(core.lower() if core.lower() in ("and", "or", "not") else core)
        tokens.extend(")" * trailing)
    return tokens


class _Parser:
    """Recursive descent over the token list."""

    def __init__(self, tokens: list[str], source: str) -> None:
        self.tokens = tokens
        self.pos = 0
        self.source = source

    def peek(self) -> str | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> str:
        token = self.peek()
        if token is None:
            raise PolicyParseError(f"unexpected end of rule {self.source!r}")
        self.pos += 1
        return token

    def parse(self) -> Check:
        check = self.expr()
        if self.peek() is not None:
            raise PolicyParseError(f"unexpected {self.peek()!r} in rule {self.source!r}")
        return check

    def expr(self) -> Check:
        rules = [self.and_expr()]
        while self.peek() == "or":
            self.take()
            rules.append(self.and_expr())
        return rules[0] if len(rules) == 1 else OrCheck(tuple(rules))

    def and_expr(self) -> Check:
        rules = [self.not_expr()]
        while self.peek() == "and":
            self.take()
            rules.append(self.not_expr())
        return rules[0] if len(rules) == 1 else AndCheck(tuple(rules))

    def not_expr(self) -> Check:
        token = self.take()
        if token == "not":
            return NotCheck(self.not_expr())
        if token == "(":
            inner = self.expr()
            if self.take() != ")":
                raise PolicyParseError(f"missing ')' in rule {self.source!r}")
            return inner
        if token in (")", "and", "or"):
            raise PolicyParseError(f"unexpected {token!r} in rule {self.source!r}")
        return _make_check(token)


def parse_rule(check_str: str) -> Check:
    """Parse a check string; raise :class:`PolicyParseError` when it is not valid."""
    tokens = tokenize(check_str)
    if not tokens:
        return TrueCheck()
    return _Parser(tokens, check_str).parse()
