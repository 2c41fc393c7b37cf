"""The sandbox driven end to end: ``python -m bot.cli run`` through a pipe and through a pseudo-terminal."""

from __future__ import annotations

import os
import pty
import re
import select
import shutil
import signal
import subprocess
import sys
import termios
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
ANSI = re.compile(r"\x1b\[[0-9;]*m")
TOXIC = "you are a stupid idiot moron"  # keyword classifier: toxic 0.98 >= act_at
BORDERLINE = "you are an idiot"  # keyword classifier: toxic 0.75, between review_at and act_at
TIMEOUT = 60.0


def keyword_config(tmp_path: Path) -> Path:
    """The repo's config with the classifier pinned to the keyword backend (deterministic scores)."""
    target = tmp_path / "config"
    shutil.copytree(REPO / "config", target)
    defaults = target / "defaults.yaml"
    text, count = re.subn(r"(?m)^(model:\s*\n\s+backend:)\s*\w+", r"\1 keyword", defaults.read_text())
    assert count == 1, "config/defaults.yaml has no 'model: backend:' to pin"
    defaults.write_text(text)
    return target


def sandbox_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DISCORD_TOKEN", "TELEGRAM_TOKEN", "LOG_LEVEL"}}
    env.update(
        DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'sandbox.db'}",
        STEWARD_CONFIG_DIR=str(keyword_config(tmp_path)),
        PYTHONPATH=str(REPO),
        **extra,
    )
    env.pop("NO_COLOR", None)
    return env


class Console:
    """Talks to a running sandbox over one read fd and one write fd."""

    def __init__(self, proc: subprocess.Popen[bytes], read_fd: int, write_fd: int) -> None:
        self.proc = proc
        self.read_fd = read_fd
        self.write_fd = write_fd
        self.seen = ""
        self.coloured = False
        self._pos = 0

    def send(self, line: str | bytes) -> None:
        data = line if isinstance(line, bytes) else line.encode()
        os.write(self.write_fd, data + (b"" if data.endswith((b"\n", b"\x04")) else b"\n"))

    def _read(self, deadline: float) -> bool:
        ready, _, _ = select.select([self.read_fd], [], [], max(0.0, deadline - time.monotonic()))
        if not ready:
            return False
        try:
            chunk = os.read(self.read_fd, 65536)
        except OSError:  # pty closed by the child
            chunk = b""
        if not chunk:
            return False
        text = chunk.decode("utf-8", errors="replace")
        self.coloured = self.coloured or bool(ANSI.search(text))
        self.seen += ANSI.sub("", text).replace("\r\n", "\n")
        return True

    def expect(self, pattern: str, within: float = TIMEOUT) -> re.Match[str]:
        """Wait for ``pattern`` after the previous match; return the match."""
        match = self.maybe(pattern, within)
        if match is None:
            pytest.fail(f"did not see {pattern!r}; output so far:\n{self.seen[-4000:]}")
        return match

    def maybe(self, pattern: str, within: float) -> re.Match[str] | None:
        """Like ``expect``, but ``None`` when ``pattern`` does not show up in time."""
        regex = re.compile(pattern)
        deadline = time.monotonic() + within
        while True:
            match = regex.search(self.seen, self._pos)
            if match:
                self._pos = match.end()
                return match
            if not self._read(deadline) and (self.proc.poll() is not None or time.monotonic() > deadline):
                return None

    def finish(self) -> str:
        """Read until the process exits; return everything it printed."""
        deadline = time.monotonic() + TIMEOUT
        while self.proc.poll() is None and time.monotonic() < deadline:
            self._read(min(deadline, time.monotonic() + 0.2))
        while self._read(time.monotonic() + 0.2):
            pass
        assert self.proc.wait(timeout=5) == 0, self.seen[-4000:]
        return self.seen


@pytest.fixture
def piped(tmp_path: Path) -> Iterator[Console]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "run"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=sandbox_env(tmp_path),
        cwd=tmp_path,
    )
    assert proc.stdin is not None
    assert proc.stdout is not None
    yield Console(proc, proc.stdout.fileno(), proc.stdin.fileno())
    if proc.poll() is None:
        proc.kill()
    proc.wait()
    proc.stdin.close()
    proc.stdout.close()


@pytest.fixture
def terminal(tmp_path: Path) -> Iterator[Console]:
    master, slave = pty.openpty()
    attrs = termios.tcgetattr(slave)
    attrs[3] &= ~termios.ECHO  # keep the transcript to what Steward prints
    termios.tcsetattr(slave, termios.TCSANOW, attrs)
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "run"],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=sandbox_env(tmp_path, TERM="xterm"),
        cwd=tmp_path,
        start_new_session=True,
    )
    os.close(slave)
    yield Console(proc, master, master)
    if proc.poll() is None:
        proc.kill()
    proc.wait()
    os.close(master)


