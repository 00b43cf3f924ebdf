"""Local HTTP servers on 127.0.0.1 that speak the documented contracts of the APIs Leadlight sends to.

Each fake checks what a real service checks (auth header, request shape,
batch limits), can be told to answer 429 / 5xx for a while, and keeps what
arrived so tests can assert on it. Import the fixtures into a test module
(``from tests.fakes.slack import slack_webhook``) to use them.
"""
