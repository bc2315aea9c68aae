"""Placement's policy rules as data: upstream names and (secure-RBAC) defaults.

Base rules (project scope): ``admin_api`` = ``role:admin``, ``service_api`` =
``role:service``, ``admin_or_service_api`` = ``role:admin or role:service``,
``project_reader_api`` and ``admin_or_project_reader_or_service_api`` (for
``GET /usages``). Every API rule uses ``admin_or_service_api`` except
``placement:usages`` (project readers too) and ``placement:reshaper:reshape``
(service only). :data:`ROUTE_RULES` names the rule of each route.
"""

from __future__ import annotations

from novalite.api_common.policy import RuleDefault

ADMIN_OR_SERVICE = "rule:admin_or_service_api"
SERVICE = "rule:service_api"
ADMIN_OR_PROJECT_READER_OR_SERVICE = "rule:admin_or_project_reader_or_service_api"
_PROJECT = ("project",)

BASE_RULES: tuple[RuleDefault, ...] = (
    RuleDefault("admin_api", "role:admin", "Default rule for admin-only APIs.", _PROJECT),
    RuleDefault(
        "service_api", "role:service", "Default rule for service-to-service APIs.", _PROJECT
    ),
    RuleDefault(
        "admin_or_service_api",
        "role:admin or role:service",
        "Default rule for most placement APIs.",
        _PROJECT,
    ),
    RuleDefault(
        "project_reader_api",
        "role:reader and project_id:%(project_id)s",
        "Default rule for project level reader APIs.",
        _PROJECT,
    ),
    RuleDefault(
        "admin_or_project_reader_or_service_api",
        "role:admin or rule:project_reader_api or role:service",
        "Default rule for project level reader APIs.",
        _PROJECT,
    ),
)

_RP = "/resource_providers/{uuid}"

