"""HTML adapter: the desk's and the technicians' pages, on the same selectors and services
as the API. One module per page family; ``common`` holds the role gate."""

from .attachments import (
    ticket_attachment_add_page,
    ticket_attachment_file,
    ticket_attachment_remove_page,
    ticket_attachment_thumbnail,
)
from .board import dispatch_board_book, dispatch_board_candidates, dispatch_board_page
from .customers import (
    customer_correct_page,
    customer_detail_page,
    customer_edit_page,
    customer_product_page,
)
from .dashboard import dashboard_chart_csv, dashboard_page
from .detail import ticket_action_page, ticket_detail_page
from .field_job import (
    job_check_in_page,
    job_complete_page,
    job_on_my_way_page,
    job_page,
    job_part_line,
    job_photo_page,
    job_sign_page,
    job_van_parts,
    job_work_order_file,
)
from .home import home
from .intake import intake_open_tickets, intake_suggestions, ticket_create_page
from .jobs import my_jobs_page
from .offline import job_offline_page, job_sync_state, service_worker, web_manifest
from .public import (
    public_confirm_page,
    public_lookup_page,
    public_reschedule_page,
    public_status_page,
    public_survey_page,
)
from .queue import ticket_bulk_page, ticket_list_page
from .search import global_search_page, screen_pop
from .work_order import public_work_order_file, ticket_work_order_file

__all__ = [
    "customer_correct_page",
    "customer_detail_page",
    "customer_edit_page",
    "customer_product_page",
    "dashboard_chart_csv",
    "dashboard_page",
    "dispatch_board_book",
    "dispatch_board_candidates",
    "dispatch_board_page",
    "global_search_page",
    "home",
    "intake_open_tickets",
    "intake_suggestions",
    "job_check_in_page",
    "job_complete_page",
    "job_offline_page",
    "job_on_my_way_page",
    "job_page",
    "job_part_line",
    "job_photo_page",
    "job_sign_page",
    "job_sync_state",
    "job_van_parts",
    "job_work_order_file",
    "my_jobs_page",
    "public_confirm_page",
    "public_lookup_page",
    "public_reschedule_page",
    "public_status_page",
    "public_survey_page",
    "public_work_order_file",
    "screen_pop",
    "service_worker",
    "ticket_action_page",
    "ticket_attachment_add_page",
    "ticket_attachment_file",
    "ticket_attachment_remove_page",
    "ticket_attachment_thumbnail",
    "ticket_bulk_page",
    "ticket_create_page",
    "ticket_detail_page",
    "ticket_list_page",
    "ticket_work_order_file",
    "web_manifest",
]
