"""The dashboard, the exports, the ledger's checks and the staff-access log."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta

from flask import Response, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from notifier.compliance import audit, staff, verifications
from notifier.compliance import dashboard as programme
from notifier.console import charts
from notifier.console.blueprint import admin_only, bp, log, member, viewer_zone
from notifier.console.forms import AccessExportForm, ActionForm, ExportForm, PeriodForm
from notifier.console.i18n import gettext as _
from notifier.console.numbers import subject_of
from notifier.services import current as services

MEDIA_TYPES = {"jsonl": "application/x-ndjson", "csv": "text/csv"}
ACCESS_PAGE = 50


@bp.route("/")
def dashboard() -> tuple[str, int]:
    """How the programme is doing over a period (the last 7 days unless chosen), for one queue
    or all; a bad choice is said on the page, which shows the default period instead."""
    svc = services()
    zone = viewer_zone()
    form = PeriodForm(request.args, queues=programme.queues(svc.db))
    period = programme.default_period(svc.clock.now(), zone)
    status = 200
    if not form.validate():
        status = 400
    elif form.since.data or form.until.data or form.queue.data:
        first = form.since.data or period.first
        last = form.until.data or max(first, period.last)
        problem = _period_problem(first, last)
        if problem is None:
            period = programme.Period(first, last, zone, form.queue.data or None)
        else:
            form.until.errors = [problem]
            status = 400
    if status != 200:
        form.queue.data = ""
    form.since.data, form.until.data = period.first, period.last
    figures = programme.figures(svc.db, svc.clock, period)
    chart = charts.texts_per_day(figures.days, _("What became of the texts decided each day"))
    page = render_template(
        "console/dashboard.html", form=form, figures=figures, chart=chart, labels=charts.LABELS
    )
    return page, status


def _period_problem(first: date, last: date) -> str | None:
    if last < first:
        return _("The last day comes before the first.")
    if (last - first).days >= programme.MAX_DAYS:
        return _("Choose at most %(n)s days.", n=programme.MAX_DAYS)
    return None


@bp.route("/exports", methods=["GET", "POST"])
def exports() -> Response | tuple[str, int]:
    """Download the consent ledger or the message log, for some days and maybe one number."""
    form = ExportForm()
    if not form.validate_on_submit():
        status = 400 if request.method == "POST" else 200
        return render_template("console/exports.html", form=form), status
    subject = form.subject.data or None
    if form.phone.data:
        subject = subject_of(form.phone.data)
        if subject is None:
            form.phone.errors = [_("This is not a phone number we can read; add its country code.")]
            return render_template("console/exports.html", form=form), 422
    problem = _dates_problem(form.since.data, form.until.data)
    if problem:
        form.until.errors = [problem]
        return render_template("console/exports.html", form=form), 400
    window = audit.Window(_start(form.since.data), _end(form.until.data), subject)
    kind, fmt = form.kind.data or "messages", form.format.data or "csv"
    log(
        "download",
        subject=subject,
        detail=f"{kind} {fmt} {_days(form.since.data, form.until.data)}",
    )
    if kind == "consents":
        rows = audit.streamed(audit.consent_rows, services().db, window, fmt, audit.CONSENT_COLUMNS)
    else:
        rows = audit.streamed(audit.message_rows, services().db, window, fmt, audit.MESSAGE_COLUMNS)
    return _download(kind, fmt, rows)


def _dates_problem(first: date | None, last: date | None) -> str | None:
    if first and last and last < first:
        return _("The last day comes before the first.")
    return None


def _start(day: date | None) -> datetime | None:
    return datetime.combine(day, time(), viewer_zone()).astimezone(UTC) if day else None


def _end(day: date | None) -> datetime | None:
    return _start(day + timedelta(days=1)) if day else None


def _days(first: date | None, last: date | None) -> str:
    if first is None and last is None:
        return "all days"
    return f"{first or 'start'}..{last or 'today'}"


def _download(name: str, fmt: str, chunks: Iterator[str]) -> Response:
    """A streamed download: a batch of rows per chunk, never the whole export in memory."""
    response = Response(chunks, mimetype=MEDIA_TYPES[fmt])
    stamp = services().clock.now().strftime("%Y%m%d")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}-{stamp}.{fmt}"'
    return response


@bp.route("/ledger", methods=["GET", "POST"])
def ledger() -> BaseResponse | str:
    """The ledger's checks: the newest, with its progress while it runs; verify now."""
    svc = services()
    if request.method == "POST":
        verifications.request(svc.db, svc.clock, svc.dispatcher, member().name)
        log("verify", detail="asked for a check of the whole ledger")
        flash(_("The check has started; this page follows its progress."))
        return redirect(url_for("console.ledger"))
    newest = verifications.newest(svc.db, svc.redis)
    running = newest is not None and newest.state in ("queued", "running")
    return render_template(
        "console/ledger.html", newest=newest, running=running, action=ActionForm()
    )


@bp.route("/access", methods=["GET", "POST"])
@admin_only
def access() -> Response | str | tuple[str, int]:
    """The staff-access log, newest first; and its download."""
    form = AccessExportForm()
    if form.validate_on_submit():
        problem = _dates_problem(form.since.data, form.until.data)
        if problem is None:
            window = audit.Window(_start(form.since.data), _end(form.until.data))
            fmt = form.format.data or "csv"
            log("download", detail=f"staff access {fmt} {_days(form.since.data, form.until.data)}")
            rows = audit.streamed(
                staff.access_rows, services().db, window, fmt, staff.ACCESS_COLUMNS
            )
            return _download("access", fmt, rows)
        form.until.errors = [problem]
    before = request.args.get("before", type=int)
    entries = staff.recent_access(services().db, before_id=before, limit=ACCESS_PAGE)
    older = entries[-1].id if len(entries) == ACCESS_PAGE else None
    page = render_template("console/access.html", entries=entries, older=older, form=form)
    return (page, 400) if form.errors else page
