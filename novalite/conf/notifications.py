"""``[notifications]`` and ``[oslo_messaging_notifications]``: what is announced, and where."""

from __future__ import annotations

from typing import Literal

from novalite.conf.section import Section, opt
from novalite.conf.types import StrList, Url


class NotificationsSection(Section):
    """Which notifications the services emit."""

    notify_on_state_change: Literal["vm_state", "vm_and_task_state"] | None = opt(
        None,
        "Send instance.update on changes of vm_state, or of vm_state and task_state. Unset: never.",
    )
    default_level: Literal["DEBUG", "INFO", "WARN", "ERROR", "CRITICAL"] = opt(
        "INFO",
        "Priority of notifications that set none.",
    )
    notification_format: Literal["both", "versioned", "unversioned"] = opt(
        "unversioned",
        "Format of the notifications sent: versioned, unversioned (the legacy form), or both.",
    )
    versioned_notifications_topics: StrList = opt(
        ("versioned_notifications",),
        "Topics versioned notifications are sent to.",
    )


class MessagingNotificationsSection(Section):
    """Transport of notifications, with oslo.messaging's option names."""

    driver: StrList = opt(
        (),
        "Drivers sending notifications: messagingv2 (on the bus), log, noop. Empty: none are sent.",
    )
    transport_url: Url | None = opt(
        None,
        "URL of the bus for notifications. Unset: [DEFAULT] transport_url.",
    )
    topics: StrList = opt(
        ("notifications",),
        "Topics unversioned notifications are sent to.",
    )
    retry: int = opt(
        -1,
        "Attempts to send a notification that failed to go out; -1 retries forever, 0 never.",
        ge=-1,
    )
