"""Accepting new servers: build requests, request spec and mappings, then the cast to build.

This is the API half of nova's ``compute.api.API.create``: everything is checked and
recorded in the API database; the super-conductor schedules and creates the instances.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import re
import secrets
import string
from collections.abc import Mapping
from typing import Any

from novalite.context import RequestContext
from novalite.db.engine import Database
from novalite.db.repositories.build_requests import BuildRequestRepository
from novalite.db.repositories.flavors import FlavorRepository
from novalite.db.repositories.keypairs import KeyPairRepository
from novalite.db.repositories.server_groups import ServerGroupRepository
from novalite.domain.flavor import Flavor
from novalite.domain.instance import BuildRequest, Instance
from novalite.domain.request_spec import Destination, RequestSpec
from novalite.domain.server_group import ServerGroup
from novalite.domain.states import PowerState, TaskState, VmState
from novalite.errors import FlavorNotFound, KeypairNotFound, RequestInvalid
from novalite.rpc.conductor import ConductorAPI

LOG = logging.getLogger(__name__)

_PASSWORD_SYMBOLS = "".join(c for c in string.ascii_letters + string.digits if c not in "0O1lI")
_UID_SYMBOLS = string.ascii_lowercase + string.digits


@dataclasses.dataclass
class CreateRequest:
    """A validated ``POST /servers`` body, in the API's terms."""

    name: str
    flavor_id: str
    image_ref: str
    count_min: int = 1
    count_max: int = 1
    key_name: str | None = None
    admin_password: str | None = None
    user_data: str | None = None
    metadata: dict[str, str] = dataclasses.field(default_factory=dict)
    availability_zone: str | None = None
    forced_host: str | None = None
    forced_node: str | None = None
    description: str | None = None
    hostname: str | None = None
    access_ip_v4: str | None = None
    access_ip_v6: str | None = None
    config_drive: bool = False
    tags: list[str] = dataclasses.field(default_factory=list)
    scheduler_hints: dict[str, list[str]] = dataclasses.field(default_factory=dict)
    is_bfv: bool = False
    requested_host: str | None = None
    requested_node: str | None = None


@dataclasses.dataclass
class Created:
    """What the API answers: the new instances, their reservation and the admin password."""

    instances: list[Instance]
    reservation_id: str
    admin_password: str


def generate_password(length: int = 12) -> str:
    """A random admin password (nova's ``generate_password``: no look-alike characters)."""
    return "".join(secrets.choice(_PASSWORD_SYMBOLS) for _ in range(length))


def reservation_id() -> str:
    """``r-`` and 8 random lowercase letters or digits."""
    return "r-" + "".join(secrets.choice(_UID_SYMBOLS) for _ in range(8))


def sanitize_hostname(name: str, default: str | None = None) -> str:
    """nova's ``sanitize_hostname``: RFC 952/1123 characters, lower case, 63 at most."""
    name = name.encode("latin-1", "ignore").decode("latin-1")[:63]
    name = re.sub(r"[ _\.]", "-", name)
    name = re.sub(r"[^\w.-]+", "", name)
    name = name.lower().strip(".-")
    if not name and default is not None:
        return default[:63]
    return name


