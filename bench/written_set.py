"""A label (toxic, threat) on a team-written evaluation set, by language and by kind of message.

The label is the file's ``task`` (``toxicity`` -> ``toxic``, ``threat``) unless ``--label`` says.

``bench/data/toxicity_fa_written.jsonl`` holds 312 Persian chat messages: insults, hate, threats,
harassment and disguised insults (toxic), and civil disagreement, counter-speech, sensitive topics,
innocent look-alikes of insult words and ordinary chat (not toxic). No public Persian toxicity data is
available here, so this set was written for measuring only, by a writer who saw neither the training
examples nor the word lists; training lines close to any of its lines (character trigram Jaccard
>= 0.35) were removed from the training examples. It is a written stand-in, not real chat: read its
figures beside the public held-out sources in ``bench/finetune_e5.py``.

``bench/data/threat_written.jsonl`` holds 320 messages, 80 per language (en, ar, ru, fa): direct,
group, veiled, conditional and doxxing threats, and hyperbole, gaming and sports trash-talk, reports of
threats, insults without a threat and ordinary chat. It was written the same way, for measuring only;
training examples within trigram Jaccard 0.35 of any of its lines were dropped before training.

Prints ROC-AUC overall and per language, then per kind the number of messages, the mean probability
and the share at or above the threshold, as Steward scores them (language detected among
en/ar/ru/fa; the shipped encoder and heads unless told otherwise).

Usage: ``python bench/written_set.py [--data F] [--label L] [--heads models/data/heads.npz]
[--threshold 0.5] [--out F]``; ``STEWARD_E5_DELTA=none ... --heads models/data/heads-base.npz`` for
plain e5. The encoder runs in the precision Steward would serve it in here (``STEWARD_E5_PRECISION``
overrides).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    """Score the file and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT / "bench/data/toxicity_fa_written.jsonl")
    parser.add_argument("--label", default=None, help="label to score (default: from the file's task)")
    parser.add_argument("--heads", type=Path, default=None, help="heads file (default: the shipped one)")
    parser.add_argument("--threshold", type=float, default=0.5)
    parser.add_argument("--out", type=Path, default=None, help="also write the results as JSON here")
    args = parser.parse_args()

    from sklearn.metrics import roc_auc_score

    from models.classifier import HeadsScorer
    from models.factory import heads_for, shared_e5
    from models.heads import DEFAULT_HEADS
    from models.langid import LanguageIdentifier
    from models.text import clean_text
    from models.training.data import TASK_LABELS

    rows = [json.loads(line) for line in args.data.open(encoding="utf-8") if line.strip()]
    label_name = args.label or TASK_LABELS.get(rows[0].get("task", ""), rows[0].get("task", "toxic"))
    encoder = shared_e5()
    scorer = HeadsScorer(encoder, heads_for(encoder, args.heads or DEFAULT_HEADS))
    texts = [clean_text(r["text"]) for r in rows]
    langid = LanguageIdentifier(["en", "ar", "ru", "fa"])  # as Steward: the detected language calibrates
    scores = scorer.score(texts, [langid.detect(t) for t in texts])
    if label_name not in scores[0]:
        sys.exit(f"these heads have no {label_name!r} label: {sorted(scores[0])}")
    probs = [p[label_name] for p in scores]
    y = [int(r["label"]) for r in rows]
    auc = float(roc_auc_score(y, probs))
    by_lang = {}
    for lang in sorted({r["lang"] for r in rows}):
        idx = [i for i, r in enumerate(rows) if r["lang"] == lang]
        if len({y[i] for i in idx}) == 2:
            by_lang[lang] = round(float(roc_auc_score([y[i] for i in idx], [probs[i] for i in idx])), 3)
    kinds: dict[tuple[int, str], list[float]] = defaultdict(list)
    for r, p in zip(rows, probs, strict=True):
        kinds[(int(r["label"]), r.get("kind", "-"))].append(p)
    precision = getattr(encoder, "precision", "fp32")
    served = f"{encoder.name}, {precision}"
    print(f"{args.data.name}: {len(rows)} messages, {label_name} ROC-AUC {auc:.3f} ({served})")
    if len(by_lang) > 1:
        print("by language: " + "  ".join(f"{lang} {v:.3f}" for lang, v in by_lang.items()))
    print(f"{'label':>5} {'kind':16} {'n':>4} {'mean p':>7} {'>= ' + str(args.threshold):>7}")
    table = []
    for (label, kind), ps in sorted(kinds.items(), key=lambda kv: (-kv[0][0], kv[0][1])):
        flagged = sum(p >= args.threshold for p in ps) / len(ps)
        table.append(
            {
                "label": label,
                "kind": kind,
                "n": len(ps),
                "mean_p": round(sum(ps) / len(ps), 3),
                "flagged": round(flagged, 3),
            }
        )
        print(f"{label:5d} {kind:16} {len(ps):4d} {sum(ps) / len(ps):7.3f} {flagged:7.1%}")
    if args.out is not None:
        result = {
            "data": args.data.name,
            "encoder": encoder.name,
            "precision": precision,
            "label": label_name,
            "roc_auc": round(auc, 3),
            "roc_auc_by_lang": by_lang,
            "threshold": args.threshold,
            "kinds": table,
        }
        args.out.write_text(json.dumps(result, indent=1) + "\n")


if __name__ == "__main__":
    main()
