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
    ├── Interrupted                   exit 130, HTTP 503 Ctrl-C (the CLI's catch-all, see from_unexpected)
    └── AccessDenied(PermissionError) exit 1, HTTP 401   web: no or wrong API token, not signed in
        └── CsrfFailed                exit 1, HTTP 403   web: a form without its CSRF token
    (web only: InvalidRequest(UsageError) HTTP 422 for malformed parameters, RequestTooLarge HTTP 413)

Bad *records* are not errors: ingestion quarantines them and reports counts.

Secrets: every value ``leadlight.yml`` took from the environment (``${VAR}``)
is registered with :func:`keep_secret`; an error's ``message`` and ``hint`` (and
so ``str()`` and ``to_dict()``, which the CLI and the web app print) never
contain one. :func:`redact` does the same for any other text shown to a user.
"""

from __future__ import annotations

_SECRETS: set[str] = set()
MIN_SECRET_LENGTH = 4  # shorter values ("1", "yes") would blank out ordinary words
REDACTED = "***"


def keep_secret(value: str) -> None:
    """Never show ``value`` (a value read from the environment) to a user."""
    if isinstance(value, str) and len(value.strip()) >= MIN_SECRET_LENGTH:
        _SECRETS.add(value)
        _SECRETS.add(value.strip())


def redact(text: str | None) -> str | None:
    """``text`` with every registered secret (also as ``repr`` shows it) replaced by ``***``."""
    if not text or not _SECRETS:
        return text
    for secret in sorted(_SECRETS, key=len, reverse=True):
        for form in {secret, repr(secret)[1:-1], secret.encode("unicode_escape").decode("ascii")}:
            if form:
                text = text.replace(form, REDACTED)
    return text


class LeadlightError(Exception):
    exit_code = 1
    http_status = 500

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(redact(message))
        self._message = message
        self._hint = hint

    @property
    def message(self) -> str:
        return redact(self._message) or ""

    @message.setter
    def message(self, value: str) -> None:
        self._message = value

    @property
    def hint(self) -> str | None:
        return redact(self._hint)

    @hint.setter
    def hint(self, value: str | None) -> None:
        self._hint = value

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


class Interrupted(LeadlightError):
    exit_code = 130
    http_status = 503


def from_unexpected(exc: BaseException) -> LeadlightError:
    """Any exception as a Leadlight error with a message a user can act on (the CLI and web app's catch-all).

    Disk full, permissions, damaged compressed files, out of memory and database
    failures get their own words; anything else is reported as a bug to report.
    """
    if isinstance(exc, LeadlightError):
        return exc
    text = " ".join(str(exc).split()) or type(exc).__name__
    engine = type(exc).__module__.split(".")[0].lstrip("_") == "duckdb"
    if isinstance(exc, KeyboardInterrupt):
        err: LeadlightError = Interrupted("interrupted", hint="nothing half-done was kept; run the command again")
    elif any("No space left on device" in str(e) or getattr(e, "errno", None) == 28 for e in _chain(exc)):
        # a rollback failing after a full disk hides the first error: look through the chain
        err = LeadlightError("the disk is full" + (f" (writing {exc.filename})" if getattr(exc, "filename", None) else ""),
                             hint="free space on the disk that holds the project (and TMPDIR), then run the command "
                             "again; what was being written was not kept")
    elif isinstance(exc, PermissionError):
        err = LeadlightError(f"permission denied: {exc.filename or text}",
                             hint="check who owns the file or folder and its permissions")
    elif isinstance(exc, FileNotFoundError):
        err = LeadlightError(f"no such file or folder: {exc.filename or text}", hint="check the path")
    elif type(exc).__name__ == "BadGzipFile" or (isinstance(exc, EOFError) and "ompressed" in text):
        err = InputError(f"a compressed input is damaged or not gzip: {text}",
                         hint="check the file with `gzip -t FILE`; re-export or re-download it")
    elif isinstance(exc, UnicodeDecodeError):
        err = InputError(f"a file is not UTF-8 text ({text})", hint="save it as UTF-8 and try again")
    elif isinstance(exc, MemoryError) or (engine and "out of memory" in text.lower()):
        err = LeadlightError("ran out of memory", hint="close other programs, or run on a machine with more memory")
    elif engine:
        err = LeadlightError(f"the database engine failed: {text[:500]}",
                             hint="if it happens again, the project's .leadlight/leadlight.duckdb may be damaged: "
                             "report it with the command you ran (LEADLIGHT_DEBUG=1 prints the details)")
    else:
        err = LeadlightError(f"unexpected error: {type(exc).__name__}: {text[:500]}",
                             hint="this is a bug in Leadlight: please report it with the command you ran "
                             "(LEADLIGHT_DEBUG=1 prints the traceback)")
    err.__cause__ = exc
    return err


def _chain(exc: BaseException) -> list[BaseException]:
    """The exception and the ones it was raised from or while handling, oldest last."""
    seen: list[BaseException] = []
    while exc is not None and exc not in seen and len(seen) < 10:
        seen.append(exc)
        exc = exc.__cause__ or exc.__context__
    return seen


class AccessDenied(LeadlightError, PermissionError):
    exit_code = 1
    http_status = 401


class CsrfFailed(AccessDenied):
    http_status = 403


class InvalidRequest(UsageError):
    http_status = 422


class RequestTooLarge(UsageError):
    http_status = 413
