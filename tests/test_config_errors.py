"""Bad configuration gets a clear error with the right file, line and key path, and nothing loads."""

from __future__ import annotations

import re
import shutil
import time
from collections.abc import Mapping
from pathlib import Path

import pytest

from moderation.config.loader import load_community_text, load_config_dir, load_yaml_text
from moderation.config.yamltext import MAX_BYTES, MAX_DEPTH, parse_yaml
from moderation.errors import ConfigError, ConfigErrors

ROOT = Path(__file__).resolve().parents[1]
DEFAULTS = ROOT / "config" / "defaults.yaml"
INVALID = ROOT / "tests" / "fixtures" / "configs" / "invalid"
VALID = ROOT / "tests" / "fixtures" / "configs" / "valid"


def _config_dir(tmp_path: Path, files: Mapping[str, str | bytes], defaults: str | None = None) -> Path:
    (tmp_path / "communities").mkdir(parents=True, exist_ok=True)
    if defaults is None:
        shutil.copy(DEFAULTS, tmp_path / "defaults.yaml")
    else:
        (tmp_path / "defaults.yaml").write_text(defaults, encoding="utf-8")
    for name, content in files.items():
        target = tmp_path / "communities" / name
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content, encoding="utf-8")
    return tmp_path


def _errors(path: Path) -> list[ConfigError]:
    with pytest.raises(ConfigErrors) as caught:
        load_config_dir(path)
    return caught.value.errors


def _expectation(text: str, key: str) -> str:
    match = re.search(rf"^# expect-{key}:[ ]?(.*)$", text, re.MULTILINE)
    assert match, f"fixture lacks '# expect-{key}:'"
    return match.group(1).strip()


@pytest.mark.parametrize("fixture", sorted(p.name for p in INVALID.glob("*.yaml")))
def test_invalid_fixture_reports_file_line_and_path(tmp_path: Path, fixture: str) -> None:
    text = (INVALID / fixture).read_text(encoding="utf-8")
    config_dir = _config_dir(tmp_path, {fixture: text})
    errors = _errors(config_dir)
    file = str(config_dir / "communities" / fixture)
    line = int(_expectation(text, "line"))
    path = _expectation(text, "path") or None
    message = _expectation(text, "message")
    located = [e for e in errors if (e.file, e.line, e.path) == (file, line, path)]
    assert located, f"no error at {file}:{line} {path}; got:\n" + "\n".join(map(str, errors))
    assert any(message in e.message for e in located), "\n".join(map(str, located))


def test_all_problems_of_a_file_are_reported_together(tmp_path: Path) -> None:
    text = (
        "community: many\n"  # 1
        "mood: happy\n"  # 2 unknown top-level key
        "rules:\n"  # 3
        "  flood:\n"  # 4
        "    triggers: {flood: {messages: one}}\n"  # 5 wrong type
        "greetings:\n"  # 6
        "  enabled: maybe\n"  # 7 wrong type
    )
    errors = _errors(_config_dir(tmp_path, {"many.yaml": text}))
    assert sorted((e.line, e.path) for e in errors) == [
        (2, "mood"),
        (5, "rules.flood.triggers.flood.messages"),
        (7, "greetings.enabled"),
    ]


def test_errors_in_defaults_point_into_defaults(tmp_path: Path) -> None:
    defaults = "rules:\n  spam:\n    priority: high\n"
    config_dir = _config_dir(tmp_path, {"a.yaml": "community: a\n", "b.yaml": "community: b\n"}, defaults)
    errors = _errors(config_dir)
    assert [(e.file, e.line, e.path) for e in errors] == [
        (str(config_dir / "defaults.yaml"), 3, "rules.spam.priority")
    ]  # reported once, not once per community


def test_defaults_may_not_name_a_community(tmp_path: Path) -> None:
    errors = _errors(_config_dir(tmp_path, {"a.yaml": "community: a\n"}, "community: x\n"))
    assert errors[0].line == 1
    assert "remove 'community'" in errors[0].message


