"""A job kind for the failure tests, imported by the worker processes they start (``--include``):
it works in steps, reporting progress, so a test can kill its worker mid-way."""

import time

from apps.core.jobs import register_job


@register_job("test.slow", max_attempts=3)
def slow(job, report):
    steps = int(job.params.get("steps", 10))
    for step in range(steps):
        time.sleep(float(job.params.get("step_seconds", 0.5)))
        report(int(100 * (step + 1) / steps), f"step {step + 1} of {steps}")
    return {"attempt": job.attempts, "steps": steps}
