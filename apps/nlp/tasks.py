"""Celery tasks of the nlp app, each delegating to a service."""
