"""Send reads of read-mostly data to a replica (``DATABASE_REPLICA_URL``), everything else to the primary.

Only the apps named in ``DATABASE_REPLICA_APPS`` (market data by default: instruments, bars, quotes,
news, written by imports and the feed, read by every chart and analysis) are read from the replica,
so a user never reads their own ledger or job back from a lagging copy. Writes, migrations and
relations always use the primary.
"""

from django.conf import settings


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        return "replica" if model._meta.app_label in settings.DATABASE_REPLICA_APPS else "default"

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True  # both aliases hold the same data (the replica mirrors the primary)

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == "default"
