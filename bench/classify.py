#!/usr/bin/python3
"""make bench-classify: growthlens's classifier search side by side with scikit-learn.

Runs `growthlens evaluate classifier` (nested 5-fold CV over the default candidate families) on the
IBM HR attrition data, has it write its outer fold of every row, then fits scikit-learn's
logistic regression, random forest and gradient boosting on exactly those folds. Prints AUC,
accuracy, macro F1, log loss, Brier and time for each, the base-rate predictor, and the
10-bin reliability table of growthlens's chosen model.

Times are medians over --repeats runs of each side, as wall-clock seconds and as CPU seconds
(user+sys; the machine is shared, so CPU time is the steadier figure). growthlens's time
covers its whole nested search (every family, inner folds, calibration choice) including
reading the CSV; scikit-learn's covers fit+predict of its three fixed models on the outer
folds, without search.

Use Debian's python (/usr/bin/python3; scikit-learn from `apt-get install -y python3-sklearn`).
Without scikit-learn the growthlens rows are still printed.
"""
import argparse
import csv
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time


def run_growthlens(args, folds_path):
    cmd = [args.bin, "evaluate", "classifier", "--data", args.data, "--label", args.target,
           "--positive", args.positive, "--folds", str(args.folds), "--seed", str(args.seed),
           "--json", "--write-folds", folds_path, "--log-level", "warn"]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    out = subprocess.run(cmd, check=True, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    lines = [l for l in out.stdout.splitlines() if l.strip()]
    if len(lines) != 1:
        sys.exit("growthlens --json printed %d lines, want exactly one JSON object" % len(lines))
    return json.loads(lines[0]), wall, cpu


def sklearn_runner(args, folds_path, dropped):
    """Returns a function running scikit-learn's three models once on the folds, or None."""
    try:
        import numpy as np
        import pandas as pd
        import sklearn
        from sklearn.compose import ColumnTransformer
        from sklearn.ensemble import GradientBoostingClassifier, RandomForestClassifier
        from sklearn.linear_model import LogisticRegression
        from sklearn.metrics import (accuracy_score, brier_score_loss, f1_score, log_loss,
                                     roc_auc_score)
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import OneHotEncoder, StandardScaler
    except ImportError as e:
        return None, "scikit-learn rows skipped (%s); install with: apt-get install -y python3-sklearn python3-pandas" % e

    with open(args.data, encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    drop = set(dropped) | {args.target}
    cols = [c for c in rows[0].keys() if c not in drop]
    numeric, categorical = [], []
    for c in cols:
        try:
            [float(r[c]) for r in rows]
            numeric.append(c)
        except ValueError:
            categorical.append(c)
    y = np.array([1 if r[args.target] == args.positive else 0 for r in rows])
    with open(folds_path, newline="") as f:
        fold = {int(r["row"]): int(r["fold"]) for r in csv.DictReader(f)}
    if len(fold) != len(rows):
        sys.exit("folds file has %d rows, data has %d" % (len(fold), len(rows)))
    fold = np.array([fold[i] for i in range(len(rows))])
    k = fold.max() + 1
    # growthlens promises stratified folds: sizes and positives within one of each other.
    sizes = [int((fold == f).sum()) for f in range(k)]
    pos = [int(y[fold == f].sum()) for f in range(k)]
    if max(sizes) - min(sizes) > 1 or max(pos) - min(pos) > 1:
        sys.exit("folds are not stratified: sizes %s, positives %s" % (sizes, pos))
    X = pd.DataFrame({c: [float(r[c]) for r in rows] for c in numeric})
    for c in categorical:
        X[c] = [r[c] for r in rows]

    def prep(scale):
        return ColumnTransformer([("num", StandardScaler() if scale else "passthrough", numeric),
                                  ("cat", OneHotEncoder(handle_unknown="ignore"), categorical)])

    makers = [
        ("sklearn logistic", lambda: make_pipeline(prep(True), LogisticRegression(max_iter=1000))),
        ("sklearn random forest", lambda: make_pipeline(prep(False), RandomForestClassifier(random_state=args.seed))),
        ("sklearn gradient boosting", lambda: make_pipeline(prep(False), GradientBoostingClassifier(random_state=args.seed))),
    ]

    def once():
        """Fits the three models on every fold once; returns metrics and times per model."""
        results = []
        for name, make in makers:
            m = dict(name=name, auc=0.0, accuracy=0.0, macro_f1=0.0, logloss=0.0, brier=0.0, wall=0.0, cpu=0.0)
            for f in range(k):
                tr, te = fold != f, fold == f
                t0, c0 = time.perf_counter(), time.process_time()
                model = make().fit(X[tr], y[tr])
                p = model.predict_proba(X[te])[:, 1]
                m["wall"] += time.perf_counter() - t0
                m["cpu"] += time.process_time() - c0
                pred = (p > 0.5).astype(int)
                m["auc"] += roc_auc_score(y[te], p) / k
                m["accuracy"] += accuracy_score(y[te], pred) / k
                m["macro_f1"] += f1_score(y[te], pred, average="macro") / k
                m["logloss"] += log_loss(y[te], p, labels=[0, 1]) / k
                m["brier"] += brier_score_loss(y[te], p) / k
            results.append(m)
        return results

    return once, "scikit-learn %s, numpy %s" % (sklearn.__version__, np.__version__)


def median_runs(runs):
    """Per model: metrics of the first run (they do not change), median wall and cpu."""
    out = []
    for i, m in enumerate(runs[0]):
        m = dict(m)
        m["wall"] = statistics.median(r[i]["wall"] for r in runs)
        m["cpu"] = statistics.median(r[i]["cpu"] for r in runs)
        out.append(m)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", default="bin/growthlens")
    ap.add_argument("--data", default="../shared/data/ibm-hr-attrition/WA_Fn-UseC_-HR-Employee-Attrition.csv")
    ap.add_argument("--target", default="Attrition")
    ap.add_argument("--positive", default="Yes")
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    if not os.path.exists(args.data):
        sys.exit("data not found: %s (the shared datasets live in ../shared/data beside the repository)" % args.data)

    tmp = tempfile.mkdtemp(prefix="bench-classify-")
    folds_path = os.path.join(tmp, "folds.csv")
    # The two sides alternate run by run, so a burst of load on the shared machine hits both.
    runs, sk_runs = [run_growthlens(args, folds_path)], []
    dropped = sorted(set(_header(args.data)) - set(runs[0][0]["features"]) - {args.target})
    sk_once, note = sklearn_runner(args, folds_path, dropped)
    for r in range(args.repeats):
        if r > 0:
            runs.append(run_growthlens(args, folds_path))
        if sk_once:
            sk_runs.append(sk_once())
    sk = median_runs(sk_runs) if sk_once else None
    rep = runs[0][0]
    for other, _, _ in runs[1:]:
        if other["auc"] != rep["auc"] or other["logloss"] != rep["logloss"]:
            sys.exit("growthlens is not deterministic across runs: auc %r vs %r" % (rep["auc"], other["auc"]))
    gl_wall = statistics.median(r[1] for r in runs)
    gl_cpu = statistics.median(r[2] for r in runs)

    print("IBM HR attrition: %d rows, %d-fold stratified CV (same folds on both sides), seed %d, positive %r"
          % (rep["rows"], rep["folds"], args.seed, args.positive))
    print("columns dropped as constant or identifier-like: %s" % ", ".join(dropped))
    print("times: medians over %d runs per side, the sides alternating; %s" % (args.repeats, note))
    print()
    hdr = "%-38s %7s %9s %9s %8s %7s %9s %9s" % ("model", "auc", "accuracy", "macro_f1", "logloss", "brier", "wall s", "cpu s")
    print(hdr)
    print("-" * len(hdr))

    def row(name, m, wall="", cpu=""):
        t = lambda v: ("%.2f" % v) if isinstance(v, float) else v
        q = lambda v: "-" if v != v else "%.4f" % v  # NaN: no metric
        print("%-38s %7s %9s %9s %8s %7s %9s %9s" % (
            name, q(m["auc"]), q(m["accuracy"]), q(m["macro_f1"]), q(m["logloss"]), q(m["brier"]), t(wall), t(cpu)))

    row("growthlens chosen (%s)" % rep["model"], rep, gl_wall, gl_cpu)
    for pm in rep["per_model"]:
        row("  growthlens %s" % pm["name"], pm)
    if sk:
        for m in sk:
            row(m["name"], m, m["wall"], m["cpu"])
        row("  scikit-learn total (3 models)", {k: float("nan") for k in ("auc", "accuracy", "macro_f1", "logloss", "brier")},
            sum(m["wall"] for m in sk), sum(m["cpu"] for m in sk))
    row("base rate (training-fold frequencies)", rep["baseline"])
    print()
    print("chosen per outer fold: %s" % ", ".join(rep["chosen_per_fold"]))
    if sk:
        skw, skc = sum(m["wall"] for m in sk), sum(m["cpu"] for m in sk)
        print("time, growthlens whole nested search / scikit-learn three fixed models: wall %.2f, cpu %.2f"
              % (gl_wall / skw, gl_cpu / skc))
    else:
        print(note)
    print()
    print("reliability of the chosen model's held-out probabilities (10 bins):")
    print("%-12s %6s %10s %9s" % ("bin", "rows", "predicted", "observed"))
    for b in rep["reliability"]:
        if b["count"]:
            print("[%.1f, %.1f)   %6d %10.3f %9.3f" % (b["lo"], b["hi"], b["count"], b["predicted"], b["observed"]))
        else:
            print("[%.1f, %.1f)   %6d %10s %9s" % (b["lo"], b["hi"], 0, "-", "-"))


def _header(path):
    with open(path, encoding="utf-8-sig", newline="") as f:
        return next(csv.reader(f))


if __name__ == "__main__":
    main()
