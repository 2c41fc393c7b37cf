"""Prometheus series of one Steward process, in a registry of its own (several may share a process)."""

from __future__ import annotations

from collections.abc import Sequence

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from moderation.domain import Decision, InboundMessage

CONTENT_TYPE = CONTENT_TYPE_LATEST
BATCH_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128)
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
LAG_BUCKETS = (0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 15.0, 60.0, 300.0)
NO_RULE = "none"


class StewardMetrics:
    """Every series Steward exports; its methods are the hooks the runtime wires into the core.

    Series (all prefixed ``steward_``): ``messages_total{platform}``, ``decisions_total{outcome,label}``
    (label = the rule that fired, ``none`` when none did), ``action_failures_total{platform}``,
    ``review_queue_depth{community}``, ``classifier_batch_size``, ``classifier_latency_seconds``,
    ``scheduler_lag_seconds{job}``, ``scheduler_leader`` and ``ready``.
    """

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        r = self.registry
        self.messages = Counter("steward_messages", "Messages judged, by platform.", ["platform"], registry=r)
        self.decisions = Counter(
            "steward_decisions",
            "Decisions by outcome and by the rule (label) that fired.",
            ["outcome", "label"],
            registry=r,
        )
        self.action_failures = Counter(
            "steward_action_failures", "Actions that failed, by platform.", ["platform"], registry=r
        )
        self.queue_depth = Gauge(
            "steward_review_queue_depth", "Pending reviews, by community.", ["community"], registry=r
        )
        self.batch_size = Histogram(
            "steward_classifier_batch_size",
            "Texts per classifier batch.",
            buckets=BATCH_BUCKETS,
            registry=r,
        )
        self.latency = Histogram(
            "steward_classifier_latency_seconds",
            "Time to classify one batch.",
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.scheduler_lag = Histogram(
            "steward_scheduler_lag_seconds",
            "How late scheduled jobs started, by job.",
            ["job"],
            buckets=LAG_BUCKETS,
            registry=r,
        )
        self.leader = Gauge(
            "steward_scheduler_leader", "1 while this process runs the scheduled jobs.", registry=r
        )
        self.ready = Gauge("steward_ready", "1 once the model and platforms are ready.", registry=r)

    def decision_made(self, msg: InboundMessage, decision: Decision, failures: Sequence[str]) -> None:
        """Count one judged message, its decision (per fired rule) and its failed actions."""
        self.messages.labels(platform=msg.scope.platform).inc()
        for rule in decision.fired_rules or (NO_RULE,):
            self.decisions.labels(outcome=decision.outcome.value, label=rule).inc()
        if failures:
            self.action_failures.labels(platform=msg.scope.platform).inc(len(failures))

    def classifier_batch(self, size: int, seconds: float) -> None:
        """Record one classifier batch."""
        self.batch_size.observe(size)
        self.latency.observe(seconds)

    def job_started(self, job: str, lag_seconds: float) -> None:
        """Record how late a scheduled job started."""
        self.scheduler_lag.labels(job=job).observe(max(0.0, lag_seconds))

    def set_queue_depth(self, depths: dict[str, int]) -> None:
        """Set the pending-review gauge for every community."""
        for community, depth in depths.items():
            self.queue_depth.labels(community=community).set(depth)

    def exposition(self) -> bytes:
        """The text exposition format of every series."""
        return generate_latest(self.registry)
