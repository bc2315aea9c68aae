"""The combination logic of the general path, on hand-built provider worlds."""

from __future__ import annotations

from collections.abc import Sequence

from novalite.builtin.placement.candidates.combine import Candidate, Combiner, GroupSupply, World
from novalite.builtin.placement.candidates.lookup import GroupFilter

VCPU, MEM, VF = 0, 1, 4
T_A, T_B, T_ROOT = 100, 101, 102


def group(
    suffix: str, resources: dict[int, int], required: Sequence[frozenset[int]] = ()
) -> GroupFilter:
    return GroupFilter(
        suffix=suffix,
        resources=resources,
        required=tuple(required),
        forbidden=frozenset(),
        member_of=(),
        forbidden_aggs=frozenset(),
        in_tree_root=None,
    )


def world() -> World:
    """Tree 1: root 1 (VCPU, MEM), children 2 and 3 (VF); tree 10: a root; 20 shares MEM."""
    return World(
        parent={1: None, 2: 1, 3: 1, 10: None, 20: None},
        root={1: 1, 2: 1, 3: 1, 10: 10, 20: 20},
        traits={2: frozenset({T_A}), 3: frozenset({T_B}), 1: frozenset({T_ROOT})},
        free={VCPU: {1: 8, 10: 8}, MEM: {1: 1024, 20: 4096}, VF: {2: 4, 3: 1}},
        sharing_for_root={10: {20}},
    )


def run(supplies: list[GroupSupply], **kwargs: object) -> list[Candidate]:
    options: dict[str, object] = {
        "isolate": False,
        "same_subtrees": [],
        "root_required": frozenset(),
        "root_forbidden": frozenset(),
        "nested_aware": True,
    }
    options.update(kwargs)
    return list(Combiner(world(), supplies, **options).candidates())  # type: ignore[arg-type]


def test_unsuffixed_spreads_over_tree_and_sharing() -> None:
    supply = GroupSupply(group("", {VCPU: 1, MEM: 512}), {VCPU: [1, 10], MEM: [1, 20]})
    result = run([supply])
    assert [c.allocations for c in result] == [
        {1: {VCPU: 1, MEM: 512}},
        {10: {VCPU: 1}, 20: {MEM: 512}},
    ]
    assert result[1].mappings == {"": [10, 20]}


def test_required_traits_use_the_union_of_the_group_providers() -> None:
    supply = GroupSupply(
        group("", {VCPU: 1, VF: 1}, [frozenset({T_A})]), {VCPU: [1, 10], VF: [2, 3]}
    )
    assert [c.allocations for c in run([supply])] == [{1: {VCPU: 1}, 2: {VF: 1}}]


def test_granular_isolate_and_merged_capacity() -> None:
    vf1 = GroupSupply(group("1", {VF: 1}), {VF: [2, 3]})
    vf2 = GroupSupply(group("2", {VF: 1}), {VF: [2, 3]})
    together = run([vf1, vf2])
    # provider 3 has only one VF left: 3+3 does not fit, 2+2 does
    assert [c.allocations for c in together] == [
        {2: {VF: 2}},
        {2: {VF: 1}, 3: {VF: 1}},
        {3: {VF: 1}, 2: {VF: 1}},
    ]
    isolated = run([vf1, vf2], isolate=True)
    assert [c.mappings for c in isolated] == [{"1": [2], "2": [3]}, {"1": [3], "2": [2]}]


def test_root_required_and_nested_awareness() -> None:
    supply = GroupSupply(group("", {VCPU: 1}), {VCPU: [1, 10]})
    assert [list(c.allocations) for c in run([supply], root_required=frozenset({T_ROOT}))] == [[1]]
    assert [list(c.allocations) for c in run([supply], root_forbidden=frozenset({T_ROOT}))] == [
        [10]
    ]
    assert [list(c.allocations) for c in run([supply], nested_aware=False)] == [[10]]


def test_same_subtree_with_resourceless_group() -> None:
    vf = GroupSupply(group("_VF", {VF: 1}), {VF: [2, 3]})
    anchor = GroupSupply(group("_A", {}), matching=[2])
    result = run([vf, anchor], same_subtrees=[frozenset({"_VF", "_A"})])
    assert [c.mappings for c in result] == [{"_VF": [2], "_A": [2]}]
    assert result[0].allocations == {2: {VF: 1}}


def test_duplicates_are_dropped_and_generation_is_lazy() -> None:
    supply = GroupSupply(group("", {MEM: 1}), {MEM: [1, 20]})
    combiner = Combiner(
        world(),
        [supply],
        isolate=False,
        same_subtrees=[],
        root_required=frozenset(),
        root_forbidden=frozenset(),
        nested_aware=True,
    )
    candidates = combiner.candidates()
    assert next(candidates).allocations == {1: {MEM: 1}}
    # provider 20 anchors tree 10 and its own tree: listed once
    assert [c.allocations for c in candidates] == [{20: {MEM: 1}}]
