"""nova's default policy rules for what this API serves (POLICY.md: flavors, keypairs)."""

from __future__ import annotations

from novalite.api_common.policy import RuleDefault

ADMIN = "rule:context_is_admin"
READER = "rule:project_reader_or_admin"
MEMBER = "rule:project_member_or_admin"
ADMIN_OR_USER = "(rule:context_is_admin) or user_id:%(user_id)s"

FLAVOR_MANAGE = "os_compute_api:os-flavor-manage:%s"
EXTRA_SPECS = "os_compute_api:os-flavor-extra-specs:%s"
FLAVOR_ACCESS = "os_compute_api:os-flavor-access"
KEYPAIRS = "os_compute_api:os-keypairs:%s"
SERVER_GROUPS = "os_compute_api:os-server-groups:%s"
INSTANCE_ACTIONS = "os_compute_api:os-instance-actions:%s"
SERVERS = "os_compute_api:servers:%s"
EXTENDED_SERVER_ATTRIBUTES = "os_compute_api:os-extended-server-attributes"
FORCE_DELETE = "os_compute_api:os-deferred-delete:force"
REQUESTED_DESTINATION = "compute:servers:create:requested_destination"

_PROJECT = ("project",)

#: Base rules nova defines in ``nova/policies/base.py``.
BASE_RULES = (
    RuleDefault("context_is_admin", "role:admin"),
    RuleDefault("admin_api", "is_admin:True"),
    RuleDefault("admin_or_owner", "is_admin:True or project_id:%(project_id)s"),
    RuleDefault(
        "project_manager_or_admin",
        "(role:manager and project_id:%(project_id)s) or rule:context_is_admin",
    ),
    RuleDefault(
        "project_member_or_admin",
        "(role:member and project_id:%(project_id)s) or rule:context_is_admin",
    ),
    RuleDefault(
        "project_reader_or_admin",
        "(role:reader and project_id:%(project_id)s) or rule:context_is_admin",
    ),
    RuleDefault("service_api", "role:service"),
    RuleDefault("service_or_admin", "rule:service_api or rule:context_is_admin"),
)

FLAVOR_RULES = (
    RuleDefault(FLAVOR_MANAGE % "create", ADMIN, "Create a flavor", _PROJECT),
    RuleDefault(FLAVOR_MANAGE % "update", ADMIN, "Update a flavor's description", _PROJECT),
    RuleDefault(FLAVOR_MANAGE % "delete", ADMIN, "Delete a flavor", _PROJECT),
    RuleDefault(EXTRA_SPECS % "index", READER, "List (and see) extra specs", _PROJECT),
    RuleDefault(EXTRA_SPECS % "show", READER, "Show one extra spec", _PROJECT),
    RuleDefault(EXTRA_SPECS % "create", ADMIN, "Create extra specs", _PROJECT),
    RuleDefault(EXTRA_SPECS % "update", ADMIN, "Update one extra spec", _PROJECT),
    RuleDefault(EXTRA_SPECS % "delete", ADMIN, "Delete one extra spec", _PROJECT),
    RuleDefault(FLAVOR_ACCESS, ADMIN, "List the projects of a private flavor", _PROJECT),
    RuleDefault(FLAVOR_ACCESS + ":add_tenant_access", ADMIN, "Add a project", _PROJECT),
    RuleDefault(FLAVOR_ACCESS + ":remove_tenant_access", ADMIN, "Remove a project", _PROJECT),
)

KEYPAIR_RULES = tuple(
    RuleDefault(KEYPAIRS % name, ADMIN_OR_USER, f"{name} keypairs", _PROJECT)
    for name in ("index", "create", "delete", "show")
)

SERVER_GROUP_RULES = (
    RuleDefault(SERVER_GROUPS % "create", MEMBER, "Create a server group", _PROJECT),
    RuleDefault(SERVER_GROUPS % "delete", MEMBER, "Delete a server group", _PROJECT),
    RuleDefault(SERVER_GROUPS % "index", READER, "List the project's server groups", _PROJECT),
    RuleDefault(
        SERVER_GROUPS % "index:all_projects", ADMIN, "List every project's groups", _PROJECT
    ),
    RuleDefault(SERVER_GROUPS % "show", READER, "Show a server group", _PROJECT),
)

INSTANCE_ACTION_RULES = (
    RuleDefault(INSTANCE_ACTIONS % "list", READER, "List a server's actions", _PROJECT),
    RuleDefault(INSTANCE_ACTIONS % "show", READER, "Show a server's action", _PROJECT),
    RuleDefault(INSTANCE_ACTIONS % "events", ADMIN, "See action events with tracebacks", _PROJECT),
    RuleDefault(INSTANCE_ACTIONS % "events:details", ADMIN, "See action events' details", _PROJECT),
)

#: Every default this API registers: pass them to the :class:`Enforcer`.
RULES: tuple[RuleDefault, ...] = BASE_RULES + FLAVOR_RULES + KEYPAIR_RULES
RULES += SERVER_GROUP_RULES + INSTANCE_ACTION_RULES

_SERVER_DEFAULTS = (
    ("index", READER, "List servers"),
    ("detail", READER, "List servers with details"),
    ("index:get_all_tenants", ADMIN, "List servers of every project"),
    ("detail:get_all_tenants", ADMIN, "List servers of every project with details"),
    ("allow_all_filters", ADMIN, "Use every filter when listing servers"),
    ("show", READER, "Show a server"),
    ("show:flavor-extra-specs", READER, "See the flavor extra specs of servers"),
    ("show:host_status", ADMIN, "See the host status of servers"),
    ("show:host_status:unknown-only", ADMIN, "See the host status when it is UNKNOWN"),
    ("create", MEMBER, "Create a server"),
    ("create:forced_host", ADMIN, "Create a server on a given host"),
    ("create:attach_volume", MEMBER, "Create a server with volumes"),
    ("create:attach_network", MEMBER, "Create a server with networks"),
    ("create:trusted_certs", MEMBER, "Create a server with trusted image certificates"),
    ("create:zero_disk_flavor", ADMIN, "Create a server with a zero-disk flavor"),
    ("delete", MEMBER, "Delete a server"),
    ("update", MEMBER, "Update a server"),
    ("reboot", MEMBER, "Reboot a server"),
    ("start", MEMBER, "Start a server"),
    ("stop", MEMBER, "Stop a server"),
)
SERVER_RULES = (
    *(RuleDefault(SERVERS % name, rule, text, _PROJECT) for name, rule, text in _SERVER_DEFAULTS),
    RuleDefault(EXTENDED_SERVER_ATTRIBUTES, ADMIN, "See the extended attributes", _PROJECT),
    RuleDefault(FORCE_DELETE, MEMBER, "Force-delete a server", _PROJECT),
    RuleDefault(REQUESTED_DESTINATION, ADMIN, "Create a server on a given host/node", _PROJECT),
)
RULES += SERVER_RULES
