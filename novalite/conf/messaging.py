"""Message bus sections: ``[oslo_messaging_rabbit]`` and ``[upgrade_levels]``."""

from __future__ import annotations

from novalite.conf.section import Section, opt
from novalite.conf.types import Bool, Seconds


class RabbitSection(Section):
    """RabbitMQ transport (transport_url = rabbit://...), with oslo.messaging's option names."""

    rabbit_retry_interval: Seconds = opt(
        1,
        "Seconds before the first attempt to reconnect to RabbitMQ.",
        ge=0,
    )
    rabbit_retry_backoff: Seconds = opt(
        2,
        "Seconds added to the wait between two successive reconnection attempts.",
        ge=0,
    )
    rabbit_interval_max: Seconds = opt(
        30,
        "Longest wait between two reconnection attempts.",
        ge=1,
    )
    kombu_reconnect_delay: Seconds = opt(
        1,
        "Seconds to wait before reconnecting after a consumer was cancelled by the broker.",
        ge=0,
    )
    amqp_durable_queues: Bool = opt(
        True,
        "Declare durable queues and persistent messages for RPC work, so that a broker "
        "restart loses no work. novalite defaults to true (oslo.messaging: false).",
    )
    amqp_auto_delete: Bool = opt(
        False,
        "Delete RPC queues when their last consumer goes away.",
    )
    heartbeat_timeout_threshold: Seconds = opt(
        60,
        "Seconds without a heartbeat after which the broker connection is considered "
        "dead. 0 disables heartbeats.",
        ge=0,
    )
    rabbit_qos_prefetch_count: int = opt(
        0,
        "Messages a consumer may hold unacknowledged. 0 lets novalite pick a prefetch "
        "fit for its concurrency (oslo.messaging: unlimited).",
        ge=0,
    )
    rabbit_transient_queues_ttl: Seconds = opt(
        1800,
        "Seconds an unused reply or fanout queue lives before the broker deletes it.",
        ge=1,
    )
    ssl: Bool = opt(False, "Connect to RabbitMQ over TLS.")
    ssl_ca_file: str = opt("", "CA bundle to check the broker's certificate against.")
    ssl_cert_file: str = opt("", "Client certificate for TLS.")
    ssl_key_file: str = opt("", "Private key of the client certificate.")


class UpgradeLevelsSection(Section):
    """Caps on the RPC versions sent to each service, for rolling upgrades."""

    compute: str | None = opt(
        None,
        "Highest RPC version sent to compute services: a version such as 6.0, a release "
        "name, or auto to follow the oldest compute service running. Unset: no cap.",
    )
    conductor: str | None = opt(
        None,
        "Highest RPC version sent to conductor services. Unset: no cap.",
    )
    scheduler: str | None = opt(
        None,
        "Highest RPC version sent to scheduler services. Unset: no cap.",
    )
