"""Parsing the query string of ``GET /allocation_candidates`` for a microversion (1.10-1.39).

The accepted keys follow upstream placement's query schemas (they change at 1.16, 1.17, 1.21,
1.25, 1.31, 1.33, 1.35 and 1.36); value syntax and error messages follow upstream's
``placement/lib.py`` and ``placement/util.py``. Everything wrong is a
:class:`~.request.CandidateQueryError` (400), never anything else.
"""

from __future__ import annotations

import functools
import json
import pathlib
import re
import uuid
from collections.abc import Iterable, Mapping
from typing import Any

import jsonschema

from novalite.builtin.placement.candidates.request import (
    CandidateQueryError,
    CandidateRequest,
    RequestGroup,
)

Version = tuple[int, int]

BAD_VALUE = "placement.query.bad_value"
MISSING_VALUE = "placement.query.missing_value"
DUPLICATE_KEY = "placement.query.duplicate_key"

_SCHEMA_FILE = pathlib.Path(__file__).parent.parent / "schemas" / "allocation_candidate.json"
_SCHEMA_VERSIONS: tuple[Version, ...] = (
    (1, 36),
    (1, 35),
    (1, 33),
    (1, 31),
    (1, 25),
    (1, 21),
    (1, 17),
    (1, 16),
)
_PREFIXES = "resources|required|member_of|in_tree"
_KEY_NUMERIC = re.compile(rf"^({_PREFIXES})([1-9][0-9]*)?$")
_KEY_VERBOSE = re.compile(rf"^({_PREFIXES})([a-zA-Z0-9_-]{{1,64}})?$")
_RESOURCES_FORM = (
    "Badly formed resources parameter. Expected resources query string parameter in form: "
    "?resources=VCPU:2,MEMORY_MB:1024. Got: {got}."
)


@functools.cache
def _schemas() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(_SCHEMA_FILE.read_text())
    return loaded


def schema_name(version: Version) -> str:
    """Name of the query schema in force at ``version``."""
    for at in _SCHEMA_VERSIONS:
        if version >= at:
            return f"GET_SCHEMA_{at[0]}_{at[1]}"
    return "GET_SCHEMA_1_10"


@functools.cache
def _validator(name: str) -> Any:
    schema = _schemas()[name]
    return jsonschema.validators.validator_for(schema)(schema)


def _validate_keys(items: list[tuple[str, str]], version: Version) -> None:
    last: dict[str, str] = dict(items)
    error = jsonschema.exceptions.best_match(_validator(schema_name(version)).iter_errors(last))
    if error is not None:
        raise CandidateQueryError(f"Invalid query string parameters: {error.message}")


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def parse_resources(value: str) -> dict[str, int]:
    """``VCPU:2,MEMORY_MB:1024`` -> ``{"VCPU": 2, "MEMORY_MB": 1024}``."""
    if not value.strip():
        raise CandidateQueryError(_RESOURCES_FORM.format(got="empty string"), BAD_VALUE)
    result: dict[str, int] = {}
    for item in value.split(","):
        name, sep, amount_text = item.partition(":")
        if not sep or ":" in amount_text:
            raise CandidateQueryError(_RESOURCES_FORM.format(got=item), BAD_VALUE)
        try:
            amount = int(amount_text)
        except ValueError:
            raise CandidateQueryError(
                f"Requested resource {name} expected positive integer amount. Got: {amount_text}.",
                BAD_VALUE,
            ) from None
        if amount < 1:
            raise CandidateQueryError(
                f"Requested resource {name} requires amount >= 1. Got: {amount}.", BAD_VALUE
            )
        result[name] = amount
    return result


def _bad_traits(value: str, allow_forbidden: bool) -> CandidateQueryError:
    form = "HW_CPU_X86_VMX,!CUSTOM_MAGIC" if allow_forbidden else "HW_CPU_X86_VMX,CUSTOM_MAGIC"
    return CandidateQueryError(
        "Invalid query string parameters: Expected 'required' parameter value of the form: "
        f"{form}. Got: {value}",
        BAD_VALUE,
    )


