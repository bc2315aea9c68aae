"""nova's default policy rules for what this API serves (POLICY.md: flavors, keypairs)."""

from __future__ import annotations

from novalite.api_common.policy import RuleDefault

ADMIN = "rule:context_is_admin"
READER = "rule:project_reader_or_admin"
ADMIN_OR_USER = "(rule:context_is_admin) or user_id:%(user_id)s"

FLAVOR_MANAGE = "os_compute_api:os-flavor-manage:%s"
EXTRA_SPECS = "os_compute_api:os-flavor-extra-specs:%s"
FLAVOR_ACCESS = "os_compute_api:os-flavor-access"
KEYPAIRS = "os_compute_api:os-keypairs:%s"

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

#: Every default this API registers: pass them to the :class:`Enforcer`.
RULES: tuple[RuleDefault, ...] = BASE_RULES + FLAVOR_RULES + KEYPAIR_RULES
