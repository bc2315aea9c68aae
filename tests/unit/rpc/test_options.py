"""RabbitMQ options: validation and reconnection backoff."""

from __future__ import annotations

import pytest

from novalite.errors import ConfigError
from novalite.rpc import RabbitOptions


def test_defaults_mirror_oslo_messaging() -> None:
    options = RabbitOptions()
    assert options.rabbit_retry_interval == 1.0
    assert options.rabbit_retry_backoff == 2.0
    assert options.rabbit_interval_max == 30.0
    assert options.amqp_durable_queues is True
    assert options.heartbeat_timeout_threshold == 60
    assert options.control_exchange == "nova"


def test_retry_delay_grows_exponentially_up_to_the_maximum() -> None:
    options = RabbitOptions(rabbit_retry_interval=1, rabbit_retry_backoff=2, rabbit_interval_max=10)
    delays = [options.retry_delay(n) for n in range(8)]
    for delay, base in zip(delays, [1, 2, 4, 8, 10, 10, 10, 10], strict=True):
        assert base <= delay <= base * 1.1
    assert options.retry_delay(10_000) <= 11


@pytest.mark.parametrize(
    "kwargs",
    [
        {"rabbit_retry_interval": 0},
        {"rabbit_interval_max": -1},
        {"rabbit_retry_backoff": 0.5},
        {"heartbeat_timeout_threshold": -1},
        {"rabbit_qos_prefetch_count": -1},
        {"control_exchange": ""},
    ],
)
def test_bad_values_are_config_errors(kwargs: dict[str, object]) -> None:
    with pytest.raises(ConfigError):
        RabbitOptions(**kwargs)  # type: ignore[arg-type]
