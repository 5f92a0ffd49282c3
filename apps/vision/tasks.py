"""Celery tasks of the vision app, each delegating to a service."""
