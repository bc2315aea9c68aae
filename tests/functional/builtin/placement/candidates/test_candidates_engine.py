"""The allocation-candidates engine against a real SQLite database (no HTTP)."""

from __future__ import annotations

import urllib.parse
from typing import Any

import pytest
from candidates_support import Seeder, seeding

from novalite.builtin.placement.candidates import engine
from novalite.builtin.placement.candidates.engine import Options, find_candidates
from novalite.builtin.placement.candidates.params import parse_query
from novalite.builtin.placement.candidates.render import render
from novalite.builtin.placement.candidates.request import CandidateQueryError
from novalite.db.engine import Database

AGG = "11111111-1111-1111-1111-111111111111"
AGG2 = "22222222-2222-2222-2222-222222222222"


async def ask(
    db: Database, query: str, version: tuple[int, int] = (1, 39), **options: Any
) -> tuple[dict[str, Any], str]:
    request = parse_query(urllib.parse.parse_qsl(query), version)
    opts = Options(all_classes=version >= (1, 27), with_traits=version >= (1, 17), **options)
    async with db.connection(write=False) as conn, conn.begin():
        result = await find_candidates(conn, request, opts)
    return render(result, version), result.path


def allocs(body: dict[str, Any]) -> list[dict[str, dict[str, int]]]:
    return [
        {u: r["resources"] for u, r in ar["allocations"].items()}
        for ar in body["allocation_requests"]
    ]


class _Seed:
    """``s = await seed(db)`` ... ``await done(s)`` around a :func:`seeding` block."""

    def __init__(self, db: Database) -> None:
        self.cm = seeding(db)


async def seed(db: Database) -> Seeder:
    holder = _Seed(db)
    seeder = await holder.cm.__aenter__()
    seeder.holder = holder  # type: ignore[attr-defined]
    return seeder


async def done(seeder: Seeder) -> None:
    await seeder.holder.cm.__aexit__(None, None, None)  # type: ignore[attr-defined]


async def test_simple_roots_fast_path(placement_db: Database) -> None:
    s = await seed(placement_db)
    cn1 = await s.compute("cn1")
    cn2 = await s.compute("cn2", vcpu=1)
    await s.allocate("cn2", "VCPU", 1)
    cn3 = await s.compute("cn3")
    await s.traits("cn3", "COMPUTE_STATUS_DISABLED")
    await done(s)
    body, path = await ask(
        placement_db, "resources=VCPU:1,MEMORY_MB:512&root_required=!COMPUTE_STATUS_DISABLED"
    )
    assert path == "fast"
    assert allocs(body) == [{cn1: {"VCPU": 1, "MEMORY_MB": 512}}]
    assert set(body["provider_summaries"]) == {cn1}
    summary = body["provider_summaries"][cn1]
    assert summary["resources"]["DISK_GB"] == {"capacity": 100, "used": 0}
    assert summary["root_provider_uuid"] == cn1 and summary["parent_provider_uuid"] is None
    body, _ = await ask(placement_db, "resources=VCPU:1")
    assert [next(iter(a)) for a in allocs(body)] == [cn1, cn3]
    assert cn2 not in body["provider_summaries"]


async def test_capacity_rules(placement_db: Database) -> None:
    s = await seed(placement_db)
    a = await s.provider("a")
    await s.inventory("a", "VCPU", 4, reserved=1, allocation_ratio=2.0, max_unit=4, step_size=2)
    await s.allocate("a", "VCPU", 2)
    await done(s)
    # capacity (4-1)*2 = 6, used 2
    assert allocs((await ask(placement_db, "resources=VCPU:4"))[0]) == [{a: {"VCPU": 4}}]
    assert allocs((await ask(placement_db, "resources=VCPU:6"))[0]) == []  # > max_unit
    assert allocs((await ask(placement_db, "resources=VCPU:3"))[0]) == []  # step
    await ask(placement_db, "resources=VCPU:2")


