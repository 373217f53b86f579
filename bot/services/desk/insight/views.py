"""The dashboard page /insight/, its CSV downloads, and its two script files."""

from __future__ import annotations

import csv
from pathlib import Path

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_safe

from bot.core.paths import PROJECT_ROOT
from bot.services.desk.cases.views import staff_only
from bot.services.desk.insight import report

SCRIPTS = {
    "insight.js": Path(__file__).resolve().parent / "static" / "insight.js",
    # Served as npm installed it (web/package.json): no CDN, no copy in the repo.
    "chart.umd.min.js": PROJECT_ROOT / "web" / "node_modules" / "chart.js" / "dist" / "chart.umd.min.js",
}


def _report(request: HttpRequest) -> report.Report:
    today = timezone.localdate()
    start, end = report.date_range(request.GET.get("fra", ""), request.GET.get("til", ""), today)
    return report.build(start, end, today)


@staff_only
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    found = _report(request)
    charts = {
        slug: {"title": t.title, "kind": t.chart, "columns": t.columns, "rows": t.rows} for slug, t in found.tables.items()
    }
    context = {"report": found, "tables": list(found.tables.values()), "charts": charts, "query": request.GET.urlencode()}
    return render(request, "insight/dashboard.html", context)


@staff_only
@require_GET
def table_csv(request: HttpRequest, slug: str) -> HttpResponse:
    found = _report(request)
    table = found.tables.get(slug)
    if table is None:
        raise Http404
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="vejviser-{slug}-{found.start}-{found.end}.csv"'
    response.write("\ufeff")  # so a spreadsheet opens the Danish letters as UTF-8
    writer = csv.writer(response, delimiter=";")
    writer.writerow(table.columns)
    writer.writerows(table.rows)
    return response


@require_safe
def script(_request: HttpRequest, name: str) -> HttpResponse:
    path = SCRIPTS.get(name)
    if path is None or not path.is_file():
        raise Http404
    response = FileResponse(open(path, "rb"), content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "max-age=3600"
    return response
