from . import invoice_webhook
