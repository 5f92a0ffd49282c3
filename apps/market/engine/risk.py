"""Risk measures of a daily close series (optionally against a benchmark's closes).

Returns are simple daily returns. Volatility: sample std-dev (ddof=1) × √252. Historical VaR(95%):
the loss at the 5th percentile of daily returns. Parametric VaR(95%): −(μ − 1.645σ), normal
returns assumed. Max drawdown: the largest peak-to-trough fall of the close. Sharpe: (mean daily
return − rf/252) / std × √252. Sortino: the same over the downside deviation (returns below the daily
risk-free rate, root-mean-square over all days). Beta: cov(r, r_b)/var(r_b) on common dates.
VaR and drawdown are positive fractions (0.05 = 5 %).
"""

import math

import numpy as np
import pandas as pd

TRADING_DAYS = 252
Z_95 = 1.6448536269514722


def measure(close: pd.Series, *, benchmark: pd.Series | None = None, risk_free: float = 0.0) -> dict:
    returns = close.pct_change().dropna()
    if len(returns) < 2:
        return {"observations": len(returns)}
    mean, std = float(returns.mean()), float(returns.std(ddof=1))
    daily_rf = risk_free / TRADING_DAYS
    downside = np.minimum(returns - daily_rf, 0.0)
    downside_dev = float(np.sqrt((downside**2).mean()))
    peak = close.cummax()
    result = {
        "observations": len(returns),
        "volatility": std * math.sqrt(TRADING_DAYS),
        "var_95_historical": float(-np.percentile(returns, 5)),
        "var_95_parametric": -(mean - Z_95 * std),
        "max_drawdown": float(-(close / peak - 1).min()),
        "sharpe": (mean - daily_rf) / std * math.sqrt(TRADING_DAYS) if std else None,
        "sortino": (mean - daily_rf) / downside_dev * math.sqrt(TRADING_DAYS) if downside_dev else None,
        "beta": None,
        "correlation": None,
    }
    if benchmark is not None:
        joined = pd.concat([returns, benchmark.pct_change()], axis=1, join="inner").dropna()
        if len(joined) >= 20:
            r, b = joined.iloc[:, 0], joined.iloc[:, 1]
            result["beta"] = float(r.cov(b) / b.var())
            result["correlation"] = float(r.corr(b))
            result["benchmark_observations"] = len(joined)
    return {k: (round(v, 6) if isinstance(v, float) else v) for k, v in result.items()}
