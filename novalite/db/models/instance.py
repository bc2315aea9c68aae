"""Cell database tables about instances: the instance row and what hangs off it.

Part of the cell schema (:mod:`novalite.db.models.cell` re-exports these classes).
Columns and types follow nova's main database; every table here is soft-deleted
except ``tags``, as in nova.
"""

from __future__ import annotations

import datetime

from sqlalchemy import BigInteger, Boolean, Enum, ForeignKey, Index, Integer, String, Text
from sqlalchemy import UniqueConstraint as Unique
from sqlalchemy.orm import Mapped, mapped_column

from novalite.db.models.base import (
    CellBase,
    SoftDeleteMixin,
    TimestampMixin,
    medium_text,
    table_args,
    utcnow,
)

_INSTANCE_UUID_FK = "instances.uuid"


class Instance(TimestampMixin, SoftDeleteMixin, CellBase):
    """A server (guest VM)."""

    __tablename__ = "instances"
    __table_args__ = table_args(
        Unique("uuid", name="uniq_instances0uuid"),
        Index("instances_project_id_deleted_idx", "project_id", "deleted"),
        Index("instances_reservation_id_idx", "reservation_id"),
        Index("instances_terminated_at_launched_at_idx", "terminated_at", "launched_at"),
        Index("instances_task_state_updated_at_idx", "task_state", "updated_at"),
        Index("instances_host_node_deleted_idx", "host", "node", "deleted"),
        Index("instances_host_deleted_cleaned_idx", "host", "deleted", "cleaned"),
        Index("instances_deleted_created_at_idx", "deleted", "created_at", "id"),
        Index("instances_updated_at_project_id_idx", "updated_at", "project_id"),
        Index("instances_compute_id_deleted_idx", "compute_id", "deleted"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36))
    user_id: Mapped[str | None] = mapped_column(String(255))
    project_id: Mapped[str | None] = mapped_column(String(255))
    image_ref: Mapped[str | None] = mapped_column(String(255))
    kernel_id: Mapped[str | None] = mapped_column(String(255))
    ramdisk_id: Mapped[str | None] = mapped_column(String(255))
    hostname: Mapped[str | None] = mapped_column(String(255))
    launch_index: Mapped[int | None] = mapped_column(Integer)
    key_name: Mapped[str | None] = mapped_column(String(255))
    key_data: Mapped[str | None] = mapped_column(medium_text())
    power_state: Mapped[int | None] = mapped_column(Integer)
    vm_state: Mapped[str | None] = mapped_column(String(255))
    task_state: Mapped[str | None] = mapped_column(String(255))
    memory_mb: Mapped[int | None] = mapped_column(Integer)
    vcpus: Mapped[int | None] = mapped_column(Integer)
    root_gb: Mapped[int | None] = mapped_column(Integer)
    ephemeral_gb: Mapped[int | None] = mapped_column(Integer)
    ephemeral_key_uuid: Mapped[str | None] = mapped_column(String(36))
    #: The compute service's host; ``node`` is the hypervisor_hostname of its compute node.
    host: Mapped[str | None] = mapped_column(String(255))
    node: Mapped[str | None] = mapped_column(String(255))
    #: The compute node's id (nova 2023.2+).
    compute_id: Mapped[int | None] = mapped_column(BigInteger)
    #: The flavor's internal id (not its flavorid).
    instance_type_id: Mapped[int | None] = mapped_column(Integer)
    user_data: Mapped[str | None] = mapped_column(medium_text())
    reservation_id: Mapped[str | None] = mapped_column(String(255))
    launched_at: Mapped[datetime.datetime | None] = mapped_column()
    terminated_at: Mapped[datetime.datetime | None] = mapped_column()
    #: The availability zone asked for at boot (not necessarily the host's).
    availability_zone: Mapped[str | None] = mapped_column(String(255))
    display_name: Mapped[str | None] = mapped_column(String(255))
    display_description: Mapped[str | None] = mapped_column(String(255))
    launched_on: Mapped[str | None] = mapped_column(medium_text())
    locked: Mapped[bool | None] = mapped_column(Boolean)
    locked_by: Mapped[str | None] = mapped_column(
        Enum("owner", "admin", name="instances0locked_by")
    )
    os_type: Mapped[str | None] = mapped_column(String(255))
    architecture: Mapped[str | None] = mapped_column(String(255))
    vm_mode: Mapped[str | None] = mapped_column(String(255))
    root_device_name: Mapped[str | None] = mapped_column(String(255))
    default_ephemeral_device: Mapped[str | None] = mapped_column(String(255))
    default_swap_device: Mapped[str | None] = mapped_column(String(255))
    config_drive: Mapped[str | None] = mapped_column(String(255))
    access_ip_v4: Mapped[str | None] = mapped_column(String(39))
    access_ip_v6: Mapped[str | None] = mapped_column(String(39))
    auto_disk_config: Mapped[bool | None] = mapped_column(Boolean)
    progress: Mapped[int | None] = mapped_column(Integer)
    shutdown_terminate: Mapped[bool | None] = mapped_column(Boolean, default=False)
    disable_terminate: Mapped[bool | None] = mapped_column(Boolean, default=False)
    #: 1 once the instance's files were deleted from its host.
    cleaned: Mapped[int | None] = mapped_column(Integer, default=0)
    hidden: Mapped[bool | None] = mapped_column(Boolean, default=False)


