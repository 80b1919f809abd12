"""Run the portal: server-rendered pages, OIDC sign-in, server-side sessions."""

from __future__ import annotations

import datetime as dt
import sys
from typing import Any

from cachelib import FileSystemCache
from flask import Flask, render_template
from flask_session import Session
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.exceptions import HTTPException

from casework_common import db
from casework_common.auth import TokenValidator
from casework_common.logs import configure_logging
from casework_common.runtime import ServiceRuntime
from casework_common.web import create_app, note_refusal, provide
from casework_portal import auth, pages
from casework_portal.auth import Auth
from casework_portal.backend import ApiError
from casework_portal.settings import PortalSettings


def session_store(app: Flask, settings: PortalSettings) -> dict[str, Any]:
    """Flask-Session's store: the portal's Postgres schema when it has a database, else files."""
    if settings.database_url is None:
        files = FileSystemCache(settings.session_dir, threshold=10_000, mode=0o600)
        return {"SESSION_TYPE": "cachelib", "SESSION_CACHELIB": files}
    app.config.update(
        SQLALCHEMY_DATABASE_URI=settings.database_url.get_secret_value(),
        SQLALCHEMY_ENGINE_OPTIONS=db.engine_options(settings),
    )
    return {"SESSION_TYPE": "sqlalchemy", "SESSION_SQLALCHEMY": SQLAlchemy(app), "SESSION_CLEANUP_N_REQUESTS": 1000}


def build_app(settings: PortalSettings) -> Flask:
    validator = TokenValidator.from_settings(settings)
    store: dict[str, Any] = {}
    readiness = {"identity": validator.ready}
    if settings.database_url is not None:
        readiness["database"] = lambda: db.ready(store["SESSION_SQLALCHEMY"].engine)
    app = create_app(
        settings.service_name,
        None,
        readiness=readiness,
        import_name="casework_portal",
        ready_timeout_s=settings.ready_timeout_s,
    )
    secure = settings.portal_url.startswith("https://")
    store.update(session_store(app, settings))
    app.config.update(
        SECRET_KEY=settings.session_secret.get_secret_value(),
        **store,
        SESSION_PERMANENT=True,
        PERMANENT_SESSION_LIFETIME=dt.timedelta(seconds=settings.session_lifetime_s),
        SESSION_COOKIE_NAME="casework_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=secure,
        WTF_CSRF_TIME_LIMIT=None,  # tied to the session instead
    )
    Session(app)
    csrf = CSRFProtect(app)
    provide(app, Auth(app, settings, validator), settings, pages.Pages(settings))
    app.register_blueprint(auth.bp)
    app.register_blueprint(pages.with_views())
    csrf.exempt("casework_portal.pages.evidence.upload")  # checks its token itself; see pages/evidence.py

    @app.errorhandler(ApiError)
    def _api_error(error: ApiError):
        return pages.api_error_page(error)

    @app.errorhandler(CSRFError)
    def _csrf(error: CSRFError):
        return render_template("error.html", message=error.description), 400

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException):
        if error.code == 403:  # the portal's own refusals (the APIs count and audit theirs)
            note_refusal(403, "forbidden")
        return render_template("error.html", message=error.description), error.code

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        app.logger.exception("unhandled error")
        return render_template("error.html", message="Something went wrong on our side. Please try again."), 500

    @app.after_request
    def _headers(response):
        response.headers.setdefault(
            "Content-Security-Policy", "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'"
        )
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        return response

    return app


def main() -> int:
    settings = PortalSettings()
    configure_logging(settings.service_name, settings.log_level)
    runtime = ServiceRuntime(settings.service_name)
    return runtime.serve(build_app(settings), settings.http_host, settings.http_port, settings.http_threads)


if __name__ == "__main__":
    sys.exit(main())
