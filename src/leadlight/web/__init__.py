"""The web app: pages for reps and RevOps, their JSON twins under /api, charts drawn on the server, and the event collector (``web.collector``)."""

from leadlight.web.app import create_app

__all__ = ["create_app"]
