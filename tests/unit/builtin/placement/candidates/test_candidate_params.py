"""Parsing ``GET /allocation_candidates`` query strings per microversion."""

from __future__ import annotations

import urllib.parse

import pytest

from novalite.builtin.placement.candidates.params import (
    parse_member_of,
    parse_query,
    parse_resources,
    parse_traits,
    schema_name,
)
from novalite.builtin.placement.candidates.request import CandidateQueryError, CandidateRequest

U1 = "11111111-1111-1111-1111-111111111111"
U2 = "22222222-2222-2222-2222-222222222222"


def parse(query: str, version: tuple[int, int] = (1, 39)) -> CandidateRequest:
    return parse_query(urllib.parse.parse_qsl(query, keep_blank_values=True), version)


def test_schema_versions() -> None:
    assert schema_name((1, 10)) == "GET_SCHEMA_1_10"
    assert schema_name((1, 24)) == "GET_SCHEMA_1_21"
    assert schema_name((1, 34)) == "GET_SCHEMA_1_33"
    assert schema_name((1, 39)) == "GET_SCHEMA_1_36"


def test_resources() -> None:
    assert parse_resources("VCPU:2,MEMORY_MB:1024") == {"VCPU": 2, "MEMORY_MB": 1024}
    for bad in ("", "VCPU", "VCPU:a", "VCPU:0", "VCPU:1:2"):
        with pytest.raises(CandidateQueryError):
            parse_resources(bad)


def test_traits_forms() -> None:
    assert parse_traits("A,!B", allow_forbidden=True, allow_any=True) == (
        [frozenset({"A"})],
        {"B"},
    )
    assert parse_traits("in:A,B", allow_forbidden=True, allow_any=True) == (
        [frozenset({"A", "B"})],
        set(),
    )
    # before 1.39 "in:A" is just an (unknown) trait name
    assert parse_traits("in:A", allow_forbidden=True, allow_any=False)[0] == [frozenset({"in:A"})]
    with pytest.raises(CandidateQueryError):
        parse_traits("!A", allow_forbidden=False, allow_any=False)
    with pytest.raises(CandidateQueryError):
        parse_traits("A,,B", allow_forbidden=True, allow_any=True)
    with pytest.raises(CandidateQueryError):
        parse_traits("in:A,!B", allow_forbidden=True, allow_any=True)


def test_member_of_forms() -> None:
    assert parse_member_of(U1, allow_forbidden=True) == (frozenset({U1}), False)
    assert parse_member_of(f"in:{U1},{U2}", allow_forbidden=True) == (frozenset({U1, U2}), False)
    assert parse_member_of(f"!in:{U1},{U2}", allow_forbidden=True) == (frozenset({U1, U2}), True)
    with pytest.raises(CandidateQueryError, match="valid UUID"):
        parse_member_of(f"!{U1}", allow_forbidden=False)
    with pytest.raises(CandidateQueryError, match="in:"):
        parse_member_of(f"{U1},{U2}", allow_forbidden=True)


def test_full_request() -> None:
    request = parse(
        "resources=VCPU:1&required=A&required=in:B,C&member_of=in:"
        f"{U1},{U2}&member_of=!{U1}&in_tree={U2}&resources_NET=SRIOV_NET_VF:1"
        "&required_NET=!D&resources_X=VGPU:1&group_policy=isolate&limit=5"
        "&root_required=COMPUTE_NODE,!COMPUTE_STATUS_DISABLED"
    )
    unsuffixed = request.groups[""]
    assert unsuffixed.required == [frozenset({"A"}), frozenset({"B", "C"})]
    assert unsuffixed.member_of == [frozenset({U1, U2})]
    assert unsuffixed.forbidden_aggs == {U1}
    assert unsuffixed.in_tree == U2
    assert request.groups["_NET"].forbidden == {"D"}
    assert request.limit == 5 and request.isolate
    assert request.root_required == {"COMPUTE_NODE"}
    assert request.root_forbidden == {"COMPUTE_STATUS_DISABLED"}
    assert request.trait_names() == {"A", "B", "C", "D", "COMPUTE_NODE", "COMPUTE_STATUS_DISABLED"}


def test_required_repeated_before_1_39_last_wins() -> None:
    assert parse("resources=VCPU:1&required=A&required=B", (1, 38)).groups[""].required == [
        frozenset({"B"})
    ]


def test_resourceless_group_in_same_subtree() -> None:
    request = parse(
        "resources=VCPU:1&resources_A=VGPU:1&required_B=HW_NUMA_ROOT"
        "&same_subtree=_A,_B&group_policy=none"
    )
    assert request.groups["_B"].resources == {}
    assert request.same_subtrees == [frozenset({"_A", "_B"})]


def test_nested_awareness() -> None:
    assert not parse("resources=VCPU:1", (1, 28)).nested_aware
    assert parse("resources=VCPU:1", (1, 29)).nested_aware


@pytest.mark.parametrize(
    ("query", "version"),
    [
        ("resources=VCPU:1&limit=1", (1, 15)),
        ("resources=VCPU:1&required=A", (1, 16)),
        ("resources=VCPU:1&member_of=" + U1, (1, 20)),
        ("resources1=VCPU:1", (1, 24)),
        ("resources=VCPU:1&in_tree=" + U1, (1, 30)),
        ("resources_X=VCPU:1", (1, 32)),
        ("resources=VCPU:1&root_required=A", (1, 34)),
        ("resources=VCPU:1&same_subtree=_A", (1, 35)),
        ("resources=VCPU:1&group_policy=sometimes", (1, 39)),
        ("resources=VCPU:1&limit=-1", (1, 39)),
        ("resources=VCPU:1&same_subtree=_A,", (1, 39)),
        ("required=A", (1, 39)),
        ("resources=VCPU:1&required=A,!A", (1, 39)),
        ("resources=VCPU:1&root_required=A,!A", (1, 39)),
        ("resources=VCPU:1&member_of1=" + U1, (1, 35)),
        ("resources_A=VCPU:1&resources_B=VCPU:1", (1, 39)),
        ("limit=1", (1, 10)),
    ],
)
def test_rejected(query: str, version: tuple[int, int]) -> None:
    with pytest.raises(CandidateQueryError):
        parse(query, version)
