import asyncio
import dataclasses
import logging

import pytest

from novalite.domain.service import Service, utcnow
from novalite.service import ServiceReporter


@dataclasses.dataclass
class MemoryRegistry:
    records: dict[int, Service] = dataclasses.field(default_factory=dict)
    fail_heartbeats: bool = False

    async def register(self, service: Service) -> Service:
        service.id = len(self.records) + 1
        self.records[service.id] = service
        return service

    async def heartbeat(self, service_id: int) -> Service:
        if self.fail_heartbeats:
            raise ConnectionError("conductor unreachable")
        svc = self.records[service_id]
        svc.report_count += 1
        svc.last_seen_up = utcnow()
        return svc


async def test_registers_then_heartbeats() -> None:
    registry = MemoryRegistry()
    reporter = ServiceReporter(registry, Service(host="h1", binary="nova-compute"), 0.01)
    await reporter.start()
    assert reporter.service.id == 1
    await asyncio.sleep(0.1)
    await reporter.stop(1)
    assert registry.records[1].report_count >= 3
    assert registry.records[1].is_up(60)


async def test_failed_heartbeat_is_logged_once_and_retried(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    registry = MemoryRegistry(fail_heartbeats=True)
    reporter = ServiceReporter(registry, Service(host="h1", binary="nova-compute"), 0.01)
    await reporter.start()
    await asyncio.sleep(0.08)
    registry.fail_heartbeats = False
    await asyncio.sleep(0.05)
    await reporter.stop(1)
    failures = [r for r in caplog.records if "heartbeat of nova-compute failed" in r.message]
    assert len(failures) == 1
    assert any("recovered" in r.message for r in caplog.records)
    assert registry.records[1].report_count >= 1
