"""The API's one pagination style: ``?limit=N&offset=M`` → ``{count, next, previous, results}``.

``limit`` is 1–200 (default 25, or the list's own), ``offset`` ≥ 0; anything else is a 400 naming
the parameter (DRF's stock class silently falls back to the default). ``skip`` is accepted as an
alias of ``offset`` (the proposals list's original name for it). An offset past the end is an
empty page, not a 404.
"""

from rest_framework.exceptions import ValidationError
from rest_framework.pagination import LimitOffsetPagination


class StandardPagination(LimitOffsetPagination):
    default_limit = 25
    max_limit = 200
    offset_alias = "skip"

    @staticmethod
    def _whole_number(value: str, name: str, low: int, high: int | None = None) -> int:
        if not value.strip().isdigit() or int(value) < low or (high is not None and int(value) > high):
            span = f"from {low} to {high}" if high is not None else f"of at least {low}"
            raise ValidationError({name: [f"A whole number {span}."]})
        return int(value)

    def get_limit(self, request) -> int:
        value = request.query_params.get(self.limit_query_param)
        if value is None or value == "":
            return self.default_limit
        return self._whole_number(value, self.limit_query_param, 1, self.max_limit)

    def get_offset(self, request) -> int:
        for name in (self.offset_query_param, self.offset_alias):
            value = request.query_params.get(name)
            if value is not None and value != "":
                return self._whole_number(value, name, 0)
        return 0

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        parameters.append(
            {
                "name": self.offset_alias,
                "required": False,
                "in": "query",
                "description": f"Alias of `{self.offset_query_param}`.",
                "schema": {"type": "integer", "minimum": 0},
            }
        )
        for parameter in parameters:
            if parameter["name"] == self.limit_query_param:
                parameter["schema"] = {"type": "integer", "minimum": 1, "maximum": self.max_limit}
            elif parameter["name"] == self.offset_query_param:
                parameter["schema"] = {"type": "integer", "minimum": 0}
        return parameters


def paginate(request, rows, *, view=None, default_limit: int | None = None) -> tuple[list, StandardPagination]:
    """One page of ``rows`` (a queryset or list) and the paginator that answers it
    (``paginator.get_paginated_response(data)``), for views that are not generic list views."""
    paginator = StandardPagination()
    if default_limit is not None:
        paginator.default_limit = default_limit
    return list(paginator.paginate_queryset(rows, request, view=view)), paginator
