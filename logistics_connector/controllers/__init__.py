from . import journal_payload, webhook_intake
