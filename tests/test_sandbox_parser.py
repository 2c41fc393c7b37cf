from __future__ import annotations

import pytest

from bot.sandbox import parser as p
from bot.sandbox.text import clip, escape, show


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("alice: hello there", p.Say("alice", "hello there")),
        ("Alice:   spaced", p.Say("alice", "spaced")),
        ("hello", p.Say(None, "hello")),
        ("see http://x.y/z", p.Say(None, "see http://x.y/z")),
        ("http://x.y/z", p.Say(None, "http://x.y/z")),
        ("   ", p.Nothing()),
        ("/join Bob", p.Join("bob")),
        ("/leave bob", p.Leave("bob")),
        ("/channel #Memes", p.SwitchChannel("memes")),
        ("/as mod", p.ActAs("mod")),
        ("/buttons 3", p.ShowButtons(3)),
        ("/buttons #3", p.ShowButtons(3)),
        ("/press Approve 3", p.Press("approve", 3)),
        ("/trace off", p.Trace(False)),
        ("/quit", p.Quit()),
        ("/exit", p.Quit()),
        ("/help", p.Help()),
        ("/queue", p.ServiceCommand("queue", ())),
        ("/approve 1 looks fine", p.ServiceCommand("approve", ("1", "looks", "fine"))),
        ("/pause spam 1h", p.ServiceCommand("pause", ("spam", "1h"))),
        ("bob: /queue", p.ServiceCommand("queue", (), as_name="bob")),
        ("//not a command", p.Say(None, "//not a command")),
        ("/reply 1003 sounds  good", p.Reply("1003", "sounds  good")),
        ("/edit 1003 fixed", p.Edit("1003", "fixed")),
    ],
)
def test_parse(line: str, expected: p.Action) -> None:
    assert p.parse(line) == expected


@pytest.mark.parametrize(
    "line",
    [
        "/join",
        "/join two names",
        "/join bad\u202ename",
        "/leave",
        "/channel",
        "/channel no way",
        "/as",
        "/buttons",
        "/buttons x",
        "/buttons 0",
        "/buttons 99999999999999",
        "/press",
        "/press explode 3",
        "/press approve",
        "/press approve three",
        "/trace maybe",
        "/reply",
        "/reply 1003",
        "/reply abc text",
        "/edit 1003",
        "alice: /edit 1003 x",
        "alice: /join bob",
        "alice:",
        "/\u202eevil",
    ],
)
def test_bad_sandbox_commands_give_usage(line: str) -> None:
    action = p.parse(line)
    assert isinstance(action, p.Usage)
    assert action.message


def test_escape_shows_control_and_bidi_characters() -> None:
    hostile = "a\x1b[31mred\x07\u202egnp.exe\u200b\ufeff\u2028z"
    shown = escape(hostile)
    assert "\x1b" not in shown
    assert "\u202e" not in shown
    assert "\u200b" not in shown
    assert shown == "a\\x1b[31mred\\x07\\u202egnp.exe\\u200b\\ufeff\\u2028z"
    assert escape("emoji 👩\u200d💻 and مرحبا") == "emoji 👩\u200d💻 and مرحبا"
    assert escape("می\u200cخواهم") == "می\u200cخواهم"  # Persian half-space stays readable
    assert escape("two\nlines", keep_newlines=True) == "two\nlines"
    assert escape("two\nlines") == "two\\x0alines"


def test_clip_says_how_much_was_cut() -> None:
    assert clip("short") == "short"
    long = "x" * 100_000
    assert clip(long, 10) == "x" * 10 + "… [+99990 chars]"
    assert show("\x00" * 5, limit=2) == "\\x00\\x00… [+3 chars]"


def test_line_splitter_limits_long_lines_and_keeps_the_rest() -> None:
    from bot.sandbox.reader import LineSplitter

    splitter = LineSplitter(limit=8)
    out = [*splitter.feed(b"short\nexactly8\nway too long for"), *splitter.feed(b" it\nnext\nta")]
    out += splitter.close()
    assert out == [b"short\n", b"exactly8", b"way too ", b"next\n", b"ta"]


async def test_read_lines_delivers_many_lines_in_order_with_backpressure() -> None:
    import io

    from bot.sandbox.reader import QUEUE_LINES, read_lines

    data = b"".join(f"line {i}\r\n".encode() for i in range(QUEUE_LINES * 20)) + b"last without newline"
    got = [line async for line in read_lines(io.BytesIO(data))]
    assert got[:2] == ["line 0", "line 1"]
    assert len(got) == QUEUE_LINES * 20 + 1
    assert got[-1] == "last without newline"
