"""Bulk import and export (README, "Bulk import and export"): ``exports`` streams lists
as CSV/XLSX, ``imports`` checks and writes customers, products and parts from a file
through the API's serializers and the services, ``formats`` reads and writes the files;
``api`` and ``views`` are the REST and page adapters."""