async def test_nested_and_granular(placement_db: Database) -> None:
    s = await seed(placement_db)
    cn = await s.compute("cn")
    await s.provider("pf1", parent="cn")
    pf1 = s.uuids["pf1"]
    await s.inventory("pf1", "SRIOV_NET_VF", 8)
    await s.traits("pf1", "CUSTOM_PHYSNET1")
    await s.provider("pf2", parent="cn")
    pf2 = s.uuids["pf2"]
    await s.inventory("pf2", "SRIOV_NET_VF", 8)
    await s.traits("pf2", "CUSTOM_PHYSNET2")
    await s.compute("flat")
    await done(s)
    body, path = await ask(placement_db, "resources=VCPU:1,SRIOV_NET_VF:1")
    assert path == "general"
    assert allocs(body) == [
        {cn: {"VCPU": 1}, pf1: {"SRIOV_NET_VF": 1}},
        {cn: {"VCPU": 1}, pf2: {"SRIOV_NET_VF": 1}},
    ]
    assert body["provider_summaries"][pf1]["parent_provider_uuid"] == cn
    body, _ = await ask(
        placement_db,
        "resources=VCPU:1&resources1=SRIOV_NET_VF:1&required1=CUSTOM_PHYSNET2"
        "&resources2=SRIOV_NET_VF:1&group_policy=isolate",
    )
    assert allocs(body) == [{cn: {"VCPU": 1}, pf2: {"SRIOV_NET_VF": 1}, pf1: {"SRIOV_NET_VF": 1}}]
    assert body["allocation_requests"][0]["mappings"] == {"": [cn], "1": [pf2], "2": [pf1]}
    body, _ = await ask(
        placement_db,
        "resources=VCPU:1&resources1=SRIOV_NET_VF:1&resources2=SRIOV_NET_VF:1&group_policy=none",
    )
    assert len(body["allocation_requests"]) == 4
    assert {pf1: {"SRIOV_NET_VF": 2}, cn: {"VCPU": 1}} in allocs(body)
    # below 1.29, nested trees are left out; the flat compute node remains
    body, _ = await ask(placement_db, "resources=VCPU:1", version=(1, 28))
    assert [list(a) for a in allocs(body)] == [[s.uuids["flat"]]]
    # the fast path still sees the flat node and, from 1.29, the children in the summaries
    body, path = await ask(placement_db, "resources=VCPU:1")
    assert path == "fast"
    assert {pf1, pf2, cn} <= set(body["provider_summaries"])


async def test_sharing_provider(placement_db: Database) -> None:
    s = await seed(placement_db)
    cn = await s.provider("cn")
    await s.inventory("cn", "VCPU", 8)
    await s.aggregates("cn", AGG)
    ss = await s.provider("ss")
    await s.inventory("ss", "DISK_GB", 1000)
    await s.traits("ss", "MISC_SHARES_VIA_AGGREGATE")
    await s.aggregates("ss", AGG)
    await s.provider("lonely")
    await s.inventory("lonely", "VCPU", 8)
    await done(s)
    body, path = await ask(placement_db, "resources=VCPU:1,DISK_GB:10")
    assert path == "general"
    assert allocs(body) == [{cn: {"VCPU": 1}, ss: {"DISK_GB": 10}}]
    body, _ = await ask(placement_db, "resources=DISK_GB:10")
    assert allocs(body) == [{ss: {"DISK_GB": 10}}]
    body, _ = await ask(placement_db, f"resources=VCPU:1&member_of=!{AGG}")
    assert len(allocs(body)) == 1 and s.uuids["lonely"] in allocs(body)[0]


async def test_filters(placement_db: Database) -> None:
    s = await seed(placement_db)
    a = await s.compute("a")
    await s.traits("a", "HW_CPU_X86_AVX2")
    await s.aggregates("a", AGG)
    b = await s.compute("b")
    await s.traits("b", "HW_CPU_X86_SSE")
    await s.aggregates("b", AGG2)
    await done(s)

    async def roots(query: str) -> list[str]:
        return [next(iter(x)) for x in allocs((await ask(placement_db, query))[0])]

    assert await roots("resources=VCPU:1&required=HW_CPU_X86_AVX2") == [a]
    assert await roots("resources=VCPU:1&required=!HW_CPU_X86_AVX2") == [b]
    assert await roots("resources=VCPU:1&required=in:HW_CPU_X86_AVX2,HW_CPU_X86_SSE") == [a, b]
    assert await roots(f"resources=VCPU:1&member_of={AGG2}") == [b]
    assert await roots(f"resources=VCPU:1&member_of=in:{AGG},{AGG2}") == [a, b]
    assert await roots(f"resources=VCPU:1&member_of={AGG}&member_of={AGG2}") == []
    assert await roots(f"resources=VCPU:1&in_tree={b}") == [b]
    assert await roots("resources=VCPU:1&in_tree=33333333-3333-3333-3333-333333333333") == []
    assert await roots("resources=VCPU:1&root_required=HW_CPU_X86_SSE") == [b]
    assert await roots("resources=VCPU:1&limit=1") == [a]


async def test_same_subtree(placement_db: Database) -> None:
    s = await seed(placement_db)
    cn = await s.compute("cn")
    for numa in ("numa0", "numa1"):
        await s.provider(numa, parent="cn")
        await s.traits(numa, "HW_NUMA_ROOT")
        await s.provider(f"{numa}_pf", parent=numa)
        await s.inventory(f"{numa}_pf", "SRIOV_NET_VF", 4)
    await s.provider("numa0_gpu", parent="numa0")
    await s.inventory("numa0_gpu", "VGPU", 2)
    await done(s)
    body, _ = await ask(
        placement_db,
        "resources=VCPU:1&resources_GPU=VGPU:1&resources_NET=SRIOV_NET_VF:1"
        "&required_NUMA=HW_NUMA_ROOT&same_subtree=_GPU,_NET,_NUMA&group_policy=none",
    )
    assert allocs(body) == [
        {
            cn: {"VCPU": 1},
            s.uuids["numa0_gpu"]: {"VGPU": 1},
            s.uuids["numa0_pf"]: {"SRIOV_NET_VF": 1},
        }
    ]
    assert body["allocation_requests"][0]["mappings"]["_NUMA"] == [s.uuids["numa0"]]


