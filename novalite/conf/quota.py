"""``[quota]``: default limits of a project."""

from __future__ import annotations

from typing import Literal

from novalite.conf.section import Section, opt
from novalite.conf.types import Bool


class QuotaSection(Section):
    """Default quotas of a project; -1 means unlimited."""

    instances: int = opt(10, "Servers a project may have.", ge=-1)
    cores: int = opt(20, "vCPUs a project's servers may have in total.", ge=-1)
    ram: int = opt(51200, "RAM (MiB) a project's servers may have in total.", ge=-1)
    metadata_items: int = opt(128, "Metadata items a server may have.", ge=-1)
    injected_files: int = opt(5, "Files a server may have injected at creation.", ge=-1)
    injected_file_content_bytes: int = opt(
        10240,
        "Size (bytes) of an injected file.",
        ge=-1,
    )
    injected_file_path_length: int = opt(
        255,
        "Length of the path of an injected file.",
        ge=-1,
    )
    key_pairs: int = opt(100, "Key pairs a user may have.", ge=-1)
    server_groups: int = opt(10, "Server groups a project may have.", ge=-1)
    server_group_members: int = opt(10, "Servers a server group may have.", ge=-1)
    driver: Literal[
        "nova.quota.DbQuotaDriver",
        "nova.quota.NoopQuotaDriver",
        "nova.quota.UnifiedLimitsDriver",
    ] = opt(
        "nova.quota.DbQuotaDriver",
        "Where limits come from: DbQuotaDriver (the API database), NoopQuotaDriver (no "
        "limits) or UnifiedLimitsDriver (the identity service).",
    )
    recheck_quota: Bool = opt(
        True,
        "Count usage again after creating resources, to catch races between requests.",
    )
    count_usage_from_placement: Bool = opt(
        False,
        "Count cores and RAM from placement's usages instead of the cell databases.",
    )
