from datetime import timedelta

import pytest

from moderation.config.schema import ActionsConfig, VoiceConfig
from moderation.domain import ActionKind
from moderation.rules.actions import ban, delete, kick, notify, reply, timeout, warn
from moderation.rules.actions.base import ActionContext
from moderation.rules.actions.registry import ACTIONS, plan_actions

VOICE = VoiceConfig(
    signature="— the {community} team",
    replies={
        "removed": {"en": "Let's keep it kind, {user}.", "ru": "Давайте вежливо, {user}."},
        "warned": {"en": "{user}, this is a warning about {rule} in {channel}."},
        "muted": {"en": "You are muted for {duration}."},
        "mods": {"en": "{rule} fired for {user}"},
    },
)


def _ctx(lang: str | None = "en", **values: str) -> ActionContext:
    base = {"user": "alice", "channel": "200", "community": "acme", "rule": "toxicity", "duration": "10m"}
    return ActionContext("toxicity", "toxic 0.95 >= act_at 0.92", VOICE, lang, {**base, **values})


def test_registry_order_matches_the_schema() -> None:
    assert list(ACTIONS) == ["delete", "reply", "warn", "timeout", "kick", "ban", "notify"]
    assert set(ACTIONS) | {"review"} == set(ActionsConfig.model_fields)


def test_nothing_configured_plans_nothing() -> None:
    cfg = ActionsConfig()
    assert all(planner(cfg, _ctx()) == [] for planner in ACTIONS.values())


def test_delete_and_kick() -> None:
    (d,) = delete.plan(ActionsConfig(delete=True), _ctx())
    assert (d.kind, d.rule, d.reason) == (
        ActionKind.DELETE,
        "toxicity",
        "toxicity: toxic 0.95 >= act_at 0.92",
    )
    (k,) = kick.plan(ActionsConfig(kick=True), _ctx())
    assert k.kind is ActionKind.KICK


def test_reply_renders_voice_with_signature_and_language() -> None:
    (r,) = reply.plan(ActionsConfig(reply="removed"), _ctx())
    assert r.text == "Let's keep it kind, alice.\n— the acme team"
    (ru,) = reply.plan(ActionsConfig(reply="removed"), _ctx(lang="ru"))
    assert ru.text is not None
    assert ru.text.startswith("Давайте вежливо, alice.")
    (fallback,) = reply.plan(ActionsConfig(reply="removed"), _ctx(lang="fa"))
    assert fallback.text is not None
    assert fallback.text.startswith("Let's keep it kind")


def test_reply_with_missing_template_is_skipped_and_reported() -> None:
    ctx = _ctx()
    assert reply.plan(ActionsConfig(reply="nope"), ctx) == []
    assert ctx.problems == ["toxicity: no reply template 'nope'"]


def test_member_name_with_braces_is_inserted_verbatim() -> None:
    (r,) = reply.plan(ActionsConfig(reply="removed"), _ctx(user="{community} {user.__class__}"))
    assert r.text == "Let's keep it kind, {community} {user.__class__}.\n— the acme team"


def test_warn_dm_flag_and_fallback_text() -> None:
    (w,) = warn.plan(ActionsConfig.model_validate({"warn": {"template": "warned", "dm": False}}), _ctx())
    assert (w.kind, w.dm) == (ActionKind.WARN, False)
    assert w.text == "alice, this is a warning about toxicity in 200.\n— the acme team"
    ctx = _ctx()
    (missing,) = warn.plan(ActionsConfig.model_validate({"warn": {"template": "gone"}}), ctx)
    assert (missing.dm, missing.text) == (True, "Warning (toxicity).")
    assert ctx.problems


def test_timeout_duration() -> None:
    (t,) = timeout.plan(ActionsConfig.model_validate({"timeout": "10m"}), _ctx())
    assert (t.kind, t.duration) == (ActionKind.TIMEOUT, timedelta(minutes=10))
    assert timeout.plan(ActionsConfig.model_validate({"timeout": 0}), _ctx()) == []


def test_ban_delete_days() -> None:
    (b,) = ban.plan(ActionsConfig.model_validate({"ban": {"delete_message_days": 1}}), _ctx())
    assert (b.kind, b.delete_message_days) == (ActionKind.BAN, 1)


def test_notify_has_no_signature_and_a_fallback() -> None:
    (n,) = notify.plan(ActionsConfig(notify="mods"), _ctx())
    assert (n.kind, n.text) == (ActionKind.NOTIFY, "toxicity fired for alice")
    (fb,) = notify.plan(ActionsConfig(notify="gone"), _ctx())
    assert fb.text == "Rule toxicity fired: toxic 0.95 >= act_at 0.92"


ALL = ActionsConfig.model_validate(
    {"delete": True, "reply": "removed", "warn": {"template": "warned"}, "timeout": "1h", "notify": "mods"}
)


def test_plan_actions_runs_in_registry_order() -> None:
    actions, held = plan_actions(ALL, _ctx(), "act")
    kinds = [a.kind for a in actions]
    assert kinds == [
        ActionKind.DELETE,
        ActionKind.REPLY,
        ActionKind.WARN,
        ActionKind.TIMEOUT,
        ActionKind.NOTIFY,
    ]
    assert held == ()


@pytest.mark.parametrize(("review", "band"), [(True, "act"), (False, "review"), (True, "review")])
def test_review_holds_every_other_action(review: bool, band: str) -> None:
    cfg = ALL.model_copy(update={"review": review})
    actions, held = plan_actions(cfg, _ctx(), band)
    assert [a.kind for a in actions] == [ActionKind.REVIEW]
    assert actions[0].rule == "toxicity"
    assert [a.kind for a in held] == [
        ActionKind.DELETE,
        ActionKind.REPLY,
        ActionKind.WARN,
        ActionKind.TIMEOUT,
        ActionKind.NOTIFY,
    ]


def test_review_only_rule_still_plans_a_review() -> None:
    actions, held = plan_actions(ActionsConfig(review=True), _ctx(), "act")
    assert [a.kind for a in actions] == [ActionKind.REVIEW]
    assert held == ()
