"""RPC round-trip latency: one server, one client, sequential call() of a trivial method.

    uv run python bench/rpc_latency.py --transport-url inproc:// --calls 1000
    uv run python bench/rpc_latency.py --transport-url rabbit://guest:guest@127.0.0.1:5672/

Prints one line per run (median and p99 latency in ms, calls per second); with
``--json`` also a JSON object. On RabbitMQ it uses a private control exchange and
topic and deletes them afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
import uuid

from novalite import rpc
from novalite.context import RequestContext


class Echo:
    """The trivial endpoint measured."""

    RPC_API_VERSION = "1.0"

    @rpc.expose
    async def echo(self, ctx: RequestContext, value: int) -> int:
        return value


def _percentile(sorted_values: list[float], fraction: float) -> float:
    index = min(len(sorted_values) - 1, round(fraction * (len(sorted_values) - 1)))
    return sorted_values[index]


async def _cleanup_rabbit(url: str, options: rpc.RabbitOptions, topic: str) -> None:
    import aio_pika  # noqa: PLC0415 (only for rabbit runs)

    host = rpc.TransportURL.parse(url).hosts[0]
    connection = await aio_pika.connect(
        host=host.hostname,
        port=host.port,
        login=host.username or "guest",
        password=host.password or "guest",
    )
    async with connection:
        channel = await connection.channel()
        for queue in (topic, f"{topic}.bench"):
            await channel.queue_delete(queue)
        for exchange in (options.control_exchange, f"{topic}_fanout"):
            await channel.exchange_delete(exchange)


async def run(url: str, calls: int, warmup: int) -> dict[str, float | int | str]:
    """Measure ``calls`` sequential calls after ``warmup`` unmeasured ones."""
    name = f"novalite-bench-{uuid.uuid4().hex[:8]}"
    options = rpc.RabbitOptions(control_exchange=name, connection_name=name)
    topic = f"{name}-topic"
    server_transport = rpc.create_transport(url, options)
    client_transport = rpc.create_transport(url, options)
    server = rpc.RpcServer(server_transport, topic, "bench", [Echo()])
    await server.start(connect_timeout=10)
    client = rpc.RpcClient(client_transport, topic, timeout=10)
    ctx = RequestContext()
    try:
        for i in range(warmup):
            await client.call(ctx, "echo", value=i)
        latencies: list[float] = []
        started = time.perf_counter()
        for i in range(calls):
            t0 = time.perf_counter()
            await client.call(ctx, "echo", value=i)
            latencies.append(time.perf_counter() - t0)
        elapsed = time.perf_counter() - started
    finally:
        await server.stop(grace=1)
        await client_transport.close()
        await server_transport.close()
        if url.startswith("rabbit://"):
            await _cleanup_rabbit(url, options, topic)
    latencies.sort()
    return {
        "transport": rpc.TransportURL.parse(url).masked(),
        "calls": calls,
        "median_ms": round(statistics.median(latencies) * 1000, 3),
        "p99_ms": round(_percentile(latencies, 0.99) * 1000, 3),
        "calls_per_s": round(calls / elapsed, 1),
    }


def main() -> None:
    """Parse arguments, run the benchmark for each URL, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--transport-url",
        action="append",
        help="transport URL to measure (repeatable; default inproc://)",
    )
    parser.add_argument("--calls", type=int, default=1000, help="measured calls (1000)")
    parser.add_argument("--warmup", type=int, default=50, help="unmeasured calls first (50)")
    parser.add_argument("--json", action="store_true", help="also print the results as JSON")
    args = parser.parse_args()
    results = []
    for url in args.transport_url or ["inproc://"]:
        result = asyncio.run(run(url, args.calls, args.warmup))
        results.append(result)
        print(
            f"{result['transport']:<40} calls={result['calls']} "
            f"median={result['median_ms']:.3f} ms p99={result['p99_ms']:.3f} ms "
            f"{result['calls_per_s']:.0f} calls/s"
        )
    if args.json:
        print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
