from urllib.parse import parse_qsl

import pytest

from novalite.errors import Invalid
from novalite.scheduler.resource_request import from_request_spec
from tests.unit.scheduler.fakes import spec


def qs(**kwargs: object) -> str:
    return from_request_spec(spec(**kwargs)).to_querystring()


def test_plain_flavor_matches_nova() -> None:
    assert qs(vcpus=1, memory_mb=1024, root_gb=15) == (
        "limit=1000&resources=DISK_GB%3A15%2CMEMORY_MB%3A1024%2CVCPU%3A1"
        "&root_required=%21COMPUTE_STATUS_DISABLED"
    )


def test_disk_adds_ephemeral_and_swap_rounded_up() -> None:
    params = dict(parse_qsl(qs(root_gb=10, ephemeral_gb=5, swap=1025)))
    assert params["resources"] == "DISK_GB:17,MEMORY_MB:512,VCPU:1"


def test_boot_from_volume_omits_root_and_zero_disk() -> None:
    params = dict(parse_qsl(qs(root_gb=10, is_bfv=True)))
    assert params["resources"] == "MEMORY_MB:512,VCPU:1"


def test_extra_spec_overrides_and_zero_drops_class() -> None:
    params = dict(
        parse_qsl(
            qs(
                extra_specs={
                    "resources:VCPU": "0",
                    "resources:CUSTOM_BAREMETAL_GOLD": "1",
                    "resources:MEMORY_MB": "2048",
                }
            )
        )
    )
    assert params["resources"] == "CUSTOM_BAREMETAL_GOLD:1,DISK_GB:1,MEMORY_MB:2048"


def test_traits_granular_groups_and_group_policy() -> None:
    query = qs(
        vcpus=2,
        memory_mb=2048,
        root_gb=20,
        extra_specs={
            "trait:HW_CPU_X86_AVX2": "required",
            "trait:CUSTOM_SLOW": "forbidden",
            "resources1:VGPU": "1",
            "trait1:CUSTOM_NVIDIA": "required",
            "resources_net:NET_BW_EGR_KILOBIT_PER_SEC": "1000",
            "group_policy": "isolate",
            "trait:BOGUS": "maybe",
            "hw:cpu_policy": "shared",
        },
    )
    assert query == (
        "group_policy=isolate&limit=1000"
        "&required=HW_CPU_X86_AVX2%2C%21CUSTOM_SLOW"
        "&required1=CUSTOM_NVIDIA"
        "&resources=DISK_GB%3A20%2CMEMORY_MB%3A2048%2CVCPU%3A2"
        "&resources1=VGPU%3A1"
        "&resources_net=NET_BW_EGR_KILOBIT_PER_SEC%3A1000"
        "&root_required=%21COMPUTE_STATUS_DISABLED"
    )


def test_granular_standard_class_is_not_repeated_unsuffixed() -> None:
    params = dict(parse_qsl(qs(vcpus=4, extra_specs={"resources1:VCPU": "4"})))
    assert params["resources"] == "DISK_GB:1,MEMORY_MB:512"
    assert params["resources1"] == "VCPU:4"


def test_dedicated_cpu_policy_asks_pcpu() -> None:
    params = dict(parse_qsl(qs(vcpus=4, extra_specs={"hw:cpu_policy": "dedicated"})))
    assert params["resources"] == "DISK_GB:1,MEMORY_MB:512,PCPU:4"


def test_image_traits_root_traits_member_of_and_limit() -> None:
    req = from_request_spec(
        spec(
            image_properties={"trait:HW_CPU_X86_SGX": "required", "traits_required": ["X_A"]},
            root_required=["COMPUTE_IMAGE_TYPE_QCOW2"],
            member_of=[["agg2", "agg1"]],
        ),
        max_placement_results=5,
    )
    assert req.to_query_params() == [
        ("limit", "5"),
        ("member_of", "in:agg2,agg1"),
        ("required", "HW_CPU_X86_SGX,X_A"),
        ("resources", "DISK_GB:1,MEMORY_MB:512,VCPU:1"),
        ("root_required", "COMPUTE_IMAGE_TYPE_QCOW2,!COMPUTE_STATUS_DISABLED"),
    ]


def test_negative_amount_is_invalid_and_garbage_ignored() -> None:
    with pytest.raises(Invalid):
        from_request_spec(spec(extra_specs={"resources:VCPU": "-1"}))
    params = dict(parse_qsl(qs(extra_specs={"resources:VCPU": "lots"})))
    assert params["resources"] == "DISK_GB:1,MEMORY_MB:512,VCPU:1"
