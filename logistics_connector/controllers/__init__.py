from . import webhook_intake
