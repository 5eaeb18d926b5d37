"""HTML adapter: the desk's and the technicians' pages, on the same selectors and services
as the API. One module per page family; ``common`` holds the role gate."""

from .customers import customer_detail_page
from .dashboard import dashboard_page
from .detail import ticket_action_page, ticket_detail_page
from .home import home
from .intake import ticket_create_page
from .jobs import my_jobs_page
from .queue import ticket_list_page
from .search import global_search_page, screen_pop

__all__ = [
    "customer_detail_page",
    "dashboard_page",
    "global_search_page",
    "home",
    "my_jobs_page",
    "screen_pop",
    "ticket_action_page",
    "ticket_create_page",
    "ticket_detail_page",
    "ticket_list_page",
]
