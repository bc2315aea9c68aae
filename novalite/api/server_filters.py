"""``GET /servers`` query parameters to an :class:`InstanceQuery`, as nova's servers API.

Non-admins keep only the filters of their microversion (others are dropped silently,
as nova does), ``status`` becomes vm_states/task_states, ``all_tenants`` needs its
policy, and sort keys are cleaned of the ones nova ignores or keeps for admins.
"""

from __future__ import annotations

import dataclasses
import datetime

from novalite.api import policies
from novalite.api.common import last, limit_and_marker
from novalite.api.wsgi import Call
from novalite.db.repositories.instances import REGEX_FIELDS, InstanceQuery
from novalite.domain.states import VmState, states_from_status
from novalite.errors import PolicyNotAuthorized, RequestInvalid

PAGING_SORTING = frozenset({"sort_key", "sort_dir", "limit", "marker"})
_TAG_FILTERS = ("tags", "tags-any", "not-tags", "not-tags-any")
#: Query parameters nova filters with a regular expression, and the fields they search.
_REGEX_PARAMS = {field: field for field in REGEX_FIELDS} | {"name": "display_name"}
#: Sort keys accepted by the schema that nova ignores (before 2.73 ``locked`` too).
IGNORED_SORT_KEYS = frozenset(
    {
        "architecture", "cell_name", "cleaned", "default_ephemeral_device",
        "default_swap_device", "deleted", "deleted_at", "disable_terminate", "ephemeral_gb",
        "ephemeral_key_uuid", "id", "key_data", "launched_on", "memory_mb", "os_type",
        "reservation_id", "root_gb", "shutdown_terminate", "user_data", "vcpus", "vm_mode",
    }
)  # fmt: skip
ADMIN_SORT_KEYS = frozenset({"host", "node"})
_TRUE = ("1", "t", "true", "on", "y", "yes")
_FALSE = ("0", "f", "false", "off", "n", "no")


@dataclasses.dataclass
class ServerListQuery:
    """The parsed list request: ``query`` is None when nothing can match."""

    query: InstanceQuery | None
    limit: int
    marker: str | None


def allowed_filters(call: Call) -> frozenset[str]:
    """The filters a caller without ``allow_all_filters`` may use at this microversion."""
    names = {"reservation_id", "name", "status", "image", "flavor", "ip", "changes-since"}
    names.add("all_tenants")
    version = call.version
    if version >= (2, 5):
        names.add("ip6")
    if version >= (2, 26):
        names.update(_TAG_FILTERS)
    if version >= (2, 66):
        names.add("changes-before")
    if version >= (2, 73):
        names.add("locked")
    if version >= (2, 83):
        names.update(
            {
                "availability_zone", "config_drive", "key_name", "created_at", "launched_at",
                "terminated_at", "power_state", "task_state", "vm_state", "progress", "user_id",
            }
        )  # fmt: skip
    if version >= (2, 90):
        names.add("hostname")
    return frozenset(names)


def strict_bool(value: str) -> bool:
    """oslo's strict ``bool_from_string``: 400 with its message for anything else."""
    text = value.strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    accepted = ", ".join(f"'{v}'" for v in sorted(_TRUE + _FALSE))
    raise RequestInvalid(f"Unrecognized value '{value}', acceptable values are: {accepted}")


def _time(params: dict[str, list[str]], name: str) -> datetime.datetime | None:
    raw = last(params, name)
    if raw is None:
        return None
    try:
        value = datetime.datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise RequestInvalid(f"Invalid filter field: {name}.") from None
    if value.tzinfo is not None:
        value = value.astimezone(datetime.UTC).replace(tzinfo=None)
    return value


def _statuses(call: Call, values: list[str]) -> tuple[set[str], set[str | None] | None] | None:
    vm_states: set[str] = set()
    task_states: set[str | None] = set()
    any_task = False
    for value in values:
        vms, tasks = states_from_status(value)
        vm_states.update(v.value for v in vms)
        if vms and not tasks:
            any_task = True
        task_states.update(None if t is None else t.value for t in tasks)
    if not vm_states:
        if call.version >= (2, 38):
            raise RequestInvalid("Invalid status value")
        return None
    return vm_states, None if any_task else task_states