def test_invalid_utf8_names_the_line(tmp_path: Path) -> None:
    content = b'community: bad\nvoice:\n  signature: "caf\xe9"\n'
    config_dir = _config_dir(tmp_path, {"latin1.yaml": content})
    [error] = _errors(config_dir)
    assert (error.file, error.line) == (str(config_dir / "communities" / "latin1.yaml"), 3)
    assert "not valid UTF-8" in error.message


def test_deep_nesting_is_refused_quickly() -> None:
    depth = 100_000
    text = "a: " + "[" * depth + "]" * depth + "\n"
    started = time.perf_counter()
    with pytest.raises(ConfigErrors) as caught:
        parse_yaml(text, "deep.yaml")
    assert time.perf_counter() - started < 2
    [error] = caught.value.errors
    assert f"deeper than {MAX_DEPTH}" in error.message
    assert error.line == 1


def test_nesting_within_the_limit_is_fine() -> None:
    depth = MAX_DEPTH - 1
    data = load_yaml_text("a: " + "[" * depth + "]" * depth + "\n")
    assert isinstance(data["a"], list)


def test_yaml_bomb_fails_fast() -> None:
    text = (INVALID / "yaml_bomb.yaml").read_text(encoding="utf-8")
    started = time.perf_counter()
    with pytest.raises(ConfigErrors, match="anchors"):
        load_yaml_text(text, "bomb.yaml")
    assert time.perf_counter() - started < 1


def test_alias_without_anchor_in_view_is_refused() -> None:
    # An alias must follow an anchor; either one alone is refused with a clear message.
    with pytest.raises(ConfigErrors, match="anchors"):
        load_yaml_text("base: &b {x: 1}\nother: *b\n")


def test_oversized_file_is_refused(tmp_path: Path) -> None:
    content = "community: big\n" + "# padding\n" * (MAX_BYTES // 10 + 1)
    [error] = _errors(_config_dir(tmp_path, {"big.yaml": content}))
    assert "limit" in error.message


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("- a\n- b\n", "not a list"),
        ("just text\n", "not a single value"),
        ("a: 1\n---\nb: 2\n", "only one YAML document"),
        ("a: !!python/object/apply:os.system ['true']\n", "unsupported YAML tag"),
        ("a: .nan\n", "not finite"),
        ("? [a, b]\n: c\n", "keys must be plain text"),
        ("a: 1\n\tb: 2\n", "malformed YAML"),
    ],
)
def test_hostile_yaml_is_refused(text: str, message: str) -> None:
    with pytest.raises(ConfigErrors, match=re.escape(message)):
        load_yaml_text(text, "x.yaml")


def test_yaml_11_surprises_stay_text() -> None:
    data = load_yaml_text("languages: [en, no]\ncountry: NO\nat: 1:30\nday: 2024-01-01\nflag: true\n")
    assert data == {
        "languages": ["en", "no"],
        "country": "NO",
        "at": "1:30",
        "day": "2024-01-01",
        "flag": True,
    }


def test_numeric_ids_are_accepted_unquoted() -> None:
    cfg = load_community_text(
        "community: ids\nplatforms: {discord: {guild_ids: [1100]}}\nlevels: {'user:discord:7': 5}\n"
    )
    assert cfg.platforms.discord is not None
    assert cfg.platforms.discord.guild_ids == ["1100"]


def test_empty_community_file_needs_a_name(tmp_path: Path) -> None:
    [error] = _errors(_config_dir(tmp_path, {"empty.yaml": ""}))
    assert error.path == "community"
    assert "missing required key 'community'" in error.message


def test_union_alternatives_are_joined(tmp_path: Path) -> None:
    text = "community: u\noverrides:\n  - channel: {a: 1}\n    config: {mode: dry_run}\n"
    [error] = _errors(_config_dir(tmp_path, {"u.yaml": text}))
    assert (error.line, error.path) == (3, "overrides[0].channel")
    assert " or " in error.message


