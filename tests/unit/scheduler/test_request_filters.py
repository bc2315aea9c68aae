from urllib.parse import parse_qsl

from novalite.scheduler.request_filters import (
    map_az_to_placement_aggregate,
    require_image_type_support,
)
from novalite.scheduler.resource_request import from_request_spec
from tests.unit.scheduler.fakes import spec


def test_az_maps_to_member_of() -> None:
    s = spec(availability_zone="az1")
    assert map_az_to_placement_aggregate(s, {"az1": ["b", "a"]})
    params = dict(parse_qsl(from_request_spec(s).to_querystring()))
    assert params["member_of"] == "in:a,b"
    assert not map_az_to_placement_aggregate(spec(availability_zone="nova"), {"az1": ["a"]})
    assert not map_az_to_placement_aggregate(spec(), {"az1": ["a"]})


def test_image_type_adds_root_trait() -> None:
    s = spec()
    assert require_image_type_support(s, "qcow2")
    assert not require_image_type_support(s, "qcow2")
    params = dict(parse_qsl(from_request_spec(s).to_querystring()))
    assert params["root_required"] == "COMPUTE_IMAGE_TYPE_QCOW2,!COMPUTE_STATUS_DISABLED"
    assert not require_image_type_support(spec(is_bfv=True), "raw")
    assert not require_image_type_support(spec(), None)
