"""Celery tasks of the portfolio app, each delegating to a service."""
