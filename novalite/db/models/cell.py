"""Tables of a cell database (nova's main database); cell0 has the same schema.

Services, compute nodes, migrations, block device mappings and virtual
interfaces are defined here; the instance tables live in
:mod:`novalite.db.models.instance` and are re-exported. All of them share
``CellBase.metadata``. Every table is soft-deleted except ``tags``, as in nova.
"""

from __future__ import annotations

import datetime

from sqlalchemy import BigInteger, Boolean, Enum, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy import UniqueConstraint as Unique
from sqlalchemy.orm import Mapped, mapped_column

from novalite.db.models.base import (
    CellBase,
    SoftDeleteMixin,
    TimestampMixin,
    medium_text,
    table_args,
)
from novalite.db.models.instance import (
    Instance,
    InstanceAction,
    InstanceActionEvent,
    InstanceExtra,
    InstanceFault,
    InstanceInfoCache,
    InstanceMetadata,
    InstanceSystemMetadata,
    Tag,
)

__all__ = [
    "BlockDeviceMapping",
    "CellBase",
    "ComputeNode",
    "Instance",
    "InstanceAction",
    "InstanceActionEvent",
    "InstanceExtra",
    "InstanceFault",
    "InstanceInfoCache",
    "InstanceMetadata",
    "InstanceSystemMetadata",
    "Migration",
    "Service",
    "Tag",
    "VirtualInterface",
]


