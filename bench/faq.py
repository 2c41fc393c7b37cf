"""Benchmark of FAQ matching by meaning: right answers, wrong answers and near misses.

Four communities' FAQ sections (``bench/data/faq_sets.yaml``) and member messages labelled with the
entry that answers them, or none (``bench/data/faq_*.jsonl``: paraphrases in en/ar/ru/fa, near
misses that ask about a neighbouring topic, unrelated chat). Each message goes through Steward's
FAQ matcher (the plain e5 layers, as in production); at the threshold an answer is *right* when
it is the labelled entry and *wrong* otherwise. Reports, per file and language: recall of answerable
messages, wrong answers per answer given, how often an unanswerable message gets an answer, the
ROC-AUC of the score for "right answer", and a threshold sweep.

``faq_dev.jsonl`` was used to choose the matcher's method and constants; ``faq_heldout.jsonl``
was written separately and only ever measured.

With ``--speed`` it also times one match the way Steward runs it: the message is classified first
(tuned e5), then matched; the plain view reuses the classification's lower 8 layers, or, for
comparison, runs all 12 again.

Usage: ``python bench/faq.py [--threshold 0.75] [--files faq_dev.jsonl,faq_heldout.jsonl] [--speed]
[--out F]``
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATA = ROOT / "bench" / "data"


@dataclass(frozen=True)
class Outcome:
    """One message's gold entry and what the matcher said."""

    lang: str
    gold: str | None
    entry: str | None
    score: float

    @property
    def right(self) -> bool:
        return self.gold is not None and self.entry == self.gold


def load_sets() -> dict[str, dict[str, list[str]]]:
    """Community -> entry -> every question variant (all languages)."""
    raw = yaml.safe_load((DATA / "faq_sets.yaml").read_text(encoding="utf-8"))
    return {
        name: {entry: [q for qs in langs.values() for q in qs] for entry, langs in entries.items()}
        for name, entries in raw.items()
    }


