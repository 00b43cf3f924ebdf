"""Build a destination by name from ``destinations:`` in leadlight.yml and the environment.

``build("slack", config, root=project.root)`` returns a ready destination or
raises ``NotConfigured`` (whose ``reason`` reads "not configured: set
SLACK_WEBHOOK_URL"; the outbox marks such actions ``skipped``). An unknown
name is a usage error listing the known ones.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Mapping

from leadlight.config.destinations import DestinationsConfig
from leadlight.destinations.base import Destination, NotConfigured
from leadlight.destinations.console import ConsoleDestination
from leadlight.destinations.csv_file import CsvDestination
from leadlight.destinations.hubspot import HubSpotDestination
from leadlight.destinations.records import CrmTarget
from leadlight.destinations.salesforce import SalesforceDestination
from leadlight.destinations.sequences import OutreachDestination, SalesloftDestination
from leadlight.destinations.slack import SlackDestination
from leadlight.destinations.webhook import WebhookDestination
from leadlight.errors import UsageError

FROM_ENV = {cls.name: cls for cls in (SlackDestination, WebhookDestination, OutreachDestination,
                                       SalesloftDestination, HubSpotDestination, SalesforceDestination)}
NAMES: tuple[str, ...] = (*FROM_ENV, "csv", "console")
SYNC_NAMES: tuple[str, ...] = ("hubspot", "salesforce", "webhook", "csv")


def build(name: str, config: DestinationsConfig | None = None, *, root: Path | None = None,
          env: Mapping[str, str] | None = None) -> Destination:
    """A destination for playbook actions; raises ``NotConfigured`` when its settings are missing."""
    config = config or DestinationsConfig()
    env = os.environ if env is None else env
    if name in FROM_ENV:
        return FROM_ENV[name].from_env(config, env)
    if name == "csv":
        return CsvDestination(root or Path.cwd(), config)
    if name == "console":
        return ConsoleDestination()
    raise UsageError(f"{name!r} is not a destination", hint=f"use one of: {', '.join(NAMES)}")


def sync_target(name: str, config: DestinationsConfig | None = None, *, root: Path | None = None,
                env: Mapping[str, str] | None = None) -> CrmTarget:
    """A destination ``leadlight sync`` can write records to."""
    if name not in SYNC_NAMES:
        raise UsageError(f"cannot sync to {name!r}", hint=f"use one of: {', '.join(SYNC_NAMES)}")
    return build(name, config, root=root, env=env)  # type: ignore[return-value]


def not_configured(name: str, config: DestinationsConfig | None = None,
                   env: Mapping[str, str] | None = None) -> str | None:
    """Why ``name`` cannot be built ("not configured: set ..."), or None when it can."""
    try:
        build(name, config, env=env).close()
    except NotConfigured as missing:
        return missing.reason
    return None
