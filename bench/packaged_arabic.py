"""ROC-AUC of the packaged Arabic toxicity model ``arabic-toxic`` on the Arabic toxicity sources.

``arabic-toxic`` (PyPI, MIT) is a TF-IDF word + character n-gram model with one SGD logistic
classifier per category (Appearance, Cussing, Hatred, Racial, Sexual, Violence, NOT). It is the
only packaged Arabic toxicity model there is, so it was measured as a possible extra signal beside
e5. Its pickle needs scikit-learn 1.7 or 1.8 and does not load in Steward's environment
(scikit-learn 1.9), so this script runs in a separate virtual environment:

    python3 -m venv /tmp/arabic-toxic && /tmp/arabic-toxic/bin/pip install arabic-toxic "scikit-learn==1.7.2"
    /tmp/arabic-toxic/bin/python bench/packaged_arabic.py [--datasets /work/shared/datasets] [--out F]

Prints, per source, the ROC-AUC of each category's score (``NOT`` reversed) and of their maximum.
"""

from __future__ import annotations

import argparse
import json
import warnings
from pathlib import Path

SOURCES = ("toxicity_ar_mhc", "toxicity_ar_mlma")
CATEGORIES = ("NOT", "Cussing", "Hatred", "Racial", "Sexual", "Violence", "Appearance")


def main() -> None:
    """Score every Arabic toxicity source with ``arabic-toxic`` and print the ROC-AUC table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", type=Path, default=Path("/work/shared/datasets"))
    parser.add_argument("--out", type=Path, default=None, help="Also write the table as JSON here.")
    args = parser.parse_args()
    warnings.filterwarnings("ignore")  # the pickle's version warnings
    import arabic_toxic
    from sklearn.metrics import roc_auc_score

    table: dict[str, dict[str, float]] = {}
    for name in SOURCES:
        rows = [json.loads(line) for line in (args.datasets / f"{name}.jsonl").open(encoding="utf-8")]
        y = [int(r["label"]) for r in rows]
        scores = arabic_toxic.predict_proba([r["text"] for r in rows])
        table[name] = {}
        for cat in CATEGORIES:
            s = [(-p[cat] if cat == "NOT" else p[cat]) for p in scores]
            table[name][cat] = round(float(roc_auc_score(y, s)), 3)
        worst = [max(v for k, v in p.items() if k != "NOT") for p in scores]
        table[name]["max"] = round(float(roc_auc_score(y, worst)), 3)
        print(name, len(rows), "rows:", "  ".join(f"{k} {v:.3f}" for k, v in table[name].items()))
    if args.out is not None:
        args.out.write_text(json.dumps({"model": "arabic-toxic", "roc_auc": table}, indent=1) + "\n")


if __name__ == "__main__":
    main()
