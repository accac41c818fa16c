"""Reference for TestChoiceMatchesStatsmodels and TestRiskMatchesSklearn.

Writes choice.csv and risk.csv from a fixed seed and prints the fitted coefficients.

choice.csv: one row per choice (x1, x2: inputs; z0, z1, z2: one attribute per alternative;
avail: alternatives that could be chosen, as a bit mask over types 0, 1, 2; y: the type
chosen). The utilities are u_k = b_k + w_k . x + gamma z_k. statsmodels' ConditionalLogit on
the long format (one line per row and available alternative, grouped by row) is McFadden's
conditional logit with those availability sets; with type 0 as the base it estimates the
contrasts b_k - b_0 and w_k - w_0 (k = 1, 2) and gamma, unpenalised.

risk.csv: x1, x2, x3 (already centred and scaled) and y (0/1). scikit-learn's
LogisticRegression with an L2 penalty on the weights (not the intercept) minimises
C sum(logloss) + 1/2 |w|^2, which is mean(logloss) + alpha/2 |w|^2 with C = 1/(n alpha).

Run: cd models/incentive && /usr/bin/python3 testdata/linear_reference.py
"""
import numpy as np
from sklearn.linear_model import LogisticRegression
from statsmodels.discrete.conditional_models import ConditionalLogit

rng = np.random.default_rng(7)

# Conditional logit with availability.
n = 600
x = rng.normal(size=(n, 2))
z = rng.integers(0, 3, size=(n, 3)).astype(float)
avail = np.full(n, 0b111)
avail[::4] = 0b011  # type 2 unavailable on every fourth row
avail[1::7] = 0b110  # type 0 unavailable on some
b = np.array([0.0, 0.5, -0.3])
w = np.array([[0.0, 0.0], [1.0, -0.5], [-0.7, 0.8]])
gamma = 0.6
u = b + x @ w.T + gamma * z
y = np.empty(n, dtype=int)
for i in range(n):
    ks = [k for k in range(3) if avail[i] >> k & 1]
    p = np.exp(u[i, ks] - u[i, ks].max())
    y[i] = ks[rng.choice(len(ks), p=p / p.sum())]
with open("testdata/choice.csv", "w") as f:
    f.write("x1,x2,z0,z1,z2,avail,y\n")
    for i in range(n):
        f.write(f"{x[i,0]!r},{x[i,1]!r},{z[i,0]:g},{z[i,1]:g},{z[i,2]:g},{avail[i]},{y[i]}\n")

rows, endog, groups = [], [], []
for i in range(n):
    for k in range(3):
        if not avail[i] >> k & 1:
            continue
        d = np.zeros(7)  # b1, b2, w1 (2), w2 (2), gamma
        if k > 0:
            d[k - 1] = 1
            d[2 + 2 * (k - 1): 4 + 2 * (k - 1)] = x[i]
        d[6] = z[i, k]
        rows.append(d)
        endog.append(1 if y[i] == k else 0)
        groups.append(i)
res = ConditionalLogit(np.array(endog), np.array(rows), groups=np.array(groups)).fit(disp=0, method="newton", maxiter=100, tol=1e-12)
print("choice [b1-b0, b2-b0, w1-w0 (x1, x2), w2-w0 (x1, x2), gamma]:")
print(", ".join(repr(v) for v in res.params))

# Logistic regression with an L2 penalty.
n, alpha = 500, 0.01
X = rng.normal(size=(n, 3))
X = (X - X.mean(axis=0)) / X.std(axis=0)
eta = -1.0 + X @ np.array([1.2, -0.8, 0.0])
Y = (rng.uniform(size=n) < 1 / (1 + np.exp(-eta))).astype(int)
with open("testdata/risk.csv", "w") as f:
    f.write("x1,x2,x3,y\n")
    for i in range(n):
        f.write(f"{X[i,0]!r},{X[i,1]!r},{X[i,2]!r},{Y[i]}\n")
m = LogisticRegression(C=1 / (n * alpha), tol=1e-12, max_iter=100000).fit(X, Y)
print("risk alpha", alpha, "[b, w1, w2, w3]:")
print(", ".join(repr(v) for v in [m.intercept_[0], *m.coef_[0]]))