def test_empty_list_criterion_is_an_error(tmp_path: Path) -> None:
    text = "community: e\noverrides:\n  - role: []\n    config: {mode: dry_run}\n"
    [error] = _errors(_config_dir(tmp_path, {"e.yaml": text}))
    assert (error.line, error.path) == (3, "overrides[0].role")


def test_override_cannot_change_community_or_nest_overrides(tmp_path: Path) -> None:
    text = "community: n\noverrides:\n  - platform: discord\n    config: {community: other}\n"
    [error] = _errors(_config_dir(tmp_path, {"n.yaml": text}))
    assert error.path == "overrides[0]"
    assert "cannot set" in error.message


def test_override_problem_outside_its_keys_points_at_the_override(tmp_path: Path) -> None:
    # Removing the classifier's act_at leaves review_at alone: fine. Setting the rule's reply to a
    # missing template is reported inside the override, where it was written.
    text = (
        "community: o\n"
        "overrides:\n"
        "  - platform: telegram\n"
        "    config:\n"
        "      rules: {spam: {actions: {reply: nope}}}\n"
    )
    [error] = _errors(_config_dir(tmp_path, {"o.yaml": text}))
    assert (error.line, error.path) == (5, "overrides[0].config.rules.spam.actions.reply")
    assert "template 'nope'" in error.message


def test_duplicate_space_ids_across_communities(tmp_path: Path) -> None:
    files = {
        "a.yaml": "community: a\nplatforms: {telegram: {chat_ids: ['-1001']}}\n",
        "b.yaml": "community: b\nplatforms:\n  telegram:\n    chat_ids: ['-1002', '-1001']\n",
    }
    config_dir = _config_dir(tmp_path, files)
    [error] = _errors(config_dir)
    assert (error.file, error.line, error.path) == (
        str(config_dir / "communities" / "b.yaml"),
        4,
        "platforms.telegram.chat_ids[1]",
    )
    assert "already belongs to community 'a'" in error.message


def test_duplicate_names_and_two_sandboxes(tmp_path: Path) -> None:
    files = {
        "a.yaml": "community: same\nplatforms: {sandbox: {enabled: true}}\n",
        "b.yaml": "community: same\n",
        "c.yaml": "community: other\nplatforms: {sandbox: {}}\n",
    }
    messages = sorted(e.message for e in _errors(_config_dir(tmp_path, files)))
    assert any("also defined in" in m for m in messages)
    assert any("only one community may use the sandbox" in m for m in messages)


def test_no_community_files(tmp_path: Path) -> None:
    [error] = _errors(_config_dir(tmp_path, {}))
    assert "no community files" in error.message


def test_valid_fixtures_load(tmp_path: Path) -> None:
    files = {p.name: p.read_text(encoding="utf-8") for p in VALID.glob("*.yaml")}
    configs = load_config_dir(_config_dir(tmp_path, files))
    assert "minimal" in configs.names()
    assert configs.resolver("minimal").base.rules["toxicity"].enabled


def test_bad_placeholder_is_located(tmp_path: Path) -> None:
    text = "community: p\nvoice:\n  replies:\n    spam_removed:\n      en: 'Bye {username}'\n"
    [error] = _errors(_config_dir(tmp_path, {"p.yaml": text}))
    assert (error.line, error.path) == (5, "voice.replies.spam_removed.en")
    assert "username" in error.message


def test_pure_python_yaml_fallback_behaves_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    import yaml

    from moderation.config import yamltext

    monkeypatch.setattr(yamltext, "_Loader", yaml.SafeLoader)
    assert load_yaml_text("a: [x, no]\nb: {c: 1}\n") == {"a": ["x", "no"], "b": {"c": 1}}
    with pytest.raises(ConfigErrors) as caught:
        load_yaml_text("a: 1\nb: 2\na: 3\n", "f.yaml")
    assert [(e.line, e.path) for e in caught.value.errors] == [(3, "a")]