def _sorting(call: Call, params: dict[str, list[str]]) -> tuple[list[str], list[str]]:
    keys = [k.strip() for k in params.get("sort_key", [])] or ["created_at"]
    dirs = [d.strip() for d in params.get("sort_dir", [])] or ["desc"]
    ignored = IGNORED_SORT_KEYS if call.version >= (2, 73) else IGNORED_SORT_KEYS | {"locked"}
    kept_keys: list[str] = []
    kept_dirs: list[str] = []
    for index, key in enumerate(keys):
        if key in ignored:
            continue
        if key in ADMIN_SORT_KEYS and not call.context.is_admin:
            raise PolicyNotAuthorized(f"Only administrators can sort servers by {key}")
        kept_keys.append(key)
        if index < len(dirs):
            kept_dirs.append(dirs[index])
    if len(dirs) > len(keys):
        kept_dirs += dirs[len(keys) :]
    return kept_keys, kept_dirs


def parse(call: Call, params: dict[str, list[str]], *, detail: bool) -> ServerListQuery:
    """The :class:`InstanceQuery` of a list request (policy checks included)."""
    limit, marker = limit_and_marker(call, params)
    sort_keys, sort_dirs = _sorting(call, params)
    opts = {k: v for k, v in params.items() if k not in PAGING_SORTING}
    if not call.allowed(policies.SERVERS % "allow_all_filters"):
        allowed = allowed_filters(call)
        opts = {k: v for k, v in opts.items() if k in allowed}
    query = InstanceQuery(sort_keys=sort_keys, sort_dirs=sort_dirs, limit=limit)
    result = ServerListQuery(query, limit, marker)
    if "status" in opts:
        states = _statuses(call, opts["status"])
        if states is None:
            result.query = None
        else:
            query.vm_states, query.task_states = states
    _filters(call, opts, query)
    _deleted(call, opts, query)
    _tenancy(call, opts, query, detail=detail)
    if "ip" in opts or "ip6" in opts:
        result.query = None
    return result


def _filters(call: Call, opts: dict[str, list[str]], query: InstanceQuery) -> None:
    query.changes_since = _time(opts, "changes-since")
    query.changes_before = _time(opts, "changes-before")
    if (
        query.changes_since is not None
        and query.changes_before is not None
        and query.changes_before < query.changes_since
    ):
        raise RequestInvalid(
            "The value of changes-since must be less than or equal to changes-before."
        )
    for param, field in _REGEX_PARAMS.items():
        pattern = last(opts, param)
        if pattern is not None:
            query.regex_filters[field] = pattern
    for param in _TAG_FILTERS:
        tags = last(opts, param)
        if tags is not None:
            setattr(
                query, param.replace("-", "_"), [t.strip() for t in tags.split(",") if t.strip()]
            )
    query.image_ref = last(opts, "image")
    query.flavor_id = last(opts, "flavor")
    query.reservation_id = last(opts, "reservation_id")
    query.host = last(opts, "host")
    query.node = last(opts, "node")
    query.availability_zone = last(opts, "availability_zone")
    query.user_id = last(opts, "user_id")
    if "uuid" in opts:
        query.uuids = list(opts["uuid"])
    if "vm_state" in opts:
        wanted = set(opts["vm_state"])
        query.vm_states = wanted & set(query.vm_states) if query.vm_states else wanted
    if "task_state" in opts:
        tasks = {None if t in ("", "None") else t for t in opts["task_state"]}
        query.task_states = tasks if query.task_states is None else tasks & set(query.task_states)
    locked = last(opts, "locked")
    if locked is not None:
        query.locked = strict_bool(locked)


def _deleted(call: Call, opts: dict[str, list[str]], query: InstanceQuery) -> None:
    raw = last(opts, "deleted")
    if raw is None:
        query.deleted = None if query.changes_since or query.changes_before else False
    else:
        query.deleted = raw.strip().lower() in _TRUE
    if query.vm_states is not None and set(query.vm_states) == {VmState.DELETED.value}:
        if not call.context.is_admin:
            raise PolicyNotAuthorized("Only administrators may list deleted instances")
        query.deleted = True


def _tenancy(call: Call, opts: dict[str, list[str]], query: InstanceQuery, *, detail: bool) -> None:
    all_tenants = False
    if "all_tenants" in opts:
        raw = last(opts, "all_tenants") or ""
        all_tenants = strict_bool(raw) if raw else True
    if all_tenants:
        rule = "detail:get_all_tenants" if detail else "index:get_all_tenants"
        call.authorize(policies.SERVERS % rule)
        query.project_id = last(opts, "project_id") or last(opts, "tenant_id")
    elif call.context.project_id:
        query.project_id = call.context.project_id
    else:
        query.user_id = call.context.user_id