async def test_unknown_names_are_400(placement_db: Database) -> None:
    with pytest.raises(CandidateQueryError, match="No such resource class CUSTOM_NOPE"):
        await ask(placement_db, "resources=CUSTOM_NOPE:1")
    with pytest.raises(CandidateQueryError, match=r"No such trait\(s\): CUSTOM_NOPE"):
        await ask(placement_db, "resources=VCPU:1&required=CUSTOM_NOPE")


async def test_old_microversion_shapes(placement_db: Database) -> None:
    s = await seed(placement_db)
    cn = await s.compute("cn")
    await done(s)
    body, _ = await ask(placement_db, "resources=VCPU:1", version=(1, 10))
    assert body["allocation_requests"] == [
        {"allocations": [{"resource_provider": {"uuid": cn}, "resources": {"VCPU": 1}}]}
    ]
    assert body["provider_summaries"] == {cn: {"resources": {"VCPU": {"capacity": 8, "used": 0}}}}
    body, _ = await ask(placement_db, "resources=VCPU:1", version=(1, 33))
    assert "mappings" not in body["allocation_requests"][0]
    assert "parent_provider_uuid" in body["provider_summaries"][cn]


async def test_custom_classes_in_summaries(placement_db: Database) -> None:
    s = await seed(placement_db)
    cn = await s.compute("cn")
    await s.inventory("cn", "CUSTOM_MAGIC", 5, allocation_ratio=1.5)
    await s.allocate("cn", "CUSTOM_MAGIC", 2)
    await s.provider("fpga", parent="cn")
    await s.inventory("fpga", "CUSTOM_FPGA_X", 2)
    await done(s)
    body, path = await ask(placement_db, "resources=CUSTOM_MAGIC:1")
    assert path == "fast"
    assert allocs(body) == [{cn: {"CUSTOM_MAGIC": 1}}]
    assert body["provider_summaries"][cn]["resources"]["CUSTOM_MAGIC"] == {
        "capacity": 7,
        "used": 2,
    }
    fpga = s.uuids["fpga"]
    assert body["provider_summaries"][fpga]["resources"] == {
        "CUSTOM_FPGA_X": {"capacity": 2, "used": 0}
    }
    body, path = await ask(placement_db, "resources=VCPU:1,CUSTOM_FPGA_X:1", version=(1, 29))
    assert path == "general"
    assert allocs(body) == [{cn: {"VCPU": 1}, fpga: {"CUSTOM_FPGA_X": 1}}]
    # before 1.27 only the requested classes are summarised
    body, _ = await ask(placement_db, "resources=VCPU:1,CUSTOM_FPGA_X:1", version=(1, 26))
    assert body["allocation_requests"] == []  # nested trees are hidden below 1.29
    body, _ = await ask(placement_db, "resources=VCPU:1", version=(1, 26))
    assert body["allocation_requests"] == []


async def test_general_path_batches_give_the_same_answer(
    placement_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    s = await seed(placement_db)
    for i in range(6):
        await s.compute(f"cn{i}")
        await s.aggregates(f"cn{i}", AGG)
        await s.provider(f"pf{i}", parent=f"cn{i}")
        await s.inventory(f"pf{i}", "SRIOV_NET_VF", 2)
    await s.provider("ss")
    await s.inventory("ss", "DISK_GB", 1000)
    await s.traits("ss", "MISC_SHARES_VIA_AGGREGATE")
    await s.aggregates("ss", AGG)
    await done(s)
    queries = [
        "resources=VCPU:1,DISK_GB:1&resources1=SRIOV_NET_VF:1",
        "resources=DISK_GB:1",
        "resources=VCPU:1,DISK_GB:1&resources1=SRIOV_NET_VF:1&limit=3",
        "resources=VCPU:1&resources1=SRIOV_NET_VF:1&limit=1",
    ]
    whole = [(await ask(placement_db, q))[0] for q in queries]
    monkeypatch.setattr(engine, "FIRST_BATCH", 1)
    batched = [(await ask(placement_db, q))[0] for q in queries]
    assert batched == whole
    assert len(whole[0]["allocation_requests"]) == 12  # disk from each node or from ss
    assert len(whole[1]["allocation_requests"]) == 7  # six nodes' own disk, ss once
    assert len(whole[2]["allocation_requests"]) == 3
