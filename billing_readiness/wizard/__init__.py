from . import billing_hold_wizard, billing_reconciliation_wizard
