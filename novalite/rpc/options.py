"""Options of the RabbitMQ transport, named as in nova.conf's ``[oslo_messaging_rabbit]``.

``control_exchange`` comes from ``[DEFAULT]`` as in nova; ``connection_name``
is what the broker shows for the connection (``rabbitmqctl list_connections
client_properties``), handy to tell services apart.
"""

from __future__ import annotations

import dataclasses
import random

from novalite.errors import ConfigError


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class RabbitOptions:
    """Tuning of the RabbitMQ transport; the defaults are oslo.messaging's."""

    #: Seconds to wait before the first reconnection attempt.
    rabbit_retry_interval: float = 1.0
    #: Factor by which the wait grows after each failed attempt (exponential backoff).
    rabbit_retry_backoff: float = 2.0
    #: Longest wait between two reconnection attempts, in seconds.
    rabbit_interval_max: float = 30.0
    #: Declare topic queues and exchanges durable (survive a broker restart).
    amqp_durable_queues: bool = True
    #: Seconds without heartbeat after which the broker is considered gone (0 disables).
    heartbeat_timeout_threshold: int = 60
    #: Unacknowledged messages a server may hold; 0 means "the server's max_concurrency".
    rabbit_qos_prefetch_count: int = 0
    #: Seconds an unused reply queue survives (lets replies wait out a short disconnection).
    rabbit_transient_queues_ttl: int = 1800
    #: The topic exchange that RPC topics are bound to.
    control_exchange: str = "nova"
    #: Name shown by the broker for this process's connection.
    connection_name: str = "novalite"
    #: Seconds allowed for one TCP/AMQP connection attempt.
    connect_attempt_timeout: float = 10.0

    def __post_init__(self) -> None:
        positive = {
            "rabbit_retry_interval": self.rabbit_retry_interval,
            "rabbit_interval_max": self.rabbit_interval_max,
            "connect_attempt_timeout": self.connect_attempt_timeout,
            "rabbit_transient_queues_ttl": self.rabbit_transient_queues_ttl,
        }
        for name, value in positive.items():
            if value <= 0:
                raise ConfigError(reason=f"[oslo_messaging_rabbit] {name} must be > 0")
        if self.rabbit_retry_backoff < 1:
            raise ConfigError(reason="[oslo_messaging_rabbit] rabbit_retry_backoff must be >= 1")
        if self.heartbeat_timeout_threshold < 0 or self.rabbit_qos_prefetch_count < 0:
            raise ConfigError(
                reason="[oslo_messaging_rabbit] heartbeat_timeout_threshold and "
                "rabbit_qos_prefetch_count must be >= 0"
            )
        if not self.control_exchange:
            raise ConfigError(reason="[DEFAULT] control_exchange must not be empty")

    def retry_delay(self, attempt: int) -> float:
        """Seconds to wait before reconnection attempt number ``attempt`` (0-based).

        ``rabbit_retry_interval * rabbit_retry_backoff ** attempt``, capped at
        ``rabbit_interval_max``, plus up to 10 % jitter so that many services
        do not reconnect in lockstep after a broker restart.
        """
        base = self.rabbit_retry_interval * self.rabbit_retry_backoff ** min(attempt, 32)
        delay = min(self.rabbit_interval_max, base)
        return delay * (1.0 + 0.1 * random.random())  # jitter, not crypto
