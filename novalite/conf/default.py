"""The ``[DEFAULT]`` section: the options nova keeps outside any named section."""

from __future__ import annotations

from pydantic import model_validator

from novalite.conf.default_compute import ComputeHostOptions
from novalite.conf.default_log import LogOptions
from novalite.conf.default_service import ServiceOptions
from novalite.conf.section import OptionProblem


# pydantic orders the fields of the last base first: service, compute host, logging.
class DefaultSection(LogOptions, ComputeHostOptions, ServiceOptions):
    """Options of every service, of the compute host, and of logging."""

    @model_validator(mode="after")
    def _heartbeats_fit_in_down_time(self) -> DefaultSection:
        if self.service_down_time <= self.report_interval:
            raise OptionProblem(
                "service_down_time",
                f"{self.service_down_time:g} must be greater than report_interval "
                f"({self.report_interval:g})",
                involving=("report_interval",),
            )
        return self