#: ``(method, path) -> (rule name, check string, description)``.
_API: dict[tuple[str, str], tuple[str, str, str]] = {
    ("GET", "/resource_providers"): (
        "placement:resource_providers:list",
        ADMIN_OR_SERVICE,
        "List resource providers.",
    ),
    ("POST", "/resource_providers"): (
        "placement:resource_providers:create",
        ADMIN_OR_SERVICE,
        "Create resource provider.",
    ),
    ("GET", _RP): (
        "placement:resource_providers:show",
        ADMIN_OR_SERVICE,
        "Show resource provider.",
    ),
    ("PUT", _RP): (
        "placement:resource_providers:update",
        ADMIN_OR_SERVICE,
        "Update resource provider.",
    ),
    ("DELETE", _RP): (
        "placement:resource_providers:delete",
        ADMIN_OR_SERVICE,
        "Delete resource provider.",
    ),
    ("GET", _RP + "/inventories"): (
        "placement:resource_providers:inventories:list",
        ADMIN_OR_SERVICE,
        "List resource provider inventories.",
    ),
    ("POST", _RP + "/inventories"): (
        "placement:resource_providers:inventories:create",
        ADMIN_OR_SERVICE,
        "Create one resource provider inventory.",
    ),
    ("PUT", _RP + "/inventories"): (
        "placement:resource_providers:inventories:update",
        ADMIN_OR_SERVICE,
        "Update resource provider inventories.",
    ),
    ("DELETE", _RP + "/inventories"): (
        "placement:resource_providers:inventories:delete",
        ADMIN_OR_SERVICE,
        "Delete resource provider inventories.",
    ),
    ("GET", _RP + "/inventories/{resource_class}"): (
        "placement:resource_providers:inventories:show",
        ADMIN_OR_SERVICE,
        "Show resource provider inventory.",
    ),
    ("PUT", _RP + "/inventories/{resource_class}"): (
        "placement:resource_providers:inventories:update",
        ADMIN_OR_SERVICE,
        "Update resource provider inventory.",
    ),
    ("DELETE", _RP + "/inventories/{resource_class}"): (
        "placement:resource_providers:inventories:delete",
        ADMIN_OR_SERVICE,
        "Delete resource provider inventory.",
    ),
    ("GET", _RP + "/usages"): (
        "placement:resource_providers:usages",
        ADMIN_OR_SERVICE,
        "List resource provider usages.",
    ),
    ("GET", _RP + "/aggregates"): (
        "placement:resource_providers:aggregates:list",
        ADMIN_OR_SERVICE,
        "List resource provider aggregates.",
    ),
    ("PUT", _RP + "/aggregates"): (
        "placement:resource_providers:aggregates:update",
        ADMIN_OR_SERVICE,
        "Update resource provider aggregates.",
    ),
    ("GET", _RP + "/allocations"): (
        "placement:resource_providers:allocations:list",
        ADMIN_OR_SERVICE,
        "List resource provider allocations.",
    ),
    ("GET", _RP + "/traits"): (
        "placement:resource_providers:traits:list",
        ADMIN_OR_SERVICE,
        "List resource provider traits.",
    ),
    ("PUT", _RP + "/traits"): (
        "placement:resource_providers:traits:update",
        ADMIN_OR_SERVICE,
        "Update resource provider traits.",
    ),
    ("DELETE", _RP + "/traits"): (
        "placement:resource_providers:traits:delete",
        ADMIN_OR_SERVICE,
        "Delete resource provider traits.",
    ),
    ("GET", "/resource_classes"): (
        "placement:resource_classes:list",
        ADMIN_OR_SERVICE,
        "List resource classes.",
    ),
    ("POST", "/resource_classes"): (
        "placement:resource_classes:create",
        ADMIN_OR_SERVICE,
        "Create resource class.",
    ),
    ("GET", "/resource_classes/{name}"): (
        "placement:resource_classes:show",
        ADMIN_OR_SERVICE,
        "Show resource class.",
    ),
    ("PUT", "/resource_classes/{name}"): (
        "placement:resource_classes:update",
        ADMIN_OR_SERVICE,
        "Update resource class.",
    ),
    ("DELETE", "/resource_classes/{name}"): (
        "placement:resource_classes:delete",
        ADMIN_OR_SERVICE,
        "Delete resource class.",
    ),
    ("GET", "/traits"): ("placement:traits:list", ADMIN_OR_SERVICE, "List traits."),
    ("GET", "/traits/{name}"): ("placement:traits:show", ADMIN_OR_SERVICE, "Show trait."),
    ("PUT", "/traits/{name}"): ("placement:traits:update", ADMIN_OR_SERVICE, "Update trait."),
    ("DELETE", "/traits/{name}"): ("placement:traits:delete", ADMIN_OR_SERVICE, "Delete trait."),
    ("POST", "/allocations"): (
        "placement:allocations:manage",
        ADMIN_OR_SERVICE,
        "Manage allocations.",
    ),
    ("GET", "/allocations/{consumer_uuid}"): (
        "placement:allocations:list",
        ADMIN_OR_SERVICE,
        "List allocations.",
    ),
    ("PUT", "/allocations/{consumer_uuid}"): (
        "placement:allocations:update",
        ADMIN_OR_SERVICE,
        "Update allocations.",
    ),
    ("DELETE", "/allocations/{consumer_uuid}"): (
        "placement:allocations:delete",
        ADMIN_OR_SERVICE,
        "Delete allocations.",
    ),
    ("GET", "/allocation_candidates"): (
        "placement:allocation_candidates:list",
        ADMIN_OR_SERVICE,
        "List allocation candidates.",
    ),
    ("GET", "/usages"): (
        "placement:usages",
        ADMIN_OR_PROJECT_READER_OR_SERVICE,
        "List total resource usages for a given project.",
    ),
    ("POST", "/reshaper"): (
        "placement:reshaper:reshape",
        SERVICE,
        "Reshape Inventory and Allocations.",
    ),
}

#: ``(method, path) -> rule name``; routes absent here (``GET /``) need no authorization.
ROUTE_RULES: dict[tuple[str, str], str] = {key: value[0] for key, value in _API.items()}


def _api_rules() -> tuple[RuleDefault, ...]:
    seen: dict[str, RuleDefault] = {}
    for name, check, description in _API.values():
        seen.setdefault(name, RuleDefault(name, check, description, _PROJECT))
    return tuple(seen.values())


#: Every default rule of placement.
RULES: tuple[RuleDefault, ...] = BASE_RULES + _api_rules()
