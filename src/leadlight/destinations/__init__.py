"""Where actions go: Slack, signed webhooks, sequences (Outreach, Salesloft), CRMs (HubSpot, Salesforce), CSV,
console. Destinations read the contract's objects (``leadlight.contract``) and never import scoring."""
