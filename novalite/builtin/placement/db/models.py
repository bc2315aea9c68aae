"""Placement's tables (own metadata, own Alembic history).

Table and column names follow upstream placement's schema and are stable:
other modules (allocation candidates) query them directly.

Standard resource classes are not stored: their ids are their position in
``os_resource_classes.STANDARDS`` (0..N); custom classes get ids from
:data:`CUSTOM_CLASS_ID_BASE` upwards in ``resource_classes``. Traits, standard
and custom, all live in ``traits`` (standard ones synced from os-traits at
start-up).
"""

from __future__ import annotations

import datetime

from sqlalchemy import (
    BigInteger,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from novalite.db.models.base import NAMING_CONVENTION, UTCDateTime, table_args, utcnow

#: Ids of custom resource classes start here (upstream: 10000).
CUSTOM_CLASS_ID_BASE = 10000


class PlacementBase(DeclarativeBase):
    """Declarative base of placement's tables."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime.datetime: UTCDateTime()}


class _Timestamps:
    created_at: Mapped[datetime.datetime | None] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime.datetime | None] = mapped_column(default=utcnow, onupdate=utcnow)


class ResourceProvider(_Timestamps, PlacementBase):
    """A provider of resources; ``generation`` guards every change to it."""

    __tablename__ = "resource_providers"
    __table_args__ = table_args(
        UniqueConstraint("uuid"),
        UniqueConstraint("name"),
        Index("ix_resource_providers_root_provider_id", "root_provider_id"),
        Index("ix_resource_providers_parent_provider_id", "parent_provider_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    uuid: Mapped[str] = mapped_column(String(36), nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    generation: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    root_provider_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("resource_providers.id"), nullable=True
    )
    parent_provider_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("resource_providers.id"), nullable=True
    )


class Inventory(_Timestamps, PlacementBase):
    """How much of one resource class a provider has."""

    __tablename__ = "inventories"
    __table_args__ = table_args(
        UniqueConstraint("resource_provider_id", "resource_class_id"),
        Index("ix_inventories_resource_class_id", "resource_class_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    resource_provider_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("resource_providers.id"), nullable=False
    )
    resource_class_id: Mapped[int] = mapped_column(Integer, nullable=False)
    total: Mapped[int] = mapped_column(Integer, nullable=False)
    reserved: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    min_unit: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    max_unit: Mapped[int] = mapped_column(Integer, nullable=False, default=2147483647)
    step_size: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    allocation_ratio: Mapped[float] = mapped_column(Float, nullable=False, default=1.0)


class Allocation(_Timestamps, PlacementBase):
    """An amount of one class of one provider used by one consumer."""

    __tablename__ = "allocations"
    __table_args__ = table_args(
        Index(
            "ix_allocations_resource_provider_class_used",
            "resource_provider_id",
            "resource_class_id",
            "used",
        ),
        Index("ix_allocations_consumer_id", "consumer_id"),
        Index("ix_allocations_resource_class_id", "resource_class_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    resource_provider_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("resource_providers.id"), nullable=False
    )
    consumer_id: Mapped[str] = mapped_column(String(36), nullable=False)
    resource_class_id: Mapped[int] = mapped_column(Integer, nullable=False)
    used: Mapped[int] = mapped_column(BigInteger, nullable=False)


class Project(_Timestamps, PlacementBase):
    """A keystone project owning consumers."""

    __tablename__ = "projects"
    __table_args__ = table_args(UniqueConstraint("external_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    external_id: Mapped[str] = mapped_column(String(255), nullable=False)


class User(_Timestamps, PlacementBase):
    """A keystone user owning consumers."""

    __tablename__ = "users"
    __table_args__ = table_args(UniqueConstraint("external_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    external_id: Mapped[str] = mapped_column(String(255), nullable=False)


class ConsumerType(_Timestamps, PlacementBase):
    """A consumer type name (``INSTANCE``, ``MIGRATION``, ...), 1.38."""

    __tablename__ = "consumer_types"
    __table_args__ = table_args(UniqueConstraint("name"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(255), nullable=False)


class Consumer(_Timestamps, PlacementBase):
    """The owner of allocations; ``generation`` guards its allocations (1.28)."""

    __tablename__ = "consumers"
    __table_args__ = table_args(
        UniqueConstraint("uuid"),
        Index("ix_consumers_project_id_user_id", "project_id", "user_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    uuid: Mapped[str] = mapped_column(String(36), nullable=False)
    project_id: Mapped[int] = mapped_column(Integer, ForeignKey("projects.id"), nullable=False)
    user_id: Mapped[int] = mapped_column(Integer, ForeignKey("users.id"), nullable=False)
    generation: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    consumer_type_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("consumer_types.id"), nullable=True
    )


class ResourceClass(_Timestamps, PlacementBase):
    """A custom resource class (``CUSTOM_*``); ids start at :data:`CUSTOM_CLASS_ID_BASE`."""

    __tablename__ = "resource_classes"
    __table_args__ = table_args(UniqueConstraint("name"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(255), nullable=False)


class Trait(_Timestamps, PlacementBase):
    """A trait, standard (os-traits) or custom (``CUSTOM_*``)."""

    __tablename__ = "traits"
    __table_args__ = table_args(UniqueConstraint("name"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(255), nullable=False)


class ResourceProviderTrait(PlacementBase):
    """A trait of a provider."""

    __tablename__ = "resource_provider_traits"
    __table_args__ = table_args(
        Index("ix_resource_provider_traits_resource_provider_id", "resource_provider_id"),
    )

    trait_id: Mapped[int] = mapped_column(Integer, ForeignKey("traits.id"), primary_key=True)
    resource_provider_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("resource_providers.id"), primary_key=True
    )


class PlacementAggregate(PlacementBase):
    """An aggregate known by its uuid."""

    __tablename__ = "placement_aggregates"
    __table_args__ = table_args(UniqueConstraint("uuid"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    uuid: Mapped[str] = mapped_column(String(36), nullable=False)


class ResourceProviderAggregate(PlacementBase):
    """Membership of a provider in an aggregate."""

    __tablename__ = "resource_provider_aggregates"
    __table_args__ = table_args(
        Index("ix_resource_provider_aggregates_aggregate_id", "aggregate_id"),
    )

    resource_provider_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("resource_providers.id"), primary_key=True
    )
    aggregate_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("placement_aggregates.id"), primary_key=True
    )