class Service(TimestampMixin, SoftDeleteMixin, CellBase):
    """A service binary running (or once run) on a host, with its heartbeat."""

    __tablename__ = "services"
    __table_args__ = table_args(
        Unique("host", "topic", "deleted", name="uniq_services0host0topic0deleted"),
        Unique("host", "binary", "deleted", name="uniq_services0host0binary0deleted"),
        Index("services_uuid_idx", "uuid", unique=True),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uuid: Mapped[str | None] = mapped_column(String(36))
    host: Mapped[str | None] = mapped_column(String(255))
    binary: Mapped[str | None] = mapped_column(String(255))
    topic: Mapped[str | None] = mapped_column(String(255))
    report_count: Mapped[int] = mapped_column(Integer, default=0)
    disabled: Mapped[bool | None] = mapped_column(Boolean, default=False)
    disabled_reason: Mapped[str | None] = mapped_column(String(255))
    last_seen_up: Mapped[datetime.datetime | None] = mapped_column()
    forced_down: Mapped[bool | None] = mapped_column(Boolean, default=False)
    version: Mapped[int | None] = mapped_column(Integer, default=0)


class ComputeNode(TimestampMixin, SoftDeleteMixin, CellBase):
    """A hypervisor node and its resources, as its compute service reports them."""

    __tablename__ = "compute_nodes"
    __table_args__ = table_args(
        Index("compute_nodes_uuid_idx", "uuid", unique=True),
        Unique(
            "host",
            "hypervisor_hostname",
            "deleted",
            name="uniq_compute_nodes0host0hypervisor_hostname0deleted",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    service_id: Mapped[int | None] = mapped_column(Integer)
    host: Mapped[str | None] = mapped_column(String(255))
    uuid: Mapped[str | None] = mapped_column(String(36))
    vcpus: Mapped[int] = mapped_column(Integer)
    memory_mb: Mapped[int] = mapped_column(Integer)
    local_gb: Mapped[int] = mapped_column(Integer)
    vcpus_used: Mapped[int] = mapped_column(Integer)
    memory_mb_used: Mapped[int] = mapped_column(Integer)
    local_gb_used: Mapped[int] = mapped_column(Integer)
    hypervisor_type: Mapped[str] = mapped_column(medium_text())
    hypervisor_version: Mapped[int] = mapped_column(Integer)
    hypervisor_hostname: Mapped[str | None] = mapped_column(String(255))
    free_ram_mb: Mapped[int | None] = mapped_column(Integer)
    free_disk_gb: Mapped[int | None] = mapped_column(Integer)
    current_workload: Mapped[int | None] = mapped_column(Integer)
    running_vms: Mapped[int | None] = mapped_column(Integer)
    cpu_info: Mapped[str] = mapped_column(medium_text())
    disk_available_least: Mapped[int | None] = mapped_column(Integer)
    host_ip: Mapped[str | None] = mapped_column(String(39))
    supported_instances: Mapped[str | None] = mapped_column(Text)
    metrics: Mapped[str | None] = mapped_column(Text)
    pci_stats: Mapped[str | None] = mapped_column(Text)
    extra_resources: Mapped[str | None] = mapped_column(Text)
    stats: Mapped[str | None] = mapped_column(Text, default="{}")
    numa_topology: Mapped[str | None] = mapped_column(Text)
    ram_allocation_ratio: Mapped[float | None] = mapped_column(Float)
    cpu_allocation_ratio: Mapped[float | None] = mapped_column(Float)
    disk_allocation_ratio: Mapped[float | None] = mapped_column(Float)
    #: 1 once ``discover_hosts`` created the host's mapping in the API database.
    mapped: Mapped[int | None] = mapped_column(Integer, default=0)


class Migration(TimestampMixin, SoftDeleteMixin, CellBase):
    """A move of an instance between hosts (resize, cold/live migration, evacuation)."""

    __tablename__ = "migrations"
    __table_args__ = table_args(
        Index("migrations_instance_uuid_and_status_idx", "deleted", "instance_uuid", "status"),
        Index(
            "migrations_by_src_host_nodes_and_status_idx",
            "deleted",
            "source_compute",
            "source_node",
            "status",
        ),
        Index(
            "migrations_by_dest_host_nodes_and_status_idx",
            "deleted",
            "dest_compute",
            "dest_node",
            "status",
        ),
        Index("migrations_uuid", "uuid", unique=True),
        Index("migrations_updated_at_idx", "updated_at"),
        Index("migrations_dest_compute_id_deleted_idx", "dest_compute_id", "deleted"),
        Index("migrations_instance_uuid_idx", "instance_uuid"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_compute: Mapped[str | None] = mapped_column(String(255))
    dest_compute: Mapped[str | None] = mapped_column(String(255))
    source_node: Mapped[str | None] = mapped_column(String(255))
    dest_node: Mapped[str | None] = mapped_column(String(255))
    dest_host: Mapped[str | None] = mapped_column(String(255))
    old_instance_type_id: Mapped[int | None] = mapped_column(Integer)
    new_instance_type_id: Mapped[int | None] = mapped_column(Integer)
    instance_uuid: Mapped[str | None] = mapped_column(String(36), ForeignKey("instances.uuid"))
    uuid: Mapped[str | None] = mapped_column(String(36))
    status: Mapped[str | None] = mapped_column(String(255))
    migration_type: Mapped[str | None] = mapped_column(
        Enum("migration", "resize", "live-migration", "evacuation", name="migration_type")
    )
    hidden: Mapped[bool | None] = mapped_column(Boolean, default=False)
    memory_total: Mapped[int | None] = mapped_column(BigInteger)
    memory_processed: Mapped[int | None] = mapped_column(BigInteger)
    memory_remaining: Mapped[int | None] = mapped_column(BigInteger)
    disk_total: Mapped[int | None] = mapped_column(BigInteger)
    disk_processed: Mapped[int | None] = mapped_column(BigInteger)
    disk_remaining: Mapped[int | None] = mapped_column(BigInteger)
    cross_cell_move: Mapped[bool | None] = mapped_column(Boolean, default=False)
    user_id: Mapped[str | None] = mapped_column(String(255))
    project_id: Mapped[str | None] = mapped_column(String(255))
    #: The destination compute node's id (nova 2023.2+).
    dest_compute_id: Mapped[int | None] = mapped_column(BigInteger)


class BlockDeviceMapping(TimestampMixin, SoftDeleteMixin, CellBase):
    """A disk of an instance: image, volume, snapshot, ephemeral or swap."""

    __tablename__ = "block_device_mapping"
    __table_args__ = table_args(
        Index("snapshot_id", "snapshot_id"),
        Index("volume_id", "volume_id"),
        Index("block_device_mapping_instance_uuid_device_name_idx", "instance_uuid", "device_name"),
        Index("block_device_mapping_instance_uuid_volume_id_idx", "instance_uuid", "volume_id"),
        Unique("uuid", name="uniq_block_device_mapping0uuid"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    instance_uuid: Mapped[str | None] = mapped_column(String(36), ForeignKey("instances.uuid"))
    uuid: Mapped[str | None] = mapped_column(String(36))
    source_type: Mapped[str | None] = mapped_column(String(255))
    destination_type: Mapped[str | None] = mapped_column(String(255))
    guest_format: Mapped[str | None] = mapped_column(String(255))
    device_type: Mapped[str | None] = mapped_column(String(255))
    disk_bus: Mapped[str | None] = mapped_column(String(255))
    boot_index: Mapped[int | None] = mapped_column(Integer)
    device_name: Mapped[str | None] = mapped_column(String(255))
    delete_on_termination: Mapped[bool | None] = mapped_column(Boolean, default=False)
    snapshot_id: Mapped[str | None] = mapped_column(String(36))
    volume_id: Mapped[str | None] = mapped_column(String(36))
    volume_size: Mapped[int | None] = mapped_column(Integer)
    volume_type: Mapped[str | None] = mapped_column(String(255))
    image_id: Mapped[str | None] = mapped_column(String(36))
    no_device: Mapped[bool | None] = mapped_column(Boolean)
    connection_info: Mapped[str | None] = mapped_column(medium_text())
    tag: Mapped[str | None] = mapped_column(String(255))
    attachment_id: Mapped[str | None] = mapped_column(String(36))
    encrypted: Mapped[bool | None] = mapped_column(Boolean)
    encryption_secret_uuid: Mapped[str | None] = mapped_column(String(36))
    encryption_format: Mapped[str | None] = mapped_column(String(128))
    encryption_options: Mapped[str | None] = mapped_column(String(4096))


class VirtualInterface(TimestampMixin, SoftDeleteMixin, CellBase):
    """A network interface of an instance (its port's MAC address and device tag)."""

    __tablename__ = "virtual_interfaces"
    __table_args__ = table_args(
        Unique("address", "deleted", name="uniq_virtual_interfaces0address0deleted"),
        Index("virtual_interfaces_network_id_idx", "network_id"),
        Index("virtual_interfaces_instance_uuid_idx", "instance_uuid"),
        Index("virtual_interfaces_uuid_idx", "uuid"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    address: Mapped[str | None] = mapped_column(String(255))
    network_id: Mapped[int | None] = mapped_column(Integer)
    instance_uuid: Mapped[str | None] = mapped_column(String(36), ForeignKey("instances.uuid"))
    uuid: Mapped[str | None] = mapped_column(String(36))
    tag: Mapped[str | None] = mapped_column(String(255))
