"""Keystone's default policy rules for the calls this service implements.

The check strings follow keystone's secure-RBAC defaults: ``admin`` may do
everything; a system reader may read everything; users may read themselves,
their own projects and domain, and manage their own application credentials
and tokens; services (the ``service`` role) may validate tokens.
"""

from __future__ import annotations

from novalite.api_common.policy import RuleDefault

ALL_SCOPES = ("system", "domain", "project")

ADMIN = "role:admin"
SYSTEM_READER = "role:reader and system_scope:all"
ADMIN_OR_SYSTEM_READER = f"rule:admin_required or ({SYSTEM_READER})"
OWNER = "user_id:%(target.user.id)s"
ADMIN_OR_OWNER = f"rule:admin_required or {OWNER}"
ADMIN_OR_SYSTEM_READER_OR_OWNER = f"{ADMIN_OR_SYSTEM_READER} or {OWNER}"
TOKEN_SUBJECT = "user_id:%(target.token.user_id)s"
SERVICE_ADMIN_OR_TOKEN_SUBJECT = (
    f"rule:admin_required or role:service or ({SYSTEM_READER}) or {TOKEN_SUBJECT}"
)


def _crud(noun: str, plural: str, read: str = ADMIN_OR_SYSTEM_READER) -> list[RuleDefault]:
    return [
        RuleDefault(f"identity:get_{noun}", read, f"Show a {noun}.", ALL_SCOPES),
        RuleDefault(f"identity:list_{plural}", read, f"List {plural}.", ALL_SCOPES),
        RuleDefault(f"identity:create_{noun}", ADMIN, f"Create a {noun}.", ALL_SCOPES),
        RuleDefault(f"identity:update_{noun}", ADMIN, f"Update a {noun}.", ALL_SCOPES),
        RuleDefault(f"identity:delete_{noun}", ADMIN, f"Delete a {noun}.", ALL_SCOPES),
    ]


RULES: list[RuleDefault] = [
    RuleDefault("admin_required", ADMIN, "Holds the admin role."),
    RuleDefault("service_role", "role:service", "Holds the service role."),
    RuleDefault("owner", OWNER, "The caller is the target user."),
    *_crud(
        "project",
        "projects",
        f"{ADMIN_OR_SYSTEM_READER} or project_id:%(target.project.id)s",
    ),
    *_crud("domain", "domains", f"{ADMIN_OR_SYSTEM_READER} or domain_id:%(target.domain.id)s"),
    *_crud("user", "users", f"{ADMIN_OR_SYSTEM_READER} or user_id:%(target.user.id)s"),
    *_crud("role", "roles"),
    *_crud("service", "services"),
    *_crud("endpoint", "endpoints"),
    *_crud("region", "regions", "@"),
    RuleDefault(
        "identity:list_user_projects",
        f"{ADMIN_OR_SYSTEM_READER} or user_id:%(target.user.id)s",
        "List the projects of a user.",
        ALL_SCOPES,
    ),
    RuleDefault(
        "identity:list_implied_roles", ADMIN_OR_SYSTEM_READER, "List implied roles.", ALL_SCOPES
    ),
    RuleDefault(
        "identity:list_role_inference_rules",
        ADMIN_OR_SYSTEM_READER,
        "List all role inference rules.",
        ALL_SCOPES,
    ),
    RuleDefault("identity:create_implied_role", ADMIN, "Create a role inference rule.", ALL_SCOPES),
    RuleDefault("identity:check_grant", ADMIN_OR_SYSTEM_READER, "Check a grant.", ALL_SCOPES),
    RuleDefault("identity:list_grants", ADMIN_OR_SYSTEM_READER, "List grants.", ALL_SCOPES),
    RuleDefault("identity:create_grant", ADMIN, "Grant a role.", ALL_SCOPES),
    RuleDefault("identity:revoke_grant", ADMIN, "Revoke a role.", ALL_SCOPES),
    RuleDefault(
        "identity:list_role_assignments",
        ADMIN_OR_SYSTEM_READER,
        "List role assignments.",
        ALL_SCOPES,
    ),
    RuleDefault(
        "identity:get_application_credential",
        ADMIN_OR_SYSTEM_READER_OR_OWNER,
        "Show an application credential.",
        ALL_SCOPES,
    ),
    RuleDefault(
        "identity:list_application_credentials",
        ADMIN_OR_SYSTEM_READER_OR_OWNER,
        "List application credentials.",
        ALL_SCOPES,
    ),
    RuleDefault(
        "identity:create_application_credential",
        OWNER,
        "Create an application credential (for oneself).",
        ALL_SCOPES,
    ),
    RuleDefault(
        "identity:delete_application_credential",
        ADMIN_OR_OWNER,
        "Delete an application credential.",
        ALL_SCOPES,
    ),
    RuleDefault(
        "identity:validate_token",
        SERVICE_ADMIN_OR_TOKEN_SUBJECT,
        "Validate a token.",
        ALL_SCOPES,
    ),
    RuleDefault(
        "identity:check_token", SERVICE_ADMIN_OR_TOKEN_SUBJECT, "Check a token.", ALL_SCOPES
    ),
    RuleDefault(
        "identity:revoke_token",
        f"rule:admin_required or role:service or {TOKEN_SUBJECT}",
        "Revoke a token.",
        ALL_SCOPES,
    ),
]
