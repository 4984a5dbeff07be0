from . import billing_hold_wizard
from . import billing_reconciliation_wizard
