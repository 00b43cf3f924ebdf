"""One error tree for Leadlight.

Every error carries a ``hint`` (what the user should do), an ``exit_code`` for
the CLI and an ``http_status`` for the web app::

    LeadlightError                    exit 1, HTTP 500
    ├── UsageError(ValueError)        exit 2, HTTP 400   bad arguments
    ├── ConfigError(ValueError)       exit 2, HTTP 400   invalid leadlight.yml (names file, line, key)
    ├── ProjectNotFound(FileNotFoundError)  exit 2, HTTP 404
    ├── InputError(ValueError)        exit 1, HTTP 400   an input file cannot be read at all
    ├── NotReady(RuntimeError)        exit 1, HTTP 409   a step it depends on has not run (no data, no score yet)
    ├── NotFound(LookupError)         exit 1, HTTP 404   an account or user that does not exist
    ├── TrainingRefused(RuntimeError) exit 1, HTTP 409   too little history to learn from
    ├── ProjectBusy(RuntimeError)     exit 1, HTTP 503   another Leadlight process owns the project's DuckDB file
    └── AccessDenied(PermissionError) exit 1, HTTP 401   web: no or wrong API token, not signed in
        └── CsrfFailed                exit 1, HTTP 403   web: a form without its CSRF token
    (web only: InvalidRequest(UsageError) HTTP 422 for malformed parameters, RequestTooLarge HTTP 413)

Bad *records* are not errors: ingestion quarantines them and reports counts.
"""

from __future__ import annotations


class LeadlightError(Exception):
    exit_code = 1
    http_status = 500

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message}\n  hint: {self.hint}" if self.hint else self.message

    def to_dict(self) -> dict[str, str | None]:
        return {"error": type(self).__name__, "message": self.message, "hint": self.hint}


class UsageError(LeadlightError, ValueError):
    exit_code = 2
    http_status = 400


class ConfigError(LeadlightError, ValueError):
    exit_code = 2
    http_status = 400


class ProjectNotFound(LeadlightError, FileNotFoundError):
    exit_code = 2
    http_status = 404


class InputError(LeadlightError, ValueError):
    exit_code = 1
    http_status = 400


class NotReady(LeadlightError, RuntimeError):
    exit_code = 1
    http_status = 409


class NotFound(LeadlightError, LookupError):
    exit_code = 1
    http_status = 404


class TrainingRefused(LeadlightError, RuntimeError):
    exit_code = 1
    http_status = 409


class ProjectBusy(LeadlightError, RuntimeError):
    exit_code = 1
    http_status = 503


class AccessDenied(LeadlightError, PermissionError):
    exit_code = 1
    http_status = 401


class CsrfFailed(AccessDenied):
    http_status = 403


class InvalidRequest(UsageError):
    http_status = 422


class RequestTooLarge(UsageError):
    http_status = 413
