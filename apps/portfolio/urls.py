from django.urls import path

from . import views

app_name = "portfolio"

P = "<int:portfolio_id>/"

urlpatterns = [
    path("", views.index, name="index"),
    path(P, views.detail, name="detail"),
    path(P + "transactions/", views.transactions, name="transactions"),
    path(P + "transactions/import/", views.import_csv, name="import"),
    path(P + "transactions/export/", views.export_csv, name="export"),
    path(P + "transactions/<int:transaction_id>/delete/", views.delete_transaction, name="delete-transaction"),
    path(P + "transactions/<int:transaction_id>/edit/", views.edit_transaction, name="edit-transaction"),
    path(P + "transactions/undo/", views.undo_delete, name="undo-delete"),
    path(P + "rebalance/", views.rebalance, name="rebalance"),
    path(P + "orders/", views.orders, name="orders"),
    path(P + "orders/table/", views.orders_table, name="orders-table"),
    path(P + "orders/<int:order_id>/cancel/", views.cancel_order, name="cancel-order"),
    path(P + "optimize/", views.optimize, name="optimize"),
    path(P + "optimize/<uuid:job_id>/", views.optimize, name="optimize-result"),
    path(P + "backtests/", views.backtests, name="backtests"),
    path(P + "backtests/<uuid:job_id>/", views.backtests, name="backtests-result"),
]