def moderate_a_session(console: Console) -> None:
    """The walk-through every newcomer does: greet, act, review, approve."""
    console.expect(r"Steward sandbox — community '(\w+)'")
    console.expect(r"database: sqlite\+aiosqlite:///.*sandbox\.db")
    console.send("/join bob")
    console.expect(r"→ bob \(id \d+\) joined")
    console.expect(r"Steward: .*bob")  # the greeting names the newcomer
    console.send("alice: hello everyone")
    console.expect(r"alice: hello everyone  \[(\d+)\]")
    console.send(f"alice: {TOXIC}")
    toxic_id = console.expect(rf"alice: {TOXIC}  \[(\d+)\]").group(1)
    console.expect(rf"\[deleted\] message {toxic_id} by alice in #general")
    console.send(f"carol: {BORDERLINE}")
    borderline_id = console.expect(rf"carol: {BORDERLINE}  \[(\d+)\]").group(1)
    case = console.expect(r"Review card · case #(\d+) · pending").group(1)
    console.expect(r"rule\s+toxicity")
    console.expect(rf"excerpt\s+“{BORDERLINE}”")
    console.expect(r"\[Approve\] \[Reject\] \[Ban\] \[Details\]")
    console.send("/queue")  # still typing as an ordinary member
    console.expect(r"\[reply to you\] .*(moderator|permission|not allowed)")
    console.send("/as mod")
    console.expect(r"you now type as mod")
    console.send("/queue")
    console.expect(rf"\[reply to mod\][^\n]*\n?[\s\S]*?#{case}")
    console.send(f"/approve {case} confirmed rude")
    console.expect(rf"\[deleted\] message {borderline_id} by carol")
    console.send(f"/case {case}")
    console.expect(rf"case #{case} · approved")


def test_sandbox_through_a_pipe(piped: Console) -> None:
    moderate_a_session(piped)
    # hostile input: invalid UTF-8, a 100 kB line, control and bidi characters, bad commands
    piped.send(b"dave: caf\xc3 \xff\xfe ok")
    piped.expect(r"dave: caf\ufffd \ufffd\ufffd ok  \[\d+\]")
    piped.send(b"dave: " + b"x" * 100_000)
    piped.expect(r"dave: x{400}… \[\+99600 chars\]")
    piped.send("dave: \x1b[2J\x07 \u202eevil")
    piped.expect(r"dave: \\x1b\[2J\\x07 \\u202eevil")
    piped.send("/press explode 1")
    piped.expect(r"usage: /press VERB CASE")
    piped.send("/approve")
    piped.expect(r"\[reply to mod\] .*(usage|Usage|approve)")
    piped.send("/quit")
    out = piped.finish()
    assert "\u202e" not in out
    assert "Traceback" not in out
    assert not piped.coloured  # a pipe gets plain text


def test_sandbox_through_a_terminal(terminal: Console) -> None:
    moderate_a_session(terminal)
    terminal.send(b"\x04")  # Ctrl-D at the start of a line: end of input
    out = terminal.finish()
    assert "Traceback" not in out
    assert terminal.coloured  # a terminal gets colour


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_signals_stop_the_sandbox_cleanly(piped: Console, sig: signal.Signals) -> None:
    piped.expect(r"Steward sandbox — community")
    piped.send("alice: hello")
    piped.expect(r"alice: hello  \[\d+\]")
    piped.proc.send_signal(sig)
    out = piped.finish()
    assert "Traceback" not in out


def test_config_edits_reload_live_and_bad_edits_keep_the_last_good(piped: Console, tmp_path: Path) -> None:
    defaults = tmp_path / "config" / "defaults.yaml"
    community = next((tmp_path / "config" / "communities").glob("*.yaml"))
    piped.expect(r"Steward sandbox — community")
    text = defaults.read_text(encoding="utf-8")
    assert "Welcome to {community}, {user}!" in text
    edited = text.replace("Welcome to {community}, {user}!", "Howdy {user}, new here?")
    for attempt in range(10):  # the file watcher may still be starting on a busy machine: edit again
        defaults.write_text(edited + "\n" * attempt, "utf-8")
        if piped.maybe(r"· configuration reloaded \(\w+", 3.0):
            break
    else:
        pytest.fail(f"no reload notice; output:\n{piped.seen[-3000:]}")
    piped.send("/join zed")
    piped.expect(r"Steward: Howdy zed, new here\?")
    good = community.read_text(encoding="utf-8")
    community.write_text(good + "\nbogus_key: [\n", encoding="utf-8")
    piped.expect(r"! configuration edit rejected; the last good configuration stays live")
    piped.expect(r"! .*\.yaml:\d+")
    piped.send("/join yan")
    piped.expect(r"Steward: Howdy yan, new here\?")
    piped.send("/quit")
    piped.finish()


def test_the_console_script_starts_the_sandbox(tmp_path: Path) -> None:
    script = Path(sys.executable).with_name("steward")
    if not script.exists():
        pytest.skip("the steward console script is not installed in this environment")
    done = subprocess.run(
        [str(script), "run"],
        input=b"/join bob\n/quit\n",
        capture_output=True,
        env=sandbox_env(tmp_path),
        cwd=tmp_path,
        timeout=TIMEOUT,
        check=False,
    )
    out = done.stdout.decode()
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    assert "Steward sandbox" in out
    assert "→ bob" in out
    assert out.rstrip().endswith("· bye")
