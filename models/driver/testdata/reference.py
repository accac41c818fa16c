#!/usr/bin/python3
"""Reference values for models/driver's tests, from an independent implementation.

  /usr/bin/python3 testdata/reference.py --write-fixture   # writes testdata/panel.csv (once)
  /usr/bin/python3 testdata/reference.py                   # prints the reference coefficients

Uses NumPy 1.24, statsmodels 0.13 and scikit-learn 1.2 (Debian bookworm python3-statsmodels,
python3-sklearn). The design (growth on lagged driver changes, scope-revenue weights, scope and
quarter dummies) is rebuilt here from the panel with pandas, the fixed effects are removed with
explicit dummies (not alternating projections), the unpenalized fits use statsmodels WLS, and
the penalized fits use scikit-learn's Ridge, ElasticNet and Lasso on the partialled,
standardized columns.
"""
import sys
import numpy as np
import pandas as pd

DRIVERS = [("marketing_spend", "log"), ("sales_headcount", "log"), ("reimbursement_days", "level"),
           ("supply_lead_days", "level"), ("first_response_hours", "level")]
LAGS = 1
FIXTURE = "testdata/panel.csv"


def write_fixture():
    rng = np.random.default_rng(20240601)
    scopes = {"A": 1.0, "B": 0.5, "C": 2.0}  # revenue scale: unequal weights
    periods = pd.period_range("2021Q1", "2024Q4", freq="Q")
    beta = {"marketing_spend": (0.12, 0.18), "sales_headcount": (0.5, 0.3),
            "reimbursement_days": (-0.010, -0.006), "supply_lead_days": (-0.025, 0.0),
            "first_response_hours": (-0.004, -0.001)}
    sd = {"marketing_spend": 0.15, "sales_headcount": 0.05, "reimbursement_days": 2.5,
          "supply_lead_days": 1.2, "first_response_hours": 4.0}
    base = {"marketing_spend": np.log(300000), "sales_headcount": np.log(40),
            "reimbursement_days": 10, "supply_lead_days": 7, "first_response_hours": 24}
    season = [0.0, 0.06, 0.03, 0.14]
    rows = []
    for s, scale in scopes.items():
        paths = {d: base[d] + sd[d] * rng.standard_normal(len(periods)) for d, _ in DRIVERS}
        lr = np.log(5e6 * scale) + 0.02 * np.arange(len(periods)) + 0.03 * rng.standard_normal(len(periods))
        for t in range(len(periods)):
            lr[t] += season[periods[t].quarter - 1]
            for d, _ in DRIVERS:
                for l, b in enumerate(beta[d]):
                    lr[t] += b * paths[d][max(t - l, 0)]
        for t, p in enumerate(periods):
            row = {"period": str(p), "scope_id": s, "complete": "true" if t < len(periods) - 1 else "false",
                   "revenue": round(float(np.exp(lr[t])), 2)}
            for d, kind in DRIVERS:
                v = np.exp(paths[d][t]) if kind == "log" else paths[d][t]
                row[d] = round(float(v), 6)
            rows.append(row)
    df = pd.DataFrame(rows)
    # One unknown cell: rows that need it are left out.
    df.loc[(df.scope_id == "B") & (df.period == "2022Q3"), "supply_lead_days"] = np.nan
    df.to_csv(FIXTURE, index=False)


def design(df):
    recs = []
    for s, g in df.groupby("scope_id", sort=True):
        g = g.sort_values("period").reset_index(drop=True)
        lr = np.log(g.revenue.values)
        z = {d: (np.log(g[d].values) if k == "log" else g[d].values) for d, k in DRIVERS}
        comp = g.complete.astype(str).str.lower().eq("true").values
        for t in range(LAGS + 1, len(g)):
            if not comp[t - LAGS - 1:t + 1].all():
                continue
            x = [z[d][t - l] - z[d][t - l - 1] for d, _ in DRIVERS for l in range(LAGS + 1)]
            if not np.all(np.isfinite(x)):
                continue
            recs.append({"scope": s, "q": int(g.period[t][-1]), "rev": g.revenue[t],
                         "y": lr[t] - lr[t - 1], **{f"x{k}": v for k, v in enumerate(x)}})
    D = pd.DataFrame(recs)
    w = D.groupby("scope").rev.transform("mean").values
    D["w"] = w / w.mean()
    return D


