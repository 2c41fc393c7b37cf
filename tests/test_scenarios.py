"""Runs the table-driven YAML scenarios in tests/fixtures/scenarios/ through the real rule engine.

A file holds ``scenarios:``, each with ``given`` (a partial community config, validated with
``CommunityConfig.model_validate``; optional ``members`` with ``joined_ago`` / ``messages``) and ``when``
(messages in order). Each message may set ``user``, ``name``, ``level``, ``at`` (offset from the start,
default one second after the previous message), ``scores``, ``lang``, ``links``, ``mentions``, ``paused``
(rule -> remaining time), and ``then``: ``outcome``, ``fired`` (rules, in order), ``actions`` and
``held`` (action kinds, in order), ``texts`` (texts of the planned actions), ``reasons`` (rule ->
substring of its trace) and ``dry_run``. The runner counts each member's messages like the store.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from moderation.config.schema import CommunityConfig, parse_duration
from moderation.domain import Decision
from moderation.ports import Classification
from moderation.records import MemberRecord
from moderation.rules.engine import MessageContext, RuleEngine
from tests.fakes.core import FrozenClock
from tests.rules_support import T0, make_msg

SCENARIOS = Path(__file__).parent / "fixtures" / "scenarios"
_THEN_KEYS = {"outcome", "fired", "actions", "held", "texts", "reasons", "dry_run"}
_STEP_KEYS = {"text", "user", "name", "level", "at", "scores", "lang", "links", "mentions", "paused", "then"}


@dataclass
class Scenario:
    file: str
    name: str
    given: dict[str, Any]
    when: list[dict[str, Any]]


def _load() -> list[Scenario]:
    found = []
    for path in sorted(SCENARIOS.glob("*.yaml")):
        doc = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
        for item in doc["scenarios"]:
            found.append(Scenario(path.name, item["name"], item["given"], item["when"]))
    return found


ALL = _load()


def test_there_are_scenarios() -> None:
    assert len(ALL) >= 15
    assert len({(s.file, s.name) for s in ALL}) == len(ALL)


def _check(decision: Decision, then: dict[str, Any], where: str) -> None:
    unknown = set(then) - _THEN_KEYS
    assert not unknown, f"{where}: unknown expectation keys {unknown}"
    traces = "\n".join(f"  {t.rule}: fired={t.fired} {t.reason}" for t in decision.traces)
    where = f"{where}\n{traces}"
    if "outcome" in then:
        assert str(decision.outcome) == then["outcome"], where
    if "fired" in then:
        assert list(decision.fired_rules) == then["fired"], where
    if "actions" in then:
        assert [str(a.kind) for a in decision.actions] == then["actions"], where
    if "held" in then:
        assert [str(a.kind) for a in decision.held_actions] == then["held"], where
    if "texts" in then:
        assert [a.text for a in decision.actions if a.text is not None] == then["texts"], where
    if "dry_run" in then:
        assert decision.dry_run is then["dry_run"], where
    for rule, part in then.get("reasons", {}).items():
        reason = next(t.reason for t in decision.traces if t.rule == rule)
        assert part in reason, where


@pytest.mark.parametrize("scenario", ALL, ids=[f"{s.file}:{s.name}" for s in ALL])
def test_scenario(scenario: Scenario) -> None:
    config = {"community": "acme", **scenario.given["config"]}
    cfg = CommunityConfig.model_validate(config)
    engine = RuleEngine(FrozenClock(T0))
    members: dict[str, MemberRecord] = {}
    for user, info in scenario.given.get("members", {}).items():
        joined = T0 - parse_duration(info["joined_ago"]) if "joined_ago" in info else None
        members[str(user)] = MemberRecord(
            "sandbox", "acme", str(user), "m", joined, T0, T0, info.get("messages", 0)
        )
    at = T0 - timedelta(seconds=1)
    for index, step in enumerate(scenario.when):
        unknown = set(step) - _STEP_KEYS
        assert not unknown, f"step {index}: unknown keys {unknown}"
        at = T0 + parse_duration(step["at"]) if "at" in step else at + timedelta(seconds=1)
        user = str(step.get("user", "1"))
        msg = make_msg(
            step["text"],
            user=user,
            name=step.get("name", f"user{user}"),
            level=step.get("level", 0),
            links=tuple(step.get("links", ())),
            mentions=tuple(step.get("mentions", ())),
            at=at,
            message_id=f"m{index}",
        )
        labels = step.get("scores")
        classification = Classification(labels, step.get("lang")) if labels is not None else None
        paused = {rule: at + parse_duration(left) for rule, left in step.get("paused", {}).items()}
        member = members.get(user)
        ctx = MessageContext(msg, member, classification, at, paused, step.get("lang"))
        decision = engine.evaluate(cfg, ctx)
        _check(
            decision,
            step.get("then", {}),
            f"{scenario.file}:{scenario.name} step {index} {step['text'][:40]!r}",
        )
        base = member or MemberRecord("sandbox", "acme", user, msg.author.display_name, None, at, at, 0)
        members[user] = MemberRecord(
            base.platform,
            base.community,
            user,
            base.display_name,
            base.joined_at,
            base.first_seen,
            at,
            base.message_count + 1,
        )