def parse_traits(
    value: str, *, allow_forbidden: bool, allow_any: bool
) -> tuple[list[frozenset[str]], set[str]]:
    """One ``required`` value -> (AND-list of any-of sets, forbidden names)."""
    if allow_any and value.startswith("in:"):
        names = [n.strip() for n in value[3:].split(",")]
        if not all(names):
            raise _bad_traits(value, allow_forbidden)
        if any(n.startswith("!") for n in names):
            raise CandidateQueryError(
                "Invalid query string parameters: Expected 'required' parameter value of the "
                f"form: in:HW_CPU_X86_VMX,CUSTOM_MAGIC. Got: {value}",
                BAD_VALUE,
            )
        return [frozenset(names)], set()
    required: list[frozenset[str]] = []
    forbidden: set[str] = set()
    for raw in value.split(","):
        name = raw.strip()
        if not name or (name.startswith("!") and not allow_forbidden) or name == "!":
            raise _bad_traits(value, allow_forbidden)
        if name.startswith("!"):
            forbidden.add(name[1:])
        else:
            required.append(frozenset((name,)))
    return required, forbidden


def parse_member_of(value: str, *, allow_forbidden: bool) -> tuple[frozenset[str], bool]:
    """One ``member_of`` value -> (aggregate uuids, whether they are forbidden)."""
    forbidden = allow_forbidden and value.startswith("!")
    body = value[1:] if forbidden else value
    if "," in body and not body.startswith("in:"):
        keyword = "'in:' or '!in:'" if allow_forbidden else "'in:'"
        raise CandidateQueryError(
            f"Multiple values for 'member_of' must be prefixed with the {keyword} keyword. "
            f"Got: {value}",
            BAD_VALUE,
        )
    uuids = body[3:].split(",") if body.startswith("in:") else [body]
    for agg in uuids:
        if not _is_uuid(agg):
            raise CandidateQueryError(
                "Invalid query string parameters: Expected 'member_of' parameter to contain "
                f"valid UUID(s). Got: {agg}",
                BAD_VALUE,
            )
    return frozenset(uuids), forbidden


def _parse_groups(items: list[tuple[str, str]], version: Version) -> dict[str, RequestGroup]:
    pattern = _KEY_VERBOSE if version >= (1, 33) else _KEY_NUMERIC
    groups: dict[str, RequestGroup] = {}
    if version < (1, 24):
        seen: set[str] = set()
        for key, _ in items:
            match = pattern.match(key)
            if match is not None and match.group(1) == "member_of":
                if key in seen:
                    suffix = match.group(2) or ""
                    raise CandidateQueryError(
                        f"Multiple member_of{suffix} parameters are not supported"
                    )
                seen.add(key)
    for key, value in items:
        match = pattern.match(key)
        if match is None:
            continue
        prefix, suffix = match.group(1), match.group(2) or ""
        group = groups.setdefault(suffix, RequestGroup(suffix))
        if prefix == "resources":
            group.resources = parse_resources(value)
        elif prefix == "required":
            required, forbidden = parse_traits(
                value, allow_forbidden=version >= (1, 22), allow_any=version >= (1, 39)
            )
            if version >= (1, 39):
                group.required.extend(required)
                group.forbidden |= forbidden
            else:
                group.required, group.forbidden = required, forbidden
        elif prefix == "member_of":
            aggs, is_forbidden = parse_member_of(value, allow_forbidden=version >= (1, 32))
            if is_forbidden:
                group.forbidden_aggs |= aggs
            else:
                group.member_of.append(aggs)
        elif not _is_uuid(value):
            raise CandidateQueryError(
                "Invalid query string parameters: Expected 'in_tree' parameter to be a format "
                f"of uuid. Got: {value}",
                BAD_VALUE,
            )
        else:
            group.in_tree = value
    return groups


