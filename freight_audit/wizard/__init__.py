from . import freight_invoice_import