def main():
    if "--write-fixture" in sys.argv:
        write_fixture()
        return
    import statsmodels.api as sm
    from sklearn.linear_model import ElasticNet, Lasso, Ridge

    D = design(pd.read_csv(FIXTURE))
    n, p = len(D), len(DRIVERS) * (LAGS + 1)
    X = D[[f"x{k}" for k in range(p)]].values
    y, w = D.y.values, D.w.values
    dummies = pd.get_dummies(D[["scope", "q"]].astype(str), drop_first=False).astype(float).values
    dummies = dummies[:, :-1]  # scope dummies span the intercept; drop one quarter

    print(f"rows {n}, sum of weights {w.sum():.12g}")
    ols = sm.WLS(y, np.column_stack([X, dummies]), weights=w).fit()
    print("ols beta", fmt(ols.params[:p]))

    def resid(v, B):
        W = np.sqrt(w)
        coef, *_ = np.linalg.lstsq(B * W[:, None], v * W, rcond=None)
        return v - B @ coef

    Xf = np.column_stack([resid(X[:, k], dummies) for k in range(p)])
    yf = resid(y, dummies)
    H = np.array([[1, 1], [1, -1]]) / np.sqrt(2)  # lag basis: sum direction, contrast

    def fit(free, lam, l1, basis):
        # basis: "lag" (sum and contrast directions, Shrink shape) or "identity" (Shrink all).
        Hj = H if basis == "lag" else np.eye(2)
        U = np.column_stack([Xf[:, 2 * j:2 * j + 2] @ Hj for j in range(len(DRIVERS))])
        pen = [k for k in range(p) if k not in free]
        F = U[:, free]
        P = np.column_stack([resid(U[:, k], F) for k in pen]) if free else U[:, pen]
        yt = resid(yf, F) if free else yf
        sd = np.sqrt((w[:, None] * P ** 2).sum(0) / w.sum())
        Z = P / sd
        if l1 == 0:
            m = Ridge(alpha=lam, fit_intercept=False, solver="cholesky").fit(Z, yt, sample_weight=w)
        elif l1 == 1:
            m = Lasso(alpha=lam / w.sum(), fit_intercept=False, tol=1e-14, max_iter=1000000).fit(Z, yt, sample_weight=w)
        else:
            m = ElasticNet(alpha=lam / w.sum(), l1_ratio=l1, fit_intercept=False, tol=1e-14,
                           max_iter=1000000).fit(Z, yt, sample_weight=w)
        theta = np.zeros(p)
        theta[pen] = m.coef_ / sd
        if free:
            r = yf - U[:, pen] @ theta[pen]
            W = np.sqrt(w)
            theta[free], *_ = np.linalg.lstsq(F * W[:, None], r * W, rcond=None)
        beta = np.concatenate([Hj @ theta[2 * j:2 * j + 2] for j in range(len(DRIVERS))])
        return beta

    shape = [2 * j for j in range(len(DRIVERS))]
    for name, free, lam, l1, basis in [
            ("shape ridge 3", shape, 3.0, 0, "lag"), ("shape ridge 40", shape, 40.0, 0, "lag"),
            ("shape lasso 0.3", shape, 0.3, 1, "lag"), ("shape enet 0.5 0.5", shape, 0.5, 0.5, "lag"),
            ("all ridge 3", [], 3.0, 0, "identity"), ("all lasso 0.05", [], 0.05, 1, "identity"),
            ("all enet 0.5 0.1", [], 0.1, 0.5, "identity")]:
        print(name, fmt(fit(free, lam, l1, basis)))


def fmt(v):
    return "{" + ", ".join(f"{x:.12g}" for x in v) + "}"


if __name__ == "__main__":
    main()
