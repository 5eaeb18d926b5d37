"""Pagination per the contract: {next, previous, results}; cursors for the large lists."""

from rest_framework import pagination


class PageNumberPagination(pagination.PageNumberPagination):
    """Small reference lists; ``count`` is an extra field the contract allows."""

    page_size_query_param = "page_size"
    max_page_size = 200


class CursorPagination(pagination.CursorPagination):
    """Tickets, audit events, movements: no COUNT(*), stable under inserts."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering = ("-created_at", "-id")
