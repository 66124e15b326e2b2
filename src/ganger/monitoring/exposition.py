"""Prometheus text for the platform, built by prometheus-client from the supervisor's state."""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import Collector

from ..control import PlatformState
from .aggregate import Aggregate
from .recorder import BUCKETS

_STAGE_METRICS = {
    "router": ("ganger_router_time_seconds", "Time the router spent on a request before and after the worker."),
    "worker": ("ganger_worker_time_seconds", "Time from the request sent to a worker to its response head."),
    "total": ("ganger_total_time_seconds", "Time from the request head to the response head, through the router."),
}


class PlatformCollector(Collector):
    def __init__(self, aggregate: Aggregate, state: PlatformState, start_seconds: dict[str, list[float]]) -> None:
        self.aggregate = aggregate
        self.state = state
        self.start_seconds = start_seconds

    def collect(self) -> Iterator[Metric]:
        requests = CounterMetricFamily("ganger_router_requests", "Requests answered through the router, by status.",
                                       labels=["worker", "route", "status"])
        shed = CounterMetricFamily("ganger_router_shed_requests", "Requests refused at once because the worker was full.",
                                   labels=["worker", "route"])
        in_flight = GaugeMetricFamily("ganger_router_in_flight", "Requests in flight to a worker.", labels=["worker"])
        histograms = {stage: HistogramMetricFamily(name, doc, labels=["worker", "route"])
                      for stage, (name, doc) in _STAGE_METRICS.items()}
        for worker, totals in sorted(self.aggregate.totals.items()):
            for status, count in sorted(totals.statuses.items()):
                requests.add_metric([worker, totals.route, str(status)], count)
            shed.add_metric([worker, totals.route], totals.shed)
            for stage, family in histograms.items():
                cumulative, running = [], 0
                for edge, count in zip((*map(str, BUCKETS), "+Inf"), totals.buckets[stage], strict=True):
                    running += count
                    cumulative.append((edge, running))
                family.add_metric([worker, totals.route], cumulative, totals.sums[stage])
        for worker in sorted(self.state.workers):
            in_flight.add_metric([worker], self.aggregate.in_flight_total(worker))
        yield from (requests, shed, in_flight, *histograms.values())

        restarts = CounterMetricFamily("ganger_worker_restarts", "Replica restarts after an exit.", labels=["worker"])
        replicas = GaugeMetricFamily("ganger_worker_replicas", "Replicas by phase.", labels=["worker", "phase"])
        memory = GaugeMetricFamily("ganger_replica_memory_bytes", "Resident memory of a replica.",
                                   labels=["worker", "replica"])
        starts = HistogramMetricFamily("ganger_replica_start_seconds", "Time from spawning a replica to it being ready.",
                                       labels=["worker"])
        cold = CounterMetricFamily("ganger_cold_starts", "Replicas started (cold starts).", labels=["worker"])
        edges = (0.01, 0.03, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0)
        for name, worker in sorted(self.state.workers.items()):
            restarts.add_metric([name], worker.restarts)
            phases: dict[str, int] = {}
            for replica in worker.replicas:
                phases[replica.phase] = phases.get(replica.phase, 0) + 1
                if replica.rss_bytes:
                    memory.add_metric([name, str(replica.index)], replica.rss_bytes)
            for phase, count in sorted(phases.items()):
                replicas.add_metric([name, phase], count)
            durations = self.start_seconds.get(name, [])
            buckets = [(str(edge), sum(1 for d in durations if d <= edge)) for edge in edges]
            buckets.append(("+Inf", len(durations)))
            starts.add_metric([name], buckets, sum(durations))
            cold.add_metric([name], len(durations))
        yield from (restarts, replicas, memory, starts, cold)


def render(aggregate: Aggregate, state: PlatformState, start_seconds: dict[str, list[float]]) -> bytes:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(PlatformCollector(aggregate, state, start_seconds))
    return generate_latest(registry)
