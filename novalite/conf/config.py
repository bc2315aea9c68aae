"""The whole configuration: one attribute per section.

To add a section, declare a :class:`~novalite.conf.section.Section` subclass in its
own module and add a field for it here; the loader, the sample and ``safe_dump``
pick it up from the field.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, PrivateAttr

from novalite.conf.api import ApiSection
from novalite.conf.auth import KeystoneAuthtokenSection
from novalite.conf.builtin import BuiltinIdentitySection, BuiltinPlacementSection
from novalite.conf.clients import GlanceSection, NeutronSection, PlacementSection
from novalite.conf.compute import ComputeSection, ConductorSection
from novalite.conf.database import ApiDatabaseSection, DatabaseSection
from novalite.conf.default import DefaultSection
from novalite.conf.fake_driver import FakeDriverSection
from novalite.conf.libvirt import LibvirtSection
from novalite.conf.masking import masked
from novalite.conf.messaging import RabbitSection, UpgradeLevelsSection
from novalite.conf.notifications import MessagingNotificationsSection, NotificationsSection
from novalite.conf.policy import PolicySection
from novalite.conf.quota import QuotaSection
from novalite.conf.scheduler import FilterSchedulerSection, SchedulerSection
from novalite.conf.schema import option_info
from novalite.conf.section import Section

TOLERATED_SECTIONS = frozenset(
    {
        "barbican",
        "cache",
        "cinder",
        "cors",
        "devices",
        "ephemeral_storage_encryption",
        "healthcheck",
        "image_cache",
        "ironic",
        "key_manager",
        "keystone",
        "oslo_concurrency",
        "oslo_limit",
        "oslo_middleware",
        "oslo_reports",
        "os_brick",
        "os_vif_linux_bridge",
        "os_vif_ovs",
        "pci",
        "privsep",
        "privsep_osbrick",
        "profiler",
        "serial_console",
        "service_user",
        "spice",
        "vendordata_dynamic_auth",
        "vif_plug_linux_bridge",
        "vif_plug_ovs",
        "vnc",
        "workarounds",
        "wsgi",
    }
)
"""Sections nova ships that novalite does not use: accepted in a file and ignored whole.

Any other unknown section is an error, to catch misspelt section names.
"""


class Config(BaseModel):
    """The validated configuration of a novalite process (see :func:`novalite.conf.load`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    DEFAULT: DefaultSection
    api: ApiSection
    api_database: ApiDatabaseSection
    builtin_identity: BuiltinIdentitySection
    builtin_placement: BuiltinPlacementSection
    compute: ComputeSection
    conductor: ConductorSection
    database: DatabaseSection
    fake_driver: FakeDriverSection
    filter_scheduler: FilterSchedulerSection
    glance: GlanceSection
    keystone_authtoken: KeystoneAuthtokenSection
    libvirt: LibvirtSection
    neutron: NeutronSection
    notifications: NotificationsSection
    oslo_messaging_notifications: MessagingNotificationsSection
    oslo_messaging_rabbit: RabbitSection
    oslo_policy: PolicySection
    placement: PlacementSection
    quota: QuotaSection
    scheduler: SchedulerSection
    upgrade_levels: UpgradeLevelsSection

    _ignored_sections: tuple[str, ...] = PrivateAttr(default=())

    @classmethod
    def from_sections(cls, sections: dict[str, Section], ignored: tuple[str, ...] = ()) -> Config:
        """Assemble validated sections; ``ignored`` lists the tolerated sections skipped."""
        config = cls.model_validate(sections)
        config._ignored_sections = ignored
        return config

    @classmethod
    def section_types(cls) -> dict[str, type[Section]]:
        """Section name -> section class, in the order of the sample file."""
        types: dict[str, type[Section]] = {}
        for name, field in cls.model_fields.items():
            section = field.annotation
            assert isinstance(section, type) and issubclass(section, Section)
            types[name] = section
        return types

    @property
    def state_path(self) -> Path:
        """``[DEFAULT] state_path`` with ``~`` expanded."""
        return self.DEFAULT.state_path

    @property
    def ignored_sections(self) -> tuple[str, ...]:
        """Tolerated foreign sections that the files had and novalite ignored."""
        return self._ignored_sections

    def safe_dump(self) -> dict[str, dict[str, Any]]:
        """Every option's value, JSON-friendly, with secrets and URL passwords masked."""
        return {name: _dump_section(getattr(self, name)) for name in type(self).model_fields}


def _dump_section(section: Section) -> dict[str, Any]:
    return {
        name: _plain(masked(getattr(section, name), option_info(name, field)))
        for name, field in type(section).model_fields.items()
    }


def _plain(value: object) -> object:
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, tuple):
        return list(value)
    return value
