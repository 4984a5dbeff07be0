from odoo import fields, models


class AccountPayment(models.Model):
    _name = "account.payment"
    _inherit = ["account.payment", "logistics.guarded.mixin"]
    # Only the FAP's payment report links a payment to its carrier invoice (freight_invoice_payment.py).
    _guarded_fields = {"freight_fap_invoice_id": None}

    freight_fap_invoice_id = fields.Many2one(
        "freight.invoice",
        string="Paid by the FAP for",
        copy=False,
        readonly=True,
        index="btree_not_null",
        check_company=True,
    )

    def init(self):
        # One live FAP payment per carrier invoice, whatever the path (poll, webhook, replay).
        self.env.cr.execute(
            """
            CREATE UNIQUE INDEX IF NOT EXISTS account_payment_freight_fap_invoice_uniq
                ON account_payment (freight_fap_invoice_id)
             WHERE freight_fap_invoice_id IS NOT NULL AND state != 'canceled'
            """
        )
