"""Pagination per the contract: {next, previous, results}; cursors for the large lists."""

from rest_framework import pagination


class PageNumberPagination(pagination.PageNumberPagination):
    """Small reference lists; ``count`` is an extra field the contract allows."""

    page_size_query_param = "page_size"
    max_page_size = 200

    def get_schema_operation_parameters(self, view):
        """DRF's, with what ``page`` takes: a page number from 1 (0 is a 404)."""
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_query_param:
                parameter["schema"] = {**parameter["schema"], "minimum": 1}
        return parameters


class CursorPagination(pagination.CursorPagination):
    """Tickets, audit events, movements: no COUNT(*), stable under inserts."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering = ("-created_at", "-id")
