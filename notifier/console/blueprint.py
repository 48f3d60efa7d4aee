"""The console's blueprint: who is signed in, what they may do, CSRF on every form, the ledger
badge on every page, and errors answered as pages."""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps
from typing import Any
from zoneinfo import ZoneInfo

from flask import (
    Blueprint,
    Response,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response as BaseResponse

from notifier.compliance import staff, verifications
from notifier.compliance.staff import StaffMember
from notifier.console.i18n import gettext as _
from notifier.errors import NotifierError, RequestError
from notifier.services import current as services

bp = Blueprint(
    "console",
    __name__,
    url_prefix="/console",
    template_folder="templates",
    static_folder="static",
)
csrf = CSRFProtect()
View = Callable[..., Any]
OPEN_ENDPOINTS = frozenset({"console.sign_in", "console.static"})
logger = logging.getLogger(__name__)


@bp.before_request
def _load_member() -> BaseResponse | None:
    """Check every form's CSRF token, then find who is signed in; send others to sign in."""
    if request.method == "POST":
        csrf.protect()
    member = None
    staff_id = session.get("staff_id")
    if isinstance(staff_id, str):
        with services().db.session() as db:
            member = staff.active_member(db, staff_id)
        if member is None:
            session.clear()  # the account was disabled: its sessions end with it
    g.member = member
    if member is None and request.endpoint not in OPEN_ENDPOINTS:
        return redirect(url_for("console.sign_in", next=request.full_path))
    return None


@bp.after_request
def _no_store(response: Response) -> Response:
    """Pages about people's numbers are not kept in caches, nor shown in frames."""
    response.headers.setdefault("Cache-Control", "no-store")
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "same-origin"
    return response


def member() -> StaffMember:
    """The staff member signed in (every view but sign-in has one)."""
    found: StaffMember = g.member
    return found


def viewer_zone() -> ZoneInfo:
    """The viewer's time zone: the browser's, told at sign-in, else the account's."""
    zone = session.get("tz")
    try:
        return ZoneInfo(zone if isinstance(zone, str) else member().timezone)
    except (ValueError, KeyError):
        return ZoneInfo("UTC")


def admin_only(view: View) -> View:
    """Refuse (403) a view to staff who are not admins."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not member().is_admin:
            return page_error(403, _("Only an admin may do this."))
        return view(*args, **kwargs)

    return wrapper


def log(action: str, *, subject: str | None = None, detail: str | None = None) -> None:
    """Write what the signed-in member just did to the staff-access log."""
    svc = services()
    staff.log_access(
        svc.db,
        svc.clock,
        member(),
        action,
        subject=subject,
        detail=detail,
        address=request.remote_addr,
    )


@bp.context_processor
def _everywhere() -> dict[str, Any]:
    """What every console page shows: who is signed in, and the ledger's last check."""
    if g.get("member") is None:
        return {}
    return {
        "me": g.member,
        "last_check": verifications.last_result(services().db),
        "zone_name": str(viewer_zone()),
    }


def page_error(status: int, message: str) -> tuple[str, int]:
    """An error as a page of the console."""
    return render_template("console/error.html", status=status, message=message), status


@bp.errorhandler(CSRFError)
def _csrf_refused(error: CSRFError) -> tuple[str, int]:
    return page_error(400, _("The form had expired or did not come from this console. Try again."))


@bp.errorhandler(NotifierError)
def _ours(error: NotifierError) -> tuple[str, int]:
    if isinstance(error, RequestError) and error.status < 500:
        return page_error(error.status, error.detail)
    # Any other error is the service's own (a setting, the provider): logged, not shown.
    logger.error("console: %s", type(error).__name__, exc_info=error)
    return page_error(500, _("Something went wrong on our side; it has been logged."))


@bp.errorhandler(HTTPException)
def _http(error: HTTPException) -> tuple[str, int]:
    return page_error(error.code or 500, error.description or error.name)