def _check_groups(
    groups: dict[str, RequestGroup], same_subtrees: list[frozenset[str]], version: Version
) -> None:
    if version >= (1, 36):
        resourceless = {s for s, g in groups.items() if not g.resources}
        if len(resourceless) == len(groups):
            raise CandidateQueryError(
                "There must be at least one resources or resources[$S] parameter.", MISSING_VALUE
            )
        subtree_suffixes: set[str] = set().union(*same_subtrees)
        bad = sorted(s for s in resourceless if s not in subtree_suffixes)
        if bad:
            raise CandidateQueryError(
                "Resourceless suffixed group request should be specified in `same_subtree` "
                f"query param: bad group(s) - {bad}.",
                BAD_VALUE,
            )
        unknown = sorted(s for s in subtree_suffixes if s not in groups)
        if unknown:
            raise CandidateQueryError(
                "Real suffixes should be specified in `same_subtree`: "
                f"{unknown} not found in {list(groups)}.",
                BAD_VALUE,
            )
    else:
        orphans = [f"required{s}" for s, g in groups.items() if g.required and not g.resources]
        orphans += [f"required{s}" for s, g in groups.items() if g.forbidden and not g.resources]
        if orphans:
            raise CandidateQueryError(
                "All traits parameters must be associated with resources.  Found the "
                f"following orphaned traits keys: {', '.join(sorted(set(orphans)))}"
            )
        orphans = [
            f"member_of{s}"
            for s, g in groups.items()
            if not g.resources and (g.member_of or g.forbidden_aggs)
        ]
        if orphans:
            raise CandidateQueryError(
                "All member_of parameters must be associated with resources. Found the "
                f"following orphaned member_of keys: {', '.join(orphans)}"
            )
        if not all(g.resources for g in groups.values()):
            raise CandidateQueryError("All request groups must specify resources.")
        if not groups:
            raise CandidateQueryError(
                "At least one request group (`resources` or `resources{$S}`) is required."
            )
    conflicts = sorted(
        f"required{s}: ({', '.join(sorted(any_of))})"
        for s, g in groups.items()
        for any_of in g.required
        if any_of <= g.forbidden
    )
    if conflicts:
        raise CandidateQueryError(
            "Conflicting required and forbidden traits found in the following traits keys: "
            + ", ".join(conflicts)
        )


def _parse_root_required(values: list[str]) -> tuple[frozenset[str], frozenset[str]]:
    if not values:
        return frozenset(), frozenset()
    if len(values) > 1:
        raise CandidateQueryError(
            "Query parameter 'root_required' may be specified only once.", DUPLICATE_KEY
        )
    required, forbidden = parse_traits(values[0], allow_forbidden=True, allow_any=False)
    names = {next(iter(s)) for s in required}
    conflicts = names & forbidden
    if conflicts:
        raise CandidateQueryError(
            "Conflicting required and forbidden traits found in root_required: "
            + ", ".join(sorted(conflicts)),
            BAD_VALUE,
        )
    return frozenset(names), frozenset(forbidden)


def _parse_same_subtree(values: list[str]) -> list[frozenset[str]]:
    result = []
    for value in values:
        suffixes = frozenset(s.strip() for s in value.split(","))
        if "" in suffixes:
            raise CandidateQueryError(
                "Empty string (unsuffixed group) can not be specified in `same_subtree` ",
                BAD_VALUE,
            )
        result.append(suffixes)
    return result


def parse_query(
    items: Iterable[tuple[str, str]] | Mapping[str, str], version: Version
) -> CandidateRequest:
    """Validate and parse the query parameters of one request at microversion ``version``."""
    pairs = list(items.items()) if isinstance(items, Mapping) else list(items)
    _validate_keys(pairs, version)

    def all_of(key: str) -> list[str]:
        return [v for k, v in pairs if k == key]

    limits = all_of("limit")
    policies = all_of("group_policy")
    root_required, root_forbidden = _parse_root_required(all_of("root_required"))
    same_subtrees = _parse_same_subtree(all_of("same_subtree"))
    groups = _parse_groups(pairs, version)
    _check_groups(groups, same_subtrees, version)
    group_policy = policies[0] if policies else None
    if group_policy is None and sum(1 for s in groups if s) > 1:
        raise CandidateQueryError(
            'The "group_policy" parameter is required when specifying more than one '
            '"resources{N}" parameter.'
        )
    return CandidateRequest(
        groups=groups,
        limit=int(limits[0]) if limits else None,
        group_policy=group_policy,
        root_required=root_required,
        root_forbidden=root_forbidden,
        same_subtrees=same_subtrees,
        nested_aware=version >= (1, 29),
    )
