"""Daily KPI rollups (issue 19 §3): the KPI report's counts per local day and technician,
area and category, so a report over any period reads a few thousand rows, not the tickets.

``models.KpiDailyRollup`` holds the counts; ``services`` maintains them (beat, every
``KPI_ROLLUP_REFRESH_SECONDS``: the days made dirty since the last run; ``manage.py
rollups_rebuild`` for a full recomputation); ``selectors.kpi_figures`` is what
``audits.quality.selectors.kpi_rows`` reads: whole past days from the rollups, the rest
(today, partial days, days never rolled up) live from the tickets.
"""
