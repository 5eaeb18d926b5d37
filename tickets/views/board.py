"""The dispatch board: technicians as rows on a timeline, unassigned tickets beside it."""

from django.shortcuts import render

from aftersales.roles import Role

from .common import role_required


@role_required(Role.SUPERVISOR)
def dispatch_board_page(request):
    """Placeholder until the board is built (issue 14)."""
    return render(request, "tickets/dispatch_board.html", {})
