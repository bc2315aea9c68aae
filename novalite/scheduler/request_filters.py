"""Request filters: narrow the placement query before asking (nova's ``request_filter``).

Each takes the spec and the facts it needs as plain values, and records what it added on
the spec (``member_of``, ``root_required``) so that ``from_request_spec`` puts it in the
query. They return True when they changed the spec.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from novalite.domain.request_spec import RequestSpec


def map_az_to_placement_aggregate(
    spec: RequestSpec, aggregates_by_zone: Mapping[str, Sequence[str]]
) -> bool:
    """``[scheduler] query_placement_for_availability_zone``: ask only the zone's aggregates.

    ``aggregates_by_zone`` maps a zone name to the uuids of the host aggregates whose
    ``availability_zone`` metadata names it. A zone without aggregates (the default zone)
    adds nothing: its hosts are found by AvailabilityZoneFilter.
    """
    zone = spec.availability_zone
    aggregates = sorted(aggregates_by_zone.get(zone or "", ()))
    if not zone or not aggregates:
        return False
    spec.member_of = [*spec.member_of, aggregates]
    return True


def require_image_type_support(spec: RequestSpec, disk_format: str | None) -> bool:
    """``[scheduler] query_placement_for_image_type_support``: the root must support the format.

    Adds ``COMPUTE_IMAGE_TYPE_<FORMAT>`` (e.g. ``QCOW2``, ``RAW``) to ``root_required``;
    boot-from-volume requests and images without a format are left alone.
    """
    if spec.is_bfv or not disk_format:
        return False
    trait = f"COMPUTE_IMAGE_TYPE_{disk_format.upper()}"
    if trait in spec.root_required:
        return False
    spec.root_required = [*spec.root_required, trait]
    return True
