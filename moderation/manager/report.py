"""Rendering a digest as Markdown, CSV or self-contained HTML (the chart embedded as base64 PNG)."""

from __future__ import annotations

import base64
import csv
import html
import io
from collections.abc import Iterable, Sequence

from moderation.manager.digest import Digest, fmt_rate, fmt_wait
from moderation.manager.responses import ResponseStats

FORMATS = ("md", "csv", "html")


def _overview(d: Digest) -> list[tuple[str, str]]:
    data, r = d.data, d.responses
    return [
        ("Messages", str(data.messages)),
        ("Active members", str(data.active_members)),
        ("Joins", str(data.joins)),
        (
            "Retention (previous period's newcomers active now)",
            f"{fmt_rate(d.retention)} ({data.retained}/{data.previous_joiners})",
        ),
        ("Questions asked", str(r.asked)),
        ("Questions answered (by the FAQ)", f"{r.answered} ({r.auto})"),
        ("Median time to first answer", fmt_wait(r.median)),
        ("p90 time to first answer", fmt_wait(r.p90)),
        ("False-positive rate (rejected reviews)", fmt_rate(d.false_positive_rate)),
        ("Mood alerts", str(data.alerts)),
    ]


def _response_rows(groups: dict[str, ResponseStats]) -> list[list[str]]:
    return [
        [key, str(s.asked), str(s.answered), str(s.auto), fmt_wait(s.median), fmt_wait(s.p90)]
        for key, s in groups.items()
    ]


def _counts(counts: dict[str, int]) -> list[list[str]]:
    return [[key, str(value)] for key, value in sorted(counts.items())]


def _tables(d: Digest) -> list[tuple[str, list[str], list[list[str]]]]:
    data = d.data
    members = [
        [
            m.name,
            m.platform,
            m.user_id,
            str(m.messages),
            str(m.replies_received),
            str(m.answers_given),
            f"{m.score:.1f}",
        ]
        for m in data.top_members
    ]
    newcomers = [[m.name, m.platform, m.user_id, str(m.messages)] for m in data.newcomers]
    stats_head = ["asked", "answered", "auto", "median", "p90"]
    return [
        ("Volume by day (UTC)", ["day", "messages"], [[day, str(n)] for day, n in data.days]),
        (
            "Mood by day (share of messages on the mood labels)",
            ["day", "share"],
            [[day, f"{share:.1%}"] for day, share in d.mood],
        ),
        (
            "Response times by channel",
            ["channel", *stats_head],
            _response_rows(d.responses_by_channel),
        ),
        ("Response times by week", ["week", *stats_head], _response_rows(d.responses_by_week)),
        (
            "Flagged by rule",
            ["rule", "messages"],
            [[k, str(v)] for k, v in sorted(data.flagged_by_rule.items())],
        ),
        (
            "Actioned by rule",
            ["rule", "actions"],
            [[k, str(v)] for k, v in sorted(data.actioned_by_rule.items())],
        ),
        ("Reviews", ["status", "count"], [[k, str(v)] for k, v in sorted(data.reviews_by_status.items())]),
        (
            "Key members",
            ["name", "platform", "id", "messages", "replies received", "answers given", "score"],
            members,
        ),
        ("Active newcomers", ["name", "platform", "id", "messages"], newcomers),
    ]


def _title(d: Digest) -> str:
    return f"Steward report for {d.community}: {d.since:%Y-%m-%d %H:%M} to {d.until:%Y-%m-%d %H:%M} UTC"


def _md_cell(value: str) -> str:
    return value.replace("|", "\\|").replace("\n", " ")


def _md_table(head: Sequence[str], rows: Iterable[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(_md_cell(h) for h in head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in rows]
    return lines


def render_markdown(d: Digest) -> str:
    """The report as Markdown."""
    lines = [f"# {_title(d)}", "", *_md_table(["", "value"], [list(p) for p in _overview(d)])]
    for title, head, rows in _tables(d):
        lines += ["", f"## {title}", ""]
        lines += _md_table(head, rows) if rows else ["(none)"]
    return "\n".join(lines) + "\n"


def render_csv(d: Digest) -> str:
    """The report as CSV: one ``section,key,value...`` row per number (spreadsheet-friendly)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["section", "key", "values"])
    for key, value in _overview(d):
        writer.writerow(["overview", key, value])
    for title, _head, rows in _tables(d):
        for row in rows:
            writer.writerow([title, *row])
    return out.getvalue()


def _html_table(head: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    cells = "".join(f"<th>{html.escape(h)}</th>" for h in head)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{cells}</tr></thead><tbody>{body}</tbody></table>"


def render_html(d: Digest, chart_png: bytes | None = None) -> str:
    """The report as one self-contained HTML page (the chart inline as a base64 PNG)."""
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'>",
        f"<title>{html.escape(_title(d))}</title>",
        "<style>body{font-family:sans-serif;max-width:960px;margin:2em auto}"
        "table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:.2em .6em}</style>",
        f"</head><body><h1>{html.escape(_title(d))}</h1>",
    ]
    if chart_png is not None:
        data = base64.b64encode(chart_png).decode("ascii")
        parts.append(f"<img alt='messages per day and mood' src='data:image/png;base64,{data}'>")
    parts.append(_html_table(["", "value"], [list(p) for p in _overview(d)]))
    for title, head, rows in _tables(d):
        parts.append(f"<h2>{html.escape(title)}</h2>")
        parts.append(_html_table(head, rows) if rows else "<p>(none)</p>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"
