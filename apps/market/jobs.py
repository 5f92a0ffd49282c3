"""Job kinds of the market app (the `analysis` queue)."""

from apps.core.jobs import JobError, register_job

from . import selectors
from .engine import indicators, predict


@register_job("market.predict", queue="analysis")
def train_prediction(job, report):
    """Train and walk-forward validate the direction model for one instrument."""
    instrument = selectors.instrument(symbol=job.params["symbol"])
    rows = selectors.bars(instrument=instrument, interval=job.params["interval"])
    report(20, f"{len(rows)} bars loaded")
    df = indicators.frame(rows)
    ind = indicators.compute(df)
    report(50, "features computed; validating walk-forward")
    try:
        result = predict.walk_forward(df, ind, horizon=job.params["horizon"])
    except ValueError as exc:
        raise JobError(f"{instrument.symbol}: {exc}") from exc
    return {"symbol": instrument.symbol, "interval": job.params["interval"], **result}
