from . import journal_payload, metrics, webhook_intake
