"""The digest chart: messages per day (bars) and the mood share (line), as a PNG (matplotlib, Agg)."""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")  # no display: render to memory only

from matplotlib.figure import Figure

from moderation.manager.digest import Digest

WIDTH_PX = 900
HEIGHT_PX = 450
DPI = 100


def digest_chart(d: Digest, *, width: int = WIDTH_PX, height: int = HEIGHT_PX) -> bytes:
    """Render the period's daily volume and mood share as a ``width`` x ``height`` PNG."""
    figure = Figure(figsize=(width / DPI, height / DPI), dpi=DPI)
    axes = figure.add_subplot()
    days = [day for day, _ in d.data.days]
    axes.bar(range(len(days)), [n for _, n in d.data.days], color="#4c78a8", label="messages")
    axes.set_ylabel("messages per day")
    axes.set_xticks(range(len(days)), [day[5:] for day in days], rotation=45, fontsize=8)
    axes.set_title(f"{d.community}: {d.since:%Y-%m-%d} to {d.until:%Y-%m-%d}")
    mood = dict(d.mood)
    if mood:
        share = axes.twinx()
        share.plot(range(len(days)), [100 * mood.get(day, 0.0) for day in days], color="#e45756", marker="o")
        share.set_ylabel("bad-mood share (%)", color="#e45756")
        share.set_ylim(bottom=0)
    figure.tight_layout()
    out = io.BytesIO()
    figure.savefig(out, format="png", dpi=DPI)
    return out.getvalue()
