"""Running a service binary: components, periodic tasks, heartbeats, clean shutdown."""

from novalite.service.component import Component
from novalite.service.launcher import Launcher
from novalite.service.periodic import PeriodicTask
from novalite.service.report import ServiceRegistry, ServiceReporter

#: Bumped whenever a service's behaviour changes in a way other services must know of.
SERVICE_VERSION = 1

__all__ = [
    "SERVICE_VERSION",
    "Component",
    "Launcher",
    "PeriodicTask",
    "ServiceRegistry",
    "ServiceReporter",
]
