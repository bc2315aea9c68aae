"""``[oslo_policy]``: the API's access rules."""

from __future__ import annotations

from novalite.conf.section import Section, opt
from novalite.conf.types import Bool, StrList


class PolicySection(Section):
    """Access rules of the API, with oslo.policy's option names."""

    policy_file: str = opt(
        "policy.yaml",
        "File of rules overriding the built-in defaults, absolute or relative to the "
        "directory of the configuration file. The built-in defaults apply when it does "
        "not exist.",
    )
    policy_dirs: StrList = opt(
        ("policy.d",),
        "Directories of more rule files, read in name order after policy_file.",
    )
    policy_default_rule: str = opt(
        "default",
        "Rule applied to an action that has none.",
    )
    enforce_scope: Bool = opt(
        True,
        "Reject a token whose scope (project or system) does not match the scope of the action.",
    )
    enforce_new_defaults: Bool = opt(
        True,
        "Use the current default rules only, without their deprecated forms (which let "
        "older role set-ups through).",
    )