class InstanceExtra(TimestampMixin, SoftDeleteMixin, CellBase):
    """Serialised structures of an instance (flavor, NUMA topology, PCI requests ...)."""

    __tablename__ = "instance_extra"
    __table_args__ = table_args(Index("instance_extra_idx", "instance_uuid"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    instance_uuid: Mapped[str] = mapped_column(String(36), ForeignKey(_INSTANCE_UUID_FK))
    device_metadata: Mapped[str | None] = mapped_column(Text)
    numa_topology: Mapped[str | None] = mapped_column(Text)
    pci_requests: Mapped[str | None] = mapped_column(Text)
    flavor: Mapped[str | None] = mapped_column(Text)
    vcpu_model: Mapped[str | None] = mapped_column(Text)
    migration_context: Mapped[str | None] = mapped_column(Text)
    keypairs: Mapped[str | None] = mapped_column(Text)
    trusted_certs: Mapped[str | None] = mapped_column(Text)
    resources: Mapped[str | None] = mapped_column(Text)


class InstanceSystemMetadata(TimestampMixin, SoftDeleteMixin, CellBase):
    """A system-owned key/value of an instance (image properties, flavor snapshot ...)."""

    __tablename__ = "instance_system_metadata"
    __table_args__ = table_args(Index("instance_uuid", "instance_uuid"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(255))
    value: Mapped[str | None] = mapped_column(String(255))
    instance_uuid: Mapped[str] = mapped_column(String(36), ForeignKey(_INSTANCE_UUID_FK))


class InstanceMetadata(TimestampMixin, SoftDeleteMixin, CellBase):
    """A user-provided key/value of an instance."""

    __tablename__ = "instance_metadata"
    __table_args__ = table_args(
        Index("instance_metadata_instance_uuid_idx", "instance_uuid"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str | None] = mapped_column(String(255))
    value: Mapped[str | None] = mapped_column(String(255))
    instance_uuid: Mapped[str | None] = mapped_column(String(36), ForeignKey(_INSTANCE_UUID_FK))


class InstanceInfoCache(TimestampMixin, SoftDeleteMixin, CellBase):
    """The instance's network info as last reported (JSON)."""

    __tablename__ = "instance_info_caches"
    __table_args__ = table_args(
        Unique("instance_uuid", name="uniq_instance_info_caches0instance_uuid"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    network_info: Mapped[str | None] = mapped_column(medium_text())
    instance_uuid: Mapped[str] = mapped_column(String(36), ForeignKey(_INSTANCE_UUID_FK))


class InstanceFault(TimestampMixin, SoftDeleteMixin, CellBase):
    """An error recorded against an instance (shown as the server's ``fault``)."""

    __tablename__ = "instance_faults"
    __table_args__ = table_args(
        Index("instance_faults_host_idx", "host"),
        Index(
            "instance_faults_instance_uuid_deleted_created_at_idx",
            "instance_uuid",
            "deleted",
            "created_at",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    instance_uuid: Mapped[str | None] = mapped_column(String(36), ForeignKey(_INSTANCE_UUID_FK))
    code: Mapped[int] = mapped_column(Integer)
    message: Mapped[str | None] = mapped_column(String(255))
    details: Mapped[str | None] = mapped_column(medium_text())
    host: Mapped[str | None] = mapped_column(String(255))


class Tag(CellBase):
    """A tag of an instance (no timestamps, no soft delete, as in nova)."""

    __tablename__ = "tags"
    __table_args__ = table_args(Index("tags_tag_idx", "tag"))

    resource_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    tag: Mapped[str] = mapped_column(String(80), primary_key=True)


class InstanceAction(TimestampMixin, SoftDeleteMixin, CellBase):
    """One user-visible operation on an instance (``os-instance-actions``)."""

    __tablename__ = "instance_actions"
    __table_args__ = table_args(
        Index("request_id_idx", "request_id"),
        Index("instance_actions_instance_uuid_updated_at_idx", "instance_uuid", "updated_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    action: Mapped[str | None] = mapped_column(String(255))
    instance_uuid: Mapped[str | None] = mapped_column(String(36), ForeignKey(_INSTANCE_UUID_FK))
    request_id: Mapped[str | None] = mapped_column(String(255))
    user_id: Mapped[str | None] = mapped_column(String(255))
    project_id: Mapped[str | None] = mapped_column(String(255))
    start_time: Mapped[datetime.datetime | None] = mapped_column(default=utcnow)
    finish_time: Mapped[datetime.datetime | None] = mapped_column()
    message: Mapped[str | None] = mapped_column(String(255))


class InstanceActionEvent(TimestampMixin, SoftDeleteMixin, CellBase):
    """A step of an instance action (``compute_build_and_run_instance`` ...)."""

    __tablename__ = "instance_actions_events"
    __table_args__ = table_args()

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event: Mapped[str | None] = mapped_column(String(255))
    action_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("instance_actions.id"), index=True
    )
    start_time: Mapped[datetime.datetime | None] = mapped_column(default=utcnow)
    finish_time: Mapped[datetime.datetime | None] = mapped_column()
    result: Mapped[str | None] = mapped_column(String(255))
    traceback: Mapped[str | None] = mapped_column(Text)
    host: Mapped[str | None] = mapped_column(String(255))
    details: Mapped[str | None] = mapped_column(Text)
