"""Tables of the API database (nova_api): cells, mappings, flavors, keypairs, groups, quotas.

Columns and types follow nova's API database. Like nova's, these tables are not
soft-deleted: rows are deleted for real. Where nova has a plain index on the very
columns of a unique constraint, only the unique constraint is kept (it is an index).
"""

from __future__ import annotations

from sqlalchemy import Boolean, Enum, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy import UniqueConstraint as Unique
from sqlalchemy.orm import Mapped, mapped_column

from novalite.db.models.base import ApiBase, TimestampMixin, medium_text, table_args

__all__ = [
    "Aggregate",
    "AggregateHost",
    "AggregateMetadata",
    "ApiBase",
    "BuildRequest",
    "CellMapping",
    "Flavor",
    "FlavorExtraSpec",
    "FlavorProject",
    "HostMapping",
    "InstanceGroup",
    "InstanceGroupMember",
    "InstanceGroupPolicy",
    "InstanceMapping",
    "KeyPair",
    "ProjectUserQuota",
    "Quota",
    "QuotaClass",
    "RequestSpec",
]


class CellMapping(TimestampMixin, ApiBase):
    """A cell: its name and how to reach its database and message bus."""

    __tablename__ = "cell_mappings"
    __table_args__ = table_args(
        Unique("uuid", name="uniq_cell_mappings0uuid"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36))
    name: Mapped[str | None] = mapped_column(String(255))
    transport_url: Mapped[str | None] = mapped_column(Text)
    database_connection: Mapped[str | None] = mapped_column(Text)
    disabled: Mapped[bool | None] = mapped_column(Boolean, default=False)


