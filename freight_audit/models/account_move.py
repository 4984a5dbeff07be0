from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


class AccountMove(models.Model):
    _name = "account.move"
    _inherit = ["account.move", "logistics.guarded.mixin"]
    # Only freight posting links a bill to its carrier invoice (or an entry to its accrual): a
    # bill linked by hand would reverse accruals and capitalise landed costs when posted.
    _guarded_fields = {"freight_invoice_id": None, "freight_accrual_id": None, "freight_credit_id": None}

    freight_invoice_id = fields.Many2one(
        "freight.invoice",
        string="Carrier Invoice",
        copy=False,
        readonly=True,
        index="btree_not_null",
        check_company=True,
    )
    freight_accrual_id = fields.Many2one(
        "freight.accrual",
        string="Freight Accrual",
        copy=False,
        readonly=True,
        index="btree_not_null",
        check_company=True,
    )
    # A vendor credit note of a carrier's credit (freight_credit_note.py): one live move per credit.
    freight_credit_id = fields.Many2one(
        "freight.credit.note",
        string="Freight Credit",
        copy=False,
        readonly=True,
        index="btree_not_null",
        check_company=True,
    )
    freight_credited_invoice_id = fields.Many2one(
        related="freight_credit_id.invoice_id", string="Credited Carrier Invoice"
    )
    freight_payment_state = fields.Selection(related="freight_invoice_id.fap_payment_state", string="FAP Payment")
    freight_payment_date = fields.Date(related="freight_invoice_id.fap_payment_date", string="FAP Payment Date")
    freight_payment_reference = fields.Char(
        related="freight_invoice_id.fap_payment_reference", string="FAP Payment Reference"
    )

    def init(self):
        # One live bill per carrier invoice, whatever the path (import twice, replay, two channels).
        self.env.cr.execute(
            """
            CREATE UNIQUE INDEX IF NOT EXISTS account_move_freight_invoice_uniq
                ON account_move (freight_invoice_id)
             WHERE freight_invoice_id IS NOT NULL AND state != 'cancel'
            """
        )
        self.env.cr.execute(
            """
            CREATE UNIQUE INDEX IF NOT EXISTS account_move_freight_credit_uniq
                ON account_move (freight_credit_id)
             WHERE freight_credit_id IS NOT NULL AND state != 'cancel'
            """
        )

    @api.constrains("freight_invoice_id", "state")
    def _check_freight_invoice_once(self):
        moves = self.filtered(lambda m: m.freight_invoice_id and m.state != "cancel")
        if not moves:
            return
        others = self.sudo().search_count(
            [
                ("freight_invoice_id", "in", moves.freight_invoice_id.ids),
                ("state", "!=", "cancel"),
                ("id", "not in", moves.ids),
            ],
            limit=1,
        )
        if others or len(moves.freight_invoice_id) < len(moves):
            raise ValidationError(_("A carrier invoice is billed once: it already has a vendor bill."))

    def _post(self, soft=True):
        posted = super()._post(soft=soft)
        bills = posted.filtered(
            lambda m: m.freight_invoice_id
            and m.move_type in ("in_invoice", "in_refund")
            and m.freight_invoice_id.sudo().vendor_bill_id == m
        )
        if bills:
            bills.freight_invoice_id.sudo()._on_bill_posted()
            # Credits that waited for these bills (freight_credit_note.py), posted once.
            self.env["freight.credit.note"].sudo()._post_pending_for(bills.freight_invoice_id.sudo())
            # Bills the FAP reported paid before they were posted (freight_invoice_payment.py).
            bills.freight_invoice_id.sudo()._freight_fap_settle_waiting()
        return posted

    def action_view_freight_invoice(self):
        self.ensure_one()
        return self.freight_invoice_id._get_records_action()
