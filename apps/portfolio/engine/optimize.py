"""Mean-variance optimisation with PyPortfolioOpt.

Expected returns: the mean historical return, annualised (compounded) at the data's frequency;
risk: the Ledoit-Wolf shrunk sample covariance (steadier than the raw sample covariance with few
observations). Objectives: ``max_sharpe`` (at ``risk_free``), ``min_volatility`` and
``efficient_return`` (the least volatile mix reaching ``target_return``), each within per-asset
weight bounds. The frontier is traced with ``efficient_return`` from the minimum-volatility
return up to the highest reachable one.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from pypfopt import EfficientFrontier, expected_returns, risk_models

OBJECTIVES = ("max_sharpe", "min_volatility", "efficient_return")


class OptimisationError(ValueError):
    pass


def _frontier_object(mu, cov, bounds) -> EfficientFrontier:
    return EfficientFrontier(mu, cov, weight_bounds=bounds)


def optimise(
    prices: pd.DataFrame,
    *,
    objective: str,
    frequency: int,
    bounds: tuple[float, float] = (0.0, 1.0),
    risk_free: float = 0.0,
    target_return: float | None = None,
    frontier_points: int = 25,
) -> dict:
    """Weights, expected performance and the efficient frontier for the price columns given."""
    if objective not in OBJECTIVES:
        raise OptimisationError(f"Unknown objective {objective!r}; choose one of {', '.join(OBJECTIVES)}.")
    if prices.shape[1] < 2:
        raise OptimisationError("Optimisation needs at least two instruments.")
    if len(prices) < 12:
        raise OptimisationError(f"The instruments share only {len(prices)} prices; at least 12 are needed.")
    lo, hi = bounds
    if lo * prices.shape[1] > 1 or hi * prices.shape[1] < 1:
        raise OptimisationError(f"No weights in [{lo}, {hi}] for {prices.shape[1]} instruments can sum to 1.")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mu = expected_returns.mean_historical_return(prices, frequency=frequency)
        cov = risk_models.CovarianceShrinkage(prices, frequency=frequency).ledoit_wolf()
        ef = _frontier_object(mu, cov, bounds)
        try:
            if objective == "max_sharpe":
                if float(mu.max()) <= risk_free:
                    raise OptimisationError(
                        f"No instrument's expected return beats the risk-free rate {risk_free:.2%}, so no "
                        "portfolio has a positive Sharpe ratio; try min_volatility."
                    )
                ef.max_sharpe(risk_free_rate=risk_free)
            elif objective == "min_volatility":
                ef.min_volatility()
            else:
                if target_return is None:
                    raise OptimisationError("efficient_return needs target_return.")
                ef.efficient_return(target_return)
        except OptimisationError:
            raise
        except Exception as exc:  # the solvers raise several types for an infeasible problem
            raise OptimisationError(f"The optimiser found no solution: {exc}") from exc
        weights = ef.clean_weights(cutoff=1e-6, rounding=6)
        ret, vol, sharpe = ef.portfolio_performance(risk_free_rate=risk_free)
        frontier = _trace_frontier(mu, cov, bounds, frontier_points, risk_free)
    assets = [
        {"symbol": s, "expected_return": float(mu[s]), "volatility": float(np.sqrt(cov.loc[s, s]))}
        for s in prices.columns
    ]
    return {
        "objective": objective,
        "weights": dict(weights),
        "expected_return": float(ret),
        "volatility": float(vol),
        "sharpe": float(sharpe),
        "assets": assets,
        "frontier": frontier,
        "observations": len(prices),
        "start": prices.index[0].date().isoformat(),
        "end": prices.index[-1].date().isoformat(),
    }


def _trace_frontier(mu, cov, bounds, points: int, risk_free: float) -> list[dict]:
    low = _frontier_object(mu, cov, bounds)
    low.min_volatility()
    r_min = low.portfolio_performance(risk_free_rate=risk_free)[0]
    r_max = float(mu.max()) if bounds[1] >= 1 else r_min
    if bounds[1] < 1:  # the highest return reachable under the upper bound
        top = _frontier_object(mu, cov, bounds)
        try:
            top._max_return()
            r_max = top.portfolio_performance(risk_free_rate=risk_free)[0]
        except Exception:
            r_max = r_min
    result = []
    for target in np.linspace(r_min, r_max - 1e-6, points):
        ef = _frontier_object(mu, cov, bounds)
        try:
            ef.efficient_return(float(target))
        except Exception:  # noqa: S112 - a target at the numerical edge of the feasible set has no point
            continue
        ret, vol, _ = ef.portfolio_performance(risk_free_rate=risk_free)
        result.append({"return": float(ret), "volatility": float(vol)})
    return result
