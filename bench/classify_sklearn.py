#!/usr/bin/python3
"""scikit-learn side of `make bench-classify`.

Fits logistic regression, random forest and gradient boosting on the outer folds that
`growthlens evaluate classifier --write-folds` wrote, so both sides score exactly the same
held-out rows, and prints one JSON object per model (AUC, accuracy, macro F1, log loss,
Brier, seconds = total fit+predict time over the folds) on stdout.

Run with Debian's python (/usr/bin/python3 with python3-sklearn), not a pyenv one:
    /usr/bin/python3 bench/classify_sklearn.py --data FILE.csv --target Attrition \
        --positive Yes --folds folds.csv --drop EmployeeCount,EmployeeNumber,Over18,StandardHours
"""
import argparse
import csv
import json
import sys
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--target", required=True)
    ap.add_argument("--positive", required=True)
    ap.add_argument("--folds", required=True, help="CSV row,fold written by growthlens")
    ap.add_argument("--drop", default="", help="columns growthlens dropped (comma-separated)")
    args = ap.parse_args()
    try:
        import numpy as np
        import sklearn
        from sklearn.compose import ColumnTransformer
        from sklearn.ensemble import GradientBoostingClassifier, RandomForestClassifier
        from sklearn.linear_model import LogisticRegression
        from sklearn.metrics import (accuracy_score, brier_score_loss, f1_score, log_loss,
                                     roc_auc_score)
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import OneHotEncoder, StandardScaler
    except ImportError as e:
        print(json.dumps({"skipped": "scikit-learn not importable (%s); install with: "
                          "apt-get install -y python3-sklearn" % e}))
        return

    with open(args.data, encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    drop = set(filter(None, args.drop.split(","))) | {args.target}
    cols = [c for c in rows[0].keys() if c not in drop]
    numeric, categorical = [], []
    for c in cols:
        try:
            [float(r[c]) for r in rows]
            numeric.append(c)
        except ValueError:
            categorical.append(c)
    y = np.array([1 if r[args.target] == args.positive else 0 for r in rows])
    with open(args.folds, newline="") as f:
        fold = {int(r["row"]): int(r["fold"]) for r in csv.DictReader(f)}
    if len(fold) != len(rows):
        sys.exit("folds file has %d rows, data has %d" % (len(fold), len(rows)))
    fold = np.array([fold[i] for i in range(len(rows))])
    k = fold.max() + 1
    # Check the folds are stratified as growthlens promises (sizes and positives within 1).
    sizes = [int((fold == f).sum()) for f in range(k)]
    pos = [int(y[fold == f].sum()) for f in range(k)]
    if max(sizes) - min(sizes) > 1 or max(pos) - min(pos) > 1:
        sys.exit("folds are not stratified: sizes %s positives %s" % (sizes, pos))

    import pandas as pd  # noqa: E402  (python3-pandas comes with python3-sklearn's recommends)
    X = pd.DataFrame({c: [float(r[c]) for r in rows] for c in numeric})
    for c in categorical:
        X[c] = [r[c] for r in rows]

    def prep(scale):
        num = StandardScaler() if scale else "passthrough"
        return ColumnTransformer([("num", num, numeric),
                                  ("cat", OneHotEncoder(handle_unknown="ignore"), categorical)])

    models = {
        "sklearn logistic": lambda: make_pipeline(prep(True), LogisticRegression(max_iter=1000)),
        "sklearn random forest": lambda: make_pipeline(prep(False), RandomForestClassifier(random_state=0)),
        "sklearn gradient boosting": lambda: make_pipeline(prep(False), GradientBoostingClassifier(random_state=0)),
    }
    for name, make in models.items():
        sums = dict(auc=0.0, accuracy=0.0, macro_f1=0.0, logloss=0.0, brier=0.0)
        seconds = 0.0
        for f in range(k):
            tr, te = fold != f, fold == f
            t0 = time.perf_counter()
            m = make().fit(X[tr], y[tr])
            p = m.predict_proba(X[te])[:, 1]
            seconds += time.perf_counter() - t0
            pred = (p > 0.5).astype(int)
            sums["auc"] += roc_auc_score(y[te], p)
            sums["accuracy"] += accuracy_score(y[te], pred)
            sums["macro_f1"] += f1_score(y[te], pred, average="macro")
            sums["logloss"] += log_loss(y[te], p, labels=[0, 1])
            sums["brier"] += brier_score_loss(y[te], p)
        out = {"model": name, "sklearn": sklearn.__version__, "seconds": seconds}
        out.update({key: v / k for key, v in sums.items()})
        print(json.dumps(out))


if __name__ == "__main__":
    main()