def load_rows(path: Path) -> list[dict[str, Any]]:
    """Labelled member messages: set, text, lang, entry (or null)."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def run(path: Path, sets: dict[str, dict[str, list[str]]], matcher: Any) -> list[Outcome]:
    rows = load_rows(path)
    out = []
    for row in rows:
        match = matcher.match_sync(row["text"], sets[row["set"]])
        entry, score = (match.entry, match.score) if match else (None, 0.0)
        out.append(Outcome(row["lang"], row["entry"], entry, score))
    return out


def summarise(outcomes: Sequence[Outcome], threshold: float) -> dict[str, Any]:
    from sklearn.metrics import roc_auc_score

    answerable = [o for o in outcomes if o.gold is not None]
    unanswerable = [o for o in outcomes if o.gold is None]
    answered = [o for o in outcomes if o.score >= threshold]
    right = [o for o in answered if o.right]
    labels = [int(o.right) for o in outcomes]
    return {
        "n": len(outcomes),
        "answerable": len(answerable),
        "recall": round(len(right) / max(1, len(answerable)), 3),
        "wrong_per_answer": round((len(answered) - len(right)) / max(1, len(answered)), 3),
        "unanswerable_answered": round(
            sum(o.score >= threshold for o in unanswerable) / max(1, len(unanswerable)), 3
        ),
        "answerable_wrong_entry": sum(o.score >= threshold and not o.right for o in answerable),
        "top1_accuracy": round(sum(o.right for o in answerable) / max(1, len(answerable)), 3),
        "roc_auc_right": round(float(roc_auc_score(labels, [o.score for o in outcomes])), 3)
        if 0 < sum(labels) < len(labels)
        else None,
    }


def report(name: str, outcomes: Sequence[Outcome], threshold: float) -> dict[str, Any]:
    langs = sorted({o.lang for o in outcomes})
    result: dict[str, Any] = {"all": summarise(outcomes, threshold)}
    for lang in langs:
        result[lang] = summarise([o for o in outcomes if o.lang == lang], threshold)
    sweep = {}
    for t in (0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9):
        s = summarise(outcomes, t)
        sweep[str(t)] = {k: s[k] for k in ("recall", "wrong_per_answer", "unanswerable_answered")}
    result["sweep"] = sweep
    print(f"\n{name} (threshold {threshold})")
    print(f"{'':5} {'n':>4} {'recall':>7} {'wrong/ans':>9} {'unans.ans':>9} {'top1':>6} {'AUC':>6}")
    for key in ["all", *langs]:
        s = result[key]
        print(
            f"{key:5} {s['n']:4d} {s['recall']:7.3f} {s['wrong_per_answer']:9.3f} "
            f"{s['unanswerable_answered']:9.3f} {s['top1_accuracy']:6.3f} {s['roc_auc_right'] or 0:6.3f}"
        )
    print(
        "sweep: " + "  ".join(f"{t}: {v['recall']:.2f}/{v['wrong_per_answer']:.2f}" for t, v in sweep.items())
    )
    return result


def match_speed(path: Path, sets: dict[str, dict[str, list[str]]]) -> dict[str, Any]:
    """Milliseconds per FAQ match right after classification, with and without shared lower layers."""
    import statistics

    from models.factory import build_classifier, build_faq_matcher
    from moderation.config.schema import ModelSettings

    settings = ModelSettings(backend="e5")
    classifier = build_classifier(settings, ["en", "ar", "ru", "fa"])
    matcher = build_faq_matcher(settings, ["en", "ar", "ru", "fa"], classifier)
    encoder = classifier.scorer.encoder  # type: ignore[attr-defined]
    kept = encoder.shared
    rows = load_rows(path)
    for name in sets:  # warm up: every variant embedded once
        matcher.match_sync("warm-up", sets[name])  # type: ignore[union-attr]
    times: dict[str, list[float]] = {"shared": [], "full": []}
    for n, row in enumerate(rows):
        for mode in ("shared", "full") if n % 2 else ("full", "shared"):
            text = f"{row['text']} #{mode}"
            encoder.shared = kept if mode == "shared" else None
            classifier.classify_sync([text])  # type: ignore[attr-defined]
            started = time.perf_counter()
            matcher.match_sync(text, sets[row["set"]])  # type: ignore[union-attr]
            times[mode].append((time.perf_counter() - started) * 1000)
    encoder.shared = kept
    result = {
        mode: {
            "p50_ms": round(statistics.median(t), 1),
            "p90_ms": round(sorted(t)[int(0.9 * (len(t) - 1))], 1),
        }
        for mode, t in times.items()
    }
    print(f"\nFAQ match after classification ({len(rows)} messages): {result}")
    return result


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--threshold", type=float, default=0.75, help="faq.threshold (default 0.75)")
    parser.add_argument("--files", default="faq_dev.jsonl,faq_heldout.jsonl", help="files in bench/data")
    parser.add_argument(
        "--space-corpus",
        choices=("bank", "examples"),
        default="bank",
        help="questions whose shared directions are removed: the shipped near-miss bank (default) or, "
        "as an ablation, the questions of models/data/examples.jsonl (written before the bank)",
    )
    parser.add_argument(
        "--speed", action="store_true", help="also time matches (shared lower layers vs all 12)"
    )
    parser.add_argument("--out", type=Path, help="write the results as JSON here")
    args = parser.parse_args(argv)

    from models.factory import build_faq_matcher
    from models.faq import EmbeddingFaqMatcher
    from moderation.config.schema import ModelSettings

    started = time.perf_counter()
    matcher = build_faq_matcher(ModelSettings(backend="e5"), ["en", "ar", "ru", "fa"])
    assert isinstance(matcher, EmbeddingFaqMatcher)
    if args.space_corpus == "examples":
        rows = [json.loads(x) for x in (ROOT / "models/data/examples.jsonl").read_text().splitlines()]
        questions = [r["text"] for r in rows if r["labels"]["question"] == 1 and r["labels"]["spam"] == 0]
        matcher = EmbeddingFaqMatcher(matcher.encoder, space_corpus=questions)
    sets = load_sets()
    results: dict[str, Any] = {"threshold": args.threshold, "space_corpus": args.space_corpus}
    for name in args.files.split(","):
        results[name] = report(name, run(DATA / name, sets, matcher), args.threshold)
    results["seconds"] = round(time.perf_counter() - started, 1)
    if args.speed:
        results["match_speed"] = match_speed(DATA / "faq_heldout.jsonl", sets)
    if args.out:
        args.out.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
