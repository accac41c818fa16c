#!/usr/bin/python3
"""Reference values for the classify tests, from scikit-learn (Debian python3-sklearn 1.2.1).

Run from models/classify:  /usr/bin/python3 testdata/sklearn_reference.py
The printed numbers are pasted into logistic_test.go, metrics_test.go and calibrate_test.go.
"""
import warnings

import numpy as np
import sklearn
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, brier_score_loss, f1_score, log_loss, roc_auc_score

# newton-cg reaches gradients near 1e-12 but still warns that tol=1e-12 was not met.
warnings.simplefilter("ignore")
print("sklearn", sklearn.__version__)

# Logistic regression on testdata/logistic.csv (x1..x3, binary y, 3-class y3). newton-cg, because
# lbfgs stops with gradients near 1e-5 even at tol=1e-12, which moves coefficients by ~5e-6.
d = np.genfromtxt("testdata/logistic.csv", delimiter=",", names=True, dtype=None, encoding=None)
X = np.stack([d["x1"], d["x2"], d["x3"]], 1)
for C in (0.1, 1.0):
    m = LogisticRegression(C=C, solver="newton-cg", tol=1e-12, max_iter=1000).fit(X, d["y"])
    print("binary C=%g coef=%r intercept=%r" % (C, m.coef_[0].round(8).tolist(), round(m.intercept_[0], 8)))
m = LogisticRegression(C=0.5, solver="newton-cg", tol=1e-12, max_iter=1000).fit(X, d["y3"])
print("multinomial C=0.5 classes", m.classes_.tolist())
print("  proba rows 0,1,2", m.predict_proba(X[:3]).round(8).tolist())

# Metrics on hand-made predictions (ties included on purpose).
yb = np.array([0, 0, 1, 1, 0, 1, 0, 0, 1, 0, 1, 1])
pb = np.array([0.1, 0.4, 0.35, 0.8, 0.4, 0.4, 0.05, 0.6, 0.9, 0.2, 0.55, 0.45])
print("binary auc %.10f logloss %.10f brier %.10f acc %.10f macro_f1 %.10f" % (
    roc_auc_score(yb, pb), log_loss(yb, pb), brier_score_loss(yb, pb),
    accuracy_score(yb, pb > 0.5), f1_score(yb, pb > 0.5, average="macro")))
y3 = np.array([0, 1, 2, 2, 1, 0, 1, 2, 0, 1])
p3 = np.array([[0.7, 0.2, 0.1], [0.2, 0.5, 0.3], [0.1, 0.3, 0.6], [0.3, 0.4, 0.3], [0.3, 0.3, 0.4],
               [0.5, 0.25, 0.25], [0.1, 0.8, 0.1], [0.2, 0.2, 0.6], [0.4, 0.4, 0.2], [0.6, 0.3, 0.1]])
print("multi auc %.10f logloss %.10f acc %.10f macro_f1 %.10f" % (
    roc_auc_score(y3, p3, multi_class="ovr", average="macro"), log_loss(y3, p3),
    accuracy_score(y3, p3.argmax(1)), f1_score(y3, p3.argmax(1), average="macro")))

# Isotonic regression (the isotonic calibrator's map) at a few query points.
s = np.array([0.1, 0.2, 0.2, 0.3, 0.35, 0.5, 0.55, 0.6, 0.7, 0.9])
t = np.array([0, 1, 0, 0, 1, 0, 1, 1, 0, 1])
ir = IsotonicRegression(out_of_bounds="clip").fit(s, t)
# Query points away from the end pools (fitted 0 and 1), which growthlens clips to
# [0.5/(n+1), 1-0.5/(n+1)] on purpose so a calibrated probability is never 0 or 1.
q = np.array([0.2, 0.25, 0.32, 0.5, 0.52, 0.65])
print("isotonic", ir.predict(q).round(10).tolist())

# Naive Bayes on testdata/logistic.csv: Gaussian on x1..x3, Bernoulli on (x1>0, x2>1, x3>-1).
from sklearn.naive_bayes import BernoulliNB, GaussianNB
g = GaussianNB(var_smoothing=1e-9).fit(X, d["y3"])
print("gaussian nb proba rows 0,1,2", g.predict_proba(X[:3]).round(10).tolist())
B = np.stack([X[:, 0] > 0, X[:, 1] > 1, X[:, 2] > -1], 1).astype(float)
b = BernoulliNB(alpha=1.0).fit(B, d["y3"])
print("bernoulli nb proba rows 0,1,2", b.predict_proba(B[:3]).round(10).tolist())
