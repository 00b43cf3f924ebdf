"""The web app: pages, JSON API and the event collector (``web.collector``)."""
