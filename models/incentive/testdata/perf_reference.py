"""Reference for TestPerformanceModelMatchesNumPy.

Writes perf.csv (type index, fit, performance_delta) from a fixed seed and prints the
least-squares solution of
    delta = intercept + slope * fit + offset[type]
with the ridge penalty OffsetPenalty * n on the offsets only, solved as an augmented
least-squares problem with numpy.linalg.lstsq (SVD), independently of the Go code's
Cholesky on the normal equations.

Run: cd models/incentive && /usr/bin/python3 testdata/perf_reference.py
"""
import numpy as np

rng = np.random.default_rng(42)
n, k, penalty = 240, 7, 0.01
types = rng.integers(0, k, n)
types[:3] = 6  # make sure every type occurs
fits = rng.uniform(0, 1, n)
true_offset = np.array([0.02, -0.01, 0.03, 0.0, -0.02, 0.01, 0.0])
deltas = np.round(-0.16 + 0.4 * fits + true_offset[types] + rng.normal(0, 0.05, n), 4)
with open("testdata/perf.csv", "w") as f:
    f.write("type,fit,delta\n")
    for t, x, d in zip(types, fits, deltas):
        f.write(f"{t},{x!r},{d!r}\n")

X = np.zeros((n, 2 + k))
X[:, 0] = 1
X[:, 1] = fits
X[np.arange(n), 2 + types] = 1
A = np.vstack([X, np.hstack([np.zeros((k, 2)), np.sqrt(penalty * n) * np.eye(k)])])
b = np.concatenate([deltas, np.zeros(k)])
beta = np.linalg.lstsq(A, b, rcond=None)[0]
print("intercept", repr(beta[0]))
print("slope", repr(beta[1]))
print("offsets", [repr(v) for v in beta[2:]])
