"""Every fake's pytest fixture in one place: ``pytest_plugins = ["tests.fakes.fixtures"]`` in a conftest (or
import the ones a module needs) gives ``slack_webhook``, ``webhook_receiver``, ``hubspot``, ``salesforce``,
``outreach`` and ``salesloft``."""

from tests.fakes.hubspot import hubspot
from tests.fakes.salesforce import salesforce
from tests.fakes.sequences import outreach, salesloft
from tests.fakes.slack import slack_webhook
from tests.fakes.webhook import webhook_receiver

__all__ = ["hubspot", "outreach", "salesforce", "salesloft", "slack_webhook", "webhook_receiver"]
