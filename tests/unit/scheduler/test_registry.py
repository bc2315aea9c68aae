import pytest

from novalite.conf import load
from novalite.errors import ConfigError, SchedulerConfigError
from novalite.scheduler.registry import SchedulerSettings, build_pipeline, filter_names
from tests.unit.scheduler.fakes import host


def test_class_paths_and_short_names_keep_configured_order() -> None:
    settings = SchedulerSettings(
        enabled_filters=(
            "nova.scheduler.filters.affinity_filter.ServerGroupAffinityFilter",
            "AvailabilityZoneFilter",
            "nova.scheduler.filters.compute_filter.ComputeFilter",
        ),
        weight_classes=("nova.scheduler.weights.ram.RAMWeigher", "BuildFailureWeigher"),
    )
    pipe = build_pipeline(settings)
    assert [f.name for f in pipe.filters] == [
        "ServerGroupAffinityFilter",
        "AvailabilityZoneFilter",
        "ComputeFilter",
    ]
    assert [w.name for w in pipe.weighers] == ["RAMWeigher", "BuildFailureWeigher"]


def test_all_weighers_and_all_filters_expand() -> None:
    pipe = build_pipeline(
        SchedulerSettings(
            enabled_filters=("nova.scheduler.filters.all_filters",),
            weight_classes=("nova.scheduler.weights.all_weighers",),
        )
    )
    assert len(pipe.filters) == 7
    assert {w.name for w in pipe.weighers} >= {"RAMWeigher", "CPUWeigher", "DiskWeigher"}


def test_multipliers_are_passed_through() -> None:
    pipe = build_pipeline(
        SchedulerSettings(weight_classes=("RAMWeigher",), ram_weight_multiplier=-2.0)
    )
    assert pipe.weighers[0].multiplier(host()) == -2.0


def test_unknown_name_is_a_clear_configuration_error() -> None:
    with pytest.raises(SchedulerConfigError) as info:
        build_pipeline(SchedulerSettings(enabled_filters=("ComputeFilter", "NoSuchFilter")))
    assert isinstance(info.value, ConfigError)
    assert "enabled_filters" in str(info.value) and "NoSuchFilter" in str(info.value)
    with pytest.raises(SchedulerConfigError, match="weight_classes"):
        build_pipeline(SchedulerSettings(weight_classes=("nova.scheduler.weights.x.FooWeigher",)))


def test_nova_filters_not_implemented_are_skipped() -> None:
    names = filter_names(
        SchedulerSettings(enabled_filters=("ComputeFilter", "ComputeCapabilitiesFilter"))
    )
    assert names == ["ComputeFilter"]


def test_settings_from_config() -> None:
    conf = load(
        default_files=(),
        overrides={
            "scheduler": {"max_attempts": "5", "max_placement_results": "20"},
            "filter_scheduler": {
                "host_subset_size": "2",
                "enabled_filters": "ComputeFilter,AvailabilityZoneFilter",
                "ram_weight_multiplier": "-1.0",
            },
            "DEFAULT": {"default_availability_zone": "az0"},
        },
    )
    settings = SchedulerSettings.from_config(conf)
    assert settings.max_attempts == 5
    assert settings.max_placement_results == 20
    assert settings.host_subset_size == 2
    assert settings.enabled_filters == ("ComputeFilter", "AvailabilityZoneFilter")
    assert settings.ram_weight_multiplier == -1.0
    assert settings.default_availability_zone == "az0"
    assert settings.query_placement_for_availability_zone is True
    assert [f.name for f in build_pipeline(settings).filters] == [
        "ComputeFilter",
        "AvailabilityZoneFilter",
    ]