class ServerCreator:
    """Records new servers in the API database and asks the super-conductor to build them."""

    def __init__(
        self,
        api_db: Database,
        conductor: ConductorAPI,
        *,
        name_template: str = "%(name)s-%(count)d",
    ) -> None:
        self._db = api_db
        self._conductor = conductor
        self._name_template = name_template

    async def flavor(self, ctx: RequestContext, flavor_id: str) -> Flavor:
        """The flavor to boot, if the project may use it (FlavorNotFound otherwise)."""
        repo = FlavorRepository(self._db)
        flavor = await repo.get(flavor_id)
        if flavor.disabled:
            raise FlavorNotFound(flavor_id=flavor_id)
        if (
            not flavor.is_public
            and not ctx.is_admin
            and ctx.project_id not in await repo.projects(flavor.flavorid)
        ):
            raise FlavorNotFound(flavor_id=flavor_id)
        return flavor

    async def create(
        self,
        ctx: RequestContext,
        request: CreateRequest,
        flavor: Flavor,
        group: ServerGroup | None,
        admin_password: str,
    ) -> Created:
        """Record ``request.count_max`` servers and cast their build; returns them."""
        key_data = await self._key_data(ctx, request.key_name)
        reservation = reservation_id()
        instances = [
            self._instance(
                ctx, request, flavor, key_data=key_data, reservation=reservation, index=index
            )
            for index in range(request.count_max)
        ]
        uuids = [i.uuid for i in instances]
        spec = _request_spec(ctx, request, flavor, group, uuids)
        await self._record(ctx, instances, spec, request.tags)
        if group is not None:
            await _add_members(self._db, group.uuid, uuids)
        await self._conductor.schedule_and_build_instances(ctx, spec, uuids)
        return Created(instances, reservation, admin_password)

    async def _key_data(self, ctx: RequestContext, key_name: str | None) -> str | None:
        if key_name is None:
            return None
        try:
            keypair = await KeyPairRepository(self._db).get(ctx.user_id or "", key_name)
        except KeypairNotFound:
            raise RequestInvalid("Invalid key_name provided.") from None
        return keypair.public_key

    def _instance(
        self,
        ctx: RequestContext,
        request: CreateRequest,
        flavor: Flavor,
        *,
        key_data: str | None,
        reservation: str,
        index: int,
    ) -> Instance:
        instance = Instance(
            user_id=ctx.user_id,
            project_id=ctx.project_id,
            display_name=request.name,
            display_description=request.description,
            image_ref=request.image_ref,
            key_name=request.key_name,
            key_data=key_data,
            user_data=request.user_data,
            flavor=flavor,
            vm_state=VmState.BUILDING.value,
            task_state=TaskState.SCHEDULING.value,
            power_state=PowerState.NOSTATE.value,
            availability_zone=request.availability_zone,
            reservation_id=reservation,
            launch_index=index,
            config_drive="True" if request.config_drive else "",
            access_ip_v4=request.access_ip_v4,
            access_ip_v6=request.access_ip_v6,
            metadata=dict(request.metadata),
            tags=list(request.tags),
        )
        if request.count_max > 1:
            instance.display_name = self._numbered(request.name, index, instance.uuid)
        default = f"Server-{instance.uuid}"
        if request.hostname is not None:
            instance.hostname = request.hostname
        else:
            instance.hostname = sanitize_hostname(instance.display_name or "", default)
        return instance

    def _numbered(self, name: str, index: int, uuid: str) -> str:
        try:
            return self._name_template % {"name": name, "count": index + 1, "uuid": uuid}
        except (KeyError, TypeError, ValueError):
            LOG.exception("multi_instance_display_name_template cannot name instances")
            return name

    async def _record(
        self,
        ctx: RequestContext,
        instances: list[Instance],
        spec: RequestSpec,
        tags: list[str],
    ) -> None:
        """The build requests, request specs and mappings of ``instances``, in one go."""
        build_requests = [
            BuildRequest(
                instance_uuid=instance.uuid,
                project_id=ctx.project_id or "",
                instance=instance,
                tags=list(tags),
            )
            for instance in instances
        ]
        specs = [dataclasses.replace(spec, instance_uuid=instance.uuid) for instance in instances]
        await BuildRequestRepository(self._db).create_accepted(build_requests, specs)


def _request_spec(
    ctx: RequestContext,
    request: CreateRequest,
    flavor: Flavor,
    group: ServerGroup | None,
    uuids: list[str],
) -> RequestSpec:
    return RequestSpec(
        instance_uuid=uuids[0],
        instance_uuids=list(uuids),
        num_instances=len(uuids),
        project_id=ctx.project_id,
        user_id=ctx.user_id,
        **RequestSpec.flavor_fields(flavor),
        image_id=request.image_ref or None,
        is_bfv=request.is_bfv,
        availability_zone=request.availability_zone,
        scheduler_hints={k: list(v) for k, v in request.scheduler_hints.items()},
        instance_group=group,
        force_hosts=[request.forced_host] if request.forced_host else [],
        force_nodes=[request.forced_node] if request.forced_node else [],
        requested_destination=(
            Destination(host=request.requested_host, node=request.requested_node)
            if request.requested_host or request.requested_node
            else None
        ),
    )


async def _add_members(api_db: Database, group_uuid: str, uuids: list[str]) -> None:
    await ServerGroupRepository(api_db).add_members(group_uuid, uuids)


async def find_group(api_db: Database, group_uuid: str) -> ServerGroup:
    """The server group of a ``group`` hint (InstanceGroupNotFound)."""
    return await ServerGroupRepository(api_db).get(group_uuid)


def normalise_hints(hints: Mapping[str, Any]) -> dict[str, list[str]]:
    """Scheduler hints as lists of strings (objects, as the ``query`` hint, as JSON text)."""
    result: dict[str, list[str]] = {}
    for key, value in hints.items():
        values = value if isinstance(value, list) else [value]
        result[key] = [v if isinstance(v, str) else json.dumps(v) for v in values]
    return result
