"""The ``serve:`` section: who may use the web app and its API.

Example (every key optional; secrets only through ``${ENV}``)::

    serve:
      api_tokens: ["${LEADLIGHT_API_TOKEN}"]   # Authorization: Bearer <token> for /api
      ui_password: ${LEADLIGHT_UI_PASSWORD}    # sign-in for the web UI (an API token also signs in)
      sign_in: auto                            # auto: required when bound to anything but loopback
      secure_cookies: auto                     # auto: Secure when the request came over HTTPS
      max_request_kb: 512
      session_hours: 12
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from leadlight.config.base import Strict


class ServeConfig(Strict):
    """``leadlight serve``: API tokens, UI sign-in, cookies and request limits."""

    api_tokens: list[str] = Field(
        default_factory=list, description="Bearer tokens accepted by /api (LEADLIGHT_API_TOKEN adds one). Use ${ENV}.")
    ui_password: str | None = Field(
        None, description="Password for the web UI's sign-in (LEADLIGHT_UI_PASSWORD overrides it). Use ${ENV}.")
    sign_in: Literal["auto", "always"] = Field(
        "auto", description="auto: the UI asks to sign in whenever serve is bound to a non-loopback host; "
        "always: on loopback too.")
    secure_cookies: Literal["auto", "always"] = Field(
        "auto", description="auto: the session cookie is Secure when the request came over HTTPS.")
    max_request_kb: int = Field(512, ge=1, le=65536, description="Larger request bodies are refused with 413.")
    session_hours: int = Field(12, ge=1, le=24 * 30, description="How long a UI sign-in lasts.")
