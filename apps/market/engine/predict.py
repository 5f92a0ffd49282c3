"""Next-N-bar direction from indicator features, validated walk-forward, next to naive baselines.

Model: logistic regression on standardised features (scikit-learn). Validation: expanding-window
walk-forward (``TimeSeriesSplit``, 5 folds) with a purge gap of ``horizon`` bars between each
training block and its test block (a training target looks ``horizon`` bars ahead, so without the
gap it would overlap the test period). Baselines on the same test rows: "always the majority
direction of the training block", "the direction of the last N bars continues", "always up" and
"always down". Accuracy gets a 95 % Wilson interval; the margin over the best baseline a 95 %
interval from the per-row differences, both counting one independent observation per ``horizon``
bars (targets overlap). The model is said to have an edge only when that margin's interval lies
above zero; otherwise the verdict is "no edge" — on daily prices the usual answer.
"""

import numpy as np
import pandas as pd

Z_95 = 1.959963984540054  # two-sided 95 %
BASELINES = ("majority_direction", "persistence", "always_up", "always_down")

FEATURES = [
    "rsi_14",
    "macd_hist_norm",
    "close_sma20",
    "close_sma50",
    "sma50_sma200",
    "bb_position",
    "atr_norm",
    "ret_1",
    "ret_5",
    "ret_20",
    "volume_ratio",
]


def features(df: pd.DataFrame, ind: pd.DataFrame) -> pd.DataFrame:
    close = df["close"]
    width = (ind["bb_upper"] - ind["bb_lower"]).replace(0, np.nan)
    table = pd.DataFrame(
        {
            "rsi_14": ind["rsi_14"] / 100,
            "macd_hist_norm": ind["macd_hist"] / close,
            "close_sma20": close / ind["sma_20"] - 1,
            "close_sma50": close / ind["sma_50"] - 1,
            "sma50_sma200": ind["sma_50"] / ind["sma_200"] - 1,
            "bb_position": (close - ind["bb_lower"]) / width,
            "atr_norm": ind.get("atr_14", pd.Series(np.nan, index=df.index)) / close,
            "ret_1": close.pct_change(1),
            "ret_5": close.pct_change(5),
            "ret_20": close.pct_change(20),
            "volume_ratio": df["volume"] / df["volume"].rolling(20).mean().replace(0, np.nan),
        },
        index=df.index,
    )
    return table.replace([np.inf, -np.inf], np.nan)


def _wilson(successes: float, n: float, z: float = Z_95) -> tuple[float, float]:
    """Wilson score interval of a proportion (n may be an effective, fractional sample size)."""
    if n <= 0:
        return (0.0, 1.0)
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return (max(0.0, float(centre - half)), min(1.0, float(centre + half)))


def walk_forward(df: pd.DataFrame, ind: pd.DataFrame, *, horizon: int = 5, folds: int = 5) -> dict:
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import TimeSeriesSplit
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    table = features(df, ind)
    future = df["close"].shift(-horizon) / df["close"] - 1
    data = table.assign(target=(future > 0).astype(int), past=df["close"].pct_change(horizon)).dropna()
    data = data[future.reindex(data.index).notna()]
    if len(data) < 200:
        raise ValueError(f"needs at least 200 bars with every feature; has {len(data)}")
    x, y = data[FEATURES].to_numpy(), data["target"].to_numpy()
    past_up = (data["past"].to_numpy() > 0).astype(int)
    # Each target looks `horizon` bars ahead: the last `horizon` training rows would see into the
    # test block, so that many rows are purged between them.
    splitter = TimeSeriesSplit(n_splits=folds, gap=horizon)
    scores = []
    hits: dict[str, list[np.ndarray]] = {name: [] for name in ("model", *BASELINES)}
    for train, test in splitter.split(x):
        model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
        model.fit(x[train], y[train])
        model_hits = model.predict(x[test]) == y[test]
        scores.append(float(model_hits.mean()))
        hits["model"].append(model_hits)
        hits["majority_direction"].append(y[test] == int(y[train].mean() >= 0.5))
        hits["persistence"].append(past_up[test] == y[test])
        hits["always_up"].append(y[test] == 1)
        hits["always_down"].append(y[test] == 0)
    pooled = {name: np.concatenate(parts).astype(float) for name, parts in hits.items()}
    tested = len(pooled["model"])
    # Overlapping targets are not independent: count one observation per `horizon` bars.
    effective = tested / horizon
    accuracy = float(pooled["model"].mean())
    baselines = {name: round(float(pooled[name].mean()), 4) for name in BASELINES}
    best_name = max(BASELINES, key=lambda name: (pooled[name].mean(), name))
    difference = pooled["model"] - pooled[best_name]
    margin = float(difference.mean())
    margin_se = float(difference.std(ddof=1) / np.sqrt(effective)) if effective > 1 else float("inf")
    margin_ci = (margin - Z_95 * margin_se, margin + Z_95 * margin_se)
    significant = margin_ci[0] > 0
    final = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)).fit(x, y)
    latest = table.iloc[[-1]][FEATURES]
    probability_up = (
        float(final.predict_proba(latest.fillna(0).to_numpy())[0, 1]) if latest.notna().all(axis=None) else None
    )
    low, high = _wilson(accuracy * effective, effective)
    return {
        "horizon_bars": horizon,
        "samples": len(data),
        "tested": tested,
        "effective_samples": round(effective, 1),
        "folds": folds,
        "purge_gap_bars": horizon,
        "accuracy": round(accuracy, 4),
        "accuracy_ci_95": [round(low, 4), round(high, 4)],
        "fold_accuracy": [round(s, 4) for s in scores],
        "baselines": baselines,
        "best_baseline": best_name,
        "margin": round(margin, 4),
        "margin_ci_95": [round(margin_ci[0], 4), round(margin_ci[1], 4)],
        "beats_baseline": significant,
        "verdict": "edge" if significant else "no edge",
        "verdict_reason": (
            f"accuracy {accuracy:.1%} vs {best_name.replace('_', ' ')} {pooled[best_name].mean():.1%}: the margin's "
            f"95% interval [{margin_ci[0]:+.1%}, {margin_ci[1]:+.1%}] "
            + ("lies above zero" if significant else "includes zero or lies below it, so no edge is shown")
        ),
        "prediction": None
        if probability_up is None
        else {
            "direction": "up" if probability_up >= 0.5 else "down",
            "probability_up": round(probability_up, 4),
            "as_of": df.index[-1].isoformat(),
        },
        "model": "logistic regression on 11 indicator features (standardised)",
    }
