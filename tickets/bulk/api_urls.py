from django.urls import path

from . import api, exports, imports

urlpatterns = [
    *(
        path(f"exports/{slug}/", api.export_view(slug).as_view(), name=f"bulk-export-{slug}")
        for slug in exports.KINDS
    ),
    *(
        path(f"imports/{slug}/", api.import_view(slug).as_view(), name=f"bulk-import-{slug}")
        for slug in imports.KINDS
    ),
]