class HostMapping(TimestampMixin, ApiBase):
    """Which cell a compute host belongs to."""

    __tablename__ = "host_mappings"
    __table_args__ = table_args(
        Unique("host", name="uniq_host_mappings0host"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cell_id: Mapped[int] = mapped_column(Integer, ForeignKey("cell_mappings.id"), index=True)
    host: Mapped[str] = mapped_column(String(255))


class InstanceMapping(TimestampMixin, ApiBase):
    """Which cell an instance lives in (no cell yet while it is being scheduled)."""

    __tablename__ = "instance_mappings"
    __table_args__ = table_args(
        Index("project_id_idx", "project_id"),
        Index("instance_mappings_user_id_project_id_idx", "user_id", "project_id"),
        Unique("instance_uuid", name="uniq_instance_mappings0instance_uuid"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    instance_uuid: Mapped[str] = mapped_column(String(36))
    cell_id: Mapped[int | None] = mapped_column(Integer, ForeignKey("cell_mappings.id"), index=True)
    project_id: Mapped[str] = mapped_column(String(255))
    user_id: Mapped[str | None] = mapped_column(String(255))
    queued_for_delete: Mapped[bool | None] = mapped_column(Boolean, default=False)


class Flavor(TimestampMixin, ApiBase):
    """A flavor: the virtual hardware template of an instance."""

    __tablename__ = "flavors"
    __table_args__ = table_args(
        Unique("flavorid", name="uniq_flavors0flavorid"),
        Unique("name", name="uniq_flavors0name"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    memory_mb: Mapped[int] = mapped_column(Integer)
    vcpus: Mapped[int] = mapped_column(Integer)
    root_gb: Mapped[int | None] = mapped_column(Integer)
    ephemeral_gb: Mapped[int | None] = mapped_column(Integer)
    flavorid: Mapped[str] = mapped_column(String(255))
    swap: Mapped[int] = mapped_column(Integer, default=0)
    rxtx_factor: Mapped[float | None] = mapped_column(Float, default=1.0)
    vcpu_weight: Mapped[int | None] = mapped_column(Integer)
    disabled: Mapped[bool | None] = mapped_column(Boolean, default=False)
    is_public: Mapped[bool | None] = mapped_column(Boolean, default=True)
    description: Mapped[str | None] = mapped_column(Text)


class FlavorExtraSpec(TimestampMixin, ApiBase):
    """A key/value extra spec of a flavor (keys are case-sensitive, hence the binary collation)."""

    __tablename__ = "flavor_extra_specs"
    __table_args__ = table_args(
        Unique("flavor_id", "key", name="uniq_flavor_extra_specs0flavor_id0key"),
        mysql_collate="utf8mb4_bin",
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(255))
    value: Mapped[str | None] = mapped_column(String(255))
    flavor_id: Mapped[int] = mapped_column(Integer, ForeignKey("flavors.id"))


class FlavorProject(TimestampMixin, ApiBase):
    """A project allowed to use a private flavor."""

    __tablename__ = "flavor_projects"
    __table_args__ = table_args(
        Unique("flavor_id", "project_id", name="uniq_flavor_projects0flavor_id0project_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    flavor_id: Mapped[int] = mapped_column(Integer, ForeignKey("flavors.id"))
    project_id: Mapped[str] = mapped_column(String(255))


class KeyPair(TimestampMixin, ApiBase):
    """A user's public key (ssh or x509)."""

    __tablename__ = "key_pairs"
    __table_args__ = table_args(
        Unique("user_id", "name", name="uniq_key_pairs0user_id0name"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    user_id: Mapped[str] = mapped_column(String(255))
    fingerprint: Mapped[str | None] = mapped_column(String(255))
    public_key: Mapped[str | None] = mapped_column(Text)
    type: Mapped[str] = mapped_column(
        Enum("ssh", "x509", name="keypair_types"), server_default="ssh"
    )


class InstanceGroup(TimestampMixin, ApiBase):
    """A server group."""

    __tablename__ = "instance_groups"
    __table_args__ = table_args(Unique("uuid", name="uniq_instance_groups0uuid"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[str | None] = mapped_column(String(255))
    project_id: Mapped[str | None] = mapped_column(String(255))
    uuid: Mapped[str] = mapped_column(String(36))
    name: Mapped[str | None] = mapped_column(String(255))


class InstanceGroupPolicy(TimestampMixin, ApiBase):
    """The policy of a server group ((anti-)affinity, soft or not) and its rules."""

    __tablename__ = "instance_group_policy"
    __table_args__ = table_args(
        Index("instance_group_policy_policy_idx", "policy"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    policy: Mapped[str | None] = mapped_column(String(255))
    group_id: Mapped[int] = mapped_column(Integer, ForeignKey("instance_groups.id"), index=True)
    rules: Mapped[str | None] = mapped_column(Text)


class InstanceGroupMember(TimestampMixin, ApiBase):
    """An instance that belongs to a server group."""

    __tablename__ = "instance_group_member"
    __table_args__ = table_args(
        Index("instance_group_member_instance_idx", "instance_uuid"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    instance_uuid: Mapped[str | None] = mapped_column(String(255))
    group_id: Mapped[int] = mapped_column(Integer, ForeignKey("instance_groups.id"), index=True)


class Aggregate(TimestampMixin, ApiBase):
    """A host aggregate."""

    __tablename__ = "aggregates"
    __table_args__ = table_args(
        Index("aggregate_uuid_idx", "uuid"),
        Unique("name", name="uniq_aggregate0name"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uuid: Mapped[str | None] = mapped_column(String(36))
    name: Mapped[str | None] = mapped_column(String(255))


class AggregateHost(TimestampMixin, ApiBase):
    """A host that is a member of an aggregate."""

    __tablename__ = "aggregate_hosts"
    __table_args__ = table_args(
        Unique("host", "aggregate_id", name="uniq_aggregate_hosts0host0aggregate_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    host: Mapped[str | None] = mapped_column(String(255))
    aggregate_id: Mapped[int] = mapped_column(Integer, ForeignKey("aggregates.id"), index=True)


class AggregateMetadata(TimestampMixin, ApiBase):
    """A metadata key/value of an aggregate (``availability_zone`` among them)."""

    __tablename__ = "aggregate_metadata"
    __table_args__ = table_args(
        Unique("aggregate_id", "key", name="uniq_aggregate_metadata0aggregate_id0key"),
        Index("aggregate_metadata_key_idx", "key"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(255))
    value: Mapped[str] = mapped_column(String(255))
    aggregate_id: Mapped[int] = mapped_column(Integer, ForeignKey("aggregates.id"))


class Quota(TimestampMixin, ApiBase):
    """A project's quota limit for one resource (NULL hard limit: unlimited)."""

    __tablename__ = "quotas"
    __table_args__ = table_args(
        Unique("project_id", "resource", name="uniq_quotas0project_id0resource"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[str | None] = mapped_column(String(255))
    resource: Mapped[str] = mapped_column(String(255))
    hard_limit: Mapped[int | None] = mapped_column(Integer)


class ProjectUserQuota(TimestampMixin, ApiBase):
    """A user's quota limit for one resource within a project."""

    __tablename__ = "project_user_quotas"
    __table_args__ = table_args(
        Unique(
            "user_id",
            "project_id",
            "resource",
            name="uniq_project_user_quotas0user_id0project_id0resource",
        ),
        Index("project_user_quotas_project_id_idx", "project_id"),
        Index("project_user_quotas_user_id_idx", "user_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[str] = mapped_column(String(255))
    user_id: Mapped[str] = mapped_column(String(255))
    resource: Mapped[str] = mapped_column(String(255))
    hard_limit: Mapped[int | None] = mapped_column(Integer)


class QuotaClass(TimestampMixin, ApiBase):
    """A quota class's limit for one resource (the ``default`` class gives the defaults)."""

    __tablename__ = "quota_classes"
    __table_args__ = table_args(
        Index("quota_classes_class_name_idx", "class_name"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    class_name: Mapped[str | None] = mapped_column(String(255))
    resource: Mapped[str | None] = mapped_column(String(255))
    hard_limit: Mapped[int | None] = mapped_column(Integer)


class BuildRequest(TimestampMixin, ApiBase):
    """An instance accepted by the API and not yet created in a cell (serialised)."""

    __tablename__ = "build_requests"
    __table_args__ = table_args(
        Index("build_requests_project_id_idx", "project_id"),
        Unique("instance_uuid", name="uniq_build_requests0instance_uuid"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    instance_uuid: Mapped[str | None] = mapped_column(String(36))
    project_id: Mapped[str] = mapped_column(String(255))
    instance: Mapped[str | None] = mapped_column(medium_text())
    block_device_mappings: Mapped[str | None] = mapped_column(medium_text())
    tags: Mapped[str | None] = mapped_column(Text)


class RequestSpec(TimestampMixin, ApiBase):
    """What the scheduler was (and will again be) asked for an instance (serialised)."""

    __tablename__ = "request_specs"
    __table_args__ = table_args(
        Unique("instance_uuid", name="uniq_request_specs0instance_uuid"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    instance_uuid: Mapped[str] = mapped_column(String(36))
    spec: Mapped[str] = mapped_column(medium_text())
