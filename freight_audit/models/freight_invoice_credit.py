"""Credits and revisions of carrier invoices: carrier credit memos, FAP revisions.

Called by ``_import_parsed`` (``freight_invoice.py``) before it creates invoices
(``_freight_divert_parsed``): a credit memo becomes a ``freight.credit.note`` (posted as a vendor
credit note against the original's bill, once); a new FAP revision of an invoice received
before is compared with what was billed:

* the invoice is not billed yet: the old version is cancelled (its cases closed) and the
  revision imported and audited as a new version;
* a charge is raised: the revision is imported as a new version (``revision_of_id``), audited in
  full (its charges are not duplicates of the earlier version's), and once approved billed for
  the difference only (``_prepare_vendor_bill``);
* otherwise the charges billed above the revision's are credited (a ``revision`` credit note).

See ``readme/USAGE.md``, "Credit notes", for the entries with a worked example each.
"""

from collections import defaultdict

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import float_compare, float_is_zero

from odoo.addons.logistics_connector.services.exceptions import NeedsMappingError, ParseError

CREDIT_FLAGS = ("credit", "credit_memo", "correction")


def _is_credit_memo(parsed):
    """A negative total, or a parser's flag (``is_credit``, ``correction``, or ``type``)."""
    if parsed.get("is_credit") or parsed.get("correction"):
        return True
    if str(parsed.get("type") or "").lower() in CREDIT_FLAGS:
        return True
    total = parsed.get("total")
    return total is not None and float(total) < 0


class FreightInvoice(models.Model):
    # One class per concern of freight.invoice, each in its own file (see freight_invoice.py).
    _inherit = "freight.invoice"  # pylint: disable=consider-merging-classes-inherited
    _guarded_fields = dict.fromkeys(("revision_of_id", "fap_revision", "fap_revision_amounts"))

    credit_note_ids = fields.One2many("freight.credit.note", "invoice_id", string="Credits", readonly=True)
    credit_count = fields.Integer(compute="_compute_credit_count")
    revision_of_id = fields.Many2one(
        "freight.invoice",
        string="Revision Of",
        readonly=True,
        copy=False,
        index="btree_not_null",
        check_company=True,
        help="The first version of this FAP invoice: this version is billed for the difference only.",
    )
    revision_ids = fields.One2many("freight.invoice", "revision_of_id", string="Later Versions", readonly=True)
    fap_revision = fields.Integer(string="FAP Revision", readonly=True, copy=False)
    fap_revision_amounts = fields.Json(
        readonly=True, copy=False, help="The carrier's amounts per charge type in the latest FAP revision."
    )

    def _compute_credit_count(self):
        for invoice in self:
            invoice.credit_count = len(invoice.credit_note_ids)

    def action_view_credits(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("freight_audit.freight_credit_note_action")
        action["domain"] = [("invoice_id", "in", (self | self.revision_ids).ids)]
        action["context"] = {}
        return action

    # ------------------------------------------------------------------
    # Import: credit memos and revisions are taken out before invoices are created
    # ------------------------------------------------------------------
    @api.model
    def _freight_divert_parsed(self, backend, parsed_list, owners, carrier_partner=None):
        """Take credit memos and new revisions out of ``parsed_list``; returns (the parsed dicts
        still to import, their owners, the invoices the revisions concern). Superuser only."""
        kept, kept_owners, concerned = [], [], self.browse()
        roots = self._freight_revision_roots(backend, parsed_list)
        for parsed, owner in zip(parsed_list, owners, strict=True):
            if _is_credit_memo(parsed):
                self._freight_record_memo(backend, parsed, owner, carrier_partner)
                continue
            root = roots.get(parsed.get("external_id"), self.browse())
            if root and int(parsed.get("revision") or 0) <= (root.fap_revision or 0):
                root = self.browse()  # the same revision again: the import recognises it
            to_import = parsed
            if root:
                to_import = root._freight_apply_revision(backend, parsed, owner)
                if to_import is None:
                    concerned |= root
                    continue
            kept.append(to_import)
            kept_owners.append(owner)
        return kept, kept_owners, concerned

    @api.model
    def _prepare_parsed(self, backend, parsed, carrier_partner=None, lookups=None):
        vals = super()._prepare_parsed(backend, parsed, carrier_partner, lookups=lookups)
        vals["fap_revision"] = int(parsed.get("revision") or 0)
        if parsed.get("_revision_of"):
            vals.update(revision_of_id=parsed["_revision_of"], external_id=False)
        return vals

    @api.model
    def _freight_revision_roots(self, backend, parsed_list):
        """{FAP id: its first version} for the FAP invoices of ``parsed_list`` received before
        (one query for the batch)."""
        ids = {parsed["external_id"] for parsed in parsed_list if parsed.get("external_id") and parsed.get("revision")}
        if not ids:
            return {}
        roots = self.search(
            [
                ("backend_id", "=", backend.id),
                ("external_id", "in", list(ids)),
                ("revision_of_id", "=", False),
                ("is_duplicate", "=", False),
            ],
            order="id desc",
        )
        return {root.external_id: root for root in roots}  # the first one wins (ordered last)

    def _freight_amounts_by_type(self, backend, parsed):
        """{charge type id: amount} of a parsed invoice's lines (mapped charge codes)."""
        codes = {str(line.get("charge_code") or "").strip() for line in parsed.get("lines") or []}
        mappings = backend._map_codes("charge_code", codes)
        amounts = defaultdict(float)
        for line in parsed.get("lines") or []:
            code = str(line.get("charge_code") or "").strip()
            mapping = mappings.get(code)
            if not mapping or not mapping.charge_type_id:
                raise NeedsMappingError("charge_code", code, backend.name)
            if mapping.charge_type_id.kind == "tax":
                continue  # the tax follows the charges: Odoo computes it on the credit note or bill
            amounts[mapping.charge_type_id.id] += float(line.get("amount") or 0)
        return amounts

    def _freight_chain_tip(self):
        """The latest live version of this FAP invoice (itself when never revised)."""
        self.ensure_one()
        versions = (self | self.revision_ids).filtered(lambda invoice: invoice.state != "cancel")
        return versions.sorted("id")[-1:] or self

    def _freight_net_billed(self):
        """{charge type id: amount} this (billed) version stands for: its approved amounts less
        the credits recorded on it."""
        self.ensure_one()
        amounts = defaultdict(float)
        for line in self.line_ids.filtered(lambda line: line.charge_type_id.kind != "tax"):
            amounts[line.charge_type_id.id] += line.approved_amount
        for credit in self.credit_note_ids:
            for charge_type_id, amount in credit.allocation or []:
                amounts[charge_type_id] -= amount
        return amounts

    def _freight_apply_revision(self, backend, parsed, owner):
        """A later FAP revision of this (first) version: returns the parsed dict to import as a
        new version, or None when it was handled here (credit, or nothing changed)."""
        self.ensure_one()
        revision = int(parsed["revision"])
        rounding = self.currency_id.rounding
        new = self._freight_amounts_by_type(backend, parsed)
        tip = self._freight_chain_tip()
        previous = {int(k): v for k, v in (self.fap_revision_amounts or {}).items()} or {
            charge_type.id: sum(
                tip.line_ids.filtered(lambda ln, ct=charge_type: ln.charge_type_id == ct).mapped("amount")
            )
            for charge_type in tip.line_ids.charge_type_id.filtered(lambda ct: ct.kind != "tax")
        }
        self.write({"fap_revision": revision, "fap_revision_amounts": {str(k): v for k, v in new.items()}})
        changed = any(
            float_compare(new.get(key, 0.0), previous.get(key, 0.0), precision_rounding=rounding)
            for key in set(new) | set(previous)
        )
        if not changed:
            self.message_post(body=_("FAP revision %s received: the amounts did not change.", revision))
            return None
        version = dict(parsed, _revision_of=self.id, invoice_number=f"{parsed['invoice_number']} R{revision}")
        if tip.state != "billed":
            tip.write({"state": "cancel"})
            tip.case_ids.filtered(lambda c: c.state != "closed")._close_obsolete()
            tip.message_post(
                body=_("Superseded by FAP revision %s (not billed yet): audited as a new version.", revision)
            )
            return version
        raised = any(
            float_compare(new.get(key, 0.0), previous.get(key, 0.0), precision_rounding=rounding) > 0 for key in new
        )
        if raised:
            tip.message_post(body=_("FAP revision %s raises a charge: audited as a new version.", revision))
            return version
        net = tip._freight_net_billed()
        allocation = [
            [key, round(net[key] - new.get(key, 0.0), 6)]
            for key in sorted(net)
            if float_compare(net[key], new.get(key, 0.0), precision_rounding=rounding) > 0
        ]
        if not allocation:
            tip.message_post(body=_("FAP revision %s lowers charges we did not pay: nothing to credit.", revision))
            return None
        self.env["freight.credit.note"]._record(
            {
                "origin": "revision",
                "origin_key": f"revision:{backend.id}:{parsed['external_id']}:{revision}",
                "company_id": tip.company_id.id,
                "carrier_partner_id": tip.carrier_partner_id.id,
                "currency_id": tip.currency_id.id,
                "invoice_id": tip.id,
                "message_id": owner.id if owner else False,
                "reference": _("revision %s", revision),
                "amount": sum(amount for _key, amount in allocation),
                "allocation": allocation,
            }
        )
        return None

    @api.model
    def _freight_record_memo(self, backend, parsed, owner, carrier_partner=None):
        """A carrier credit memo: a credit against the invoice it references (once per memo number)."""
        number = str(parsed.get("invoice_number") or "").strip()
        if not number:
            raise ParseError(_("The credit memo has no number."))
        if carrier_partner is None:
            scac = parsed.get("scac") or parsed.get("carrier")
            carrier_partner = backend._map_code("carrier", scac).carrier_partner_id if scac else False
            if not carrier_partner:
                raise NeedsMappingError("carrier", scac or "", backend.name)
        amounts = self._freight_amounts_by_type(backend, parsed)
        sign = -1.0 if float(parsed.get("total") or 0) < 0 or sum(amounts.values()) < 0 else 1.0
        allocation = [[key, round(sign * value, 6)] for key, value in sorted(amounts.items()) if value]
        company = backend.company_id
        currency = company.currency_id
        if parsed.get("currency"):
            currency = (
                self.env["res.currency"]
                .with_context(active_test=False)
                .search([("name", "=", str(parsed["currency"]).upper())], limit=1)
            )
            if not currency:
                raise ParseError(
                    _("Credit memo %(number)s: unknown currency %(code)s.", number=number, code=parsed["currency"])
                )
        original = str(parsed.get("original_invoice_number") or "").strip()
        credit, created = self.env["freight.credit.note"]._record(
            {
                "origin": "memo",
                "origin_key": f"memo:{carrier_partner.id}:{number.upper()}",
                "company_id": company.id,
                "carrier_partner_id": carrier_partner.id,
                "currency_id": currency.id,
                "message_id": owner.id if owner else False,
                "reference": number,
                "original_reference": original or False,
                "credit_date": parsed.get("invoice_date") or False,
                "shipment_references": ",".join(
                    sorted(
                        {str(line.get("shipment_reference") or "").strip() for line in parsed.get("lines") or []} - {""}
                    )
                )
                or False,
                "amount": sum(amount for _key, amount in allocation),
                "allocation": allocation,
            }
        )
        if owner:
            owner._link(credit, "created" if created else "updated")
        return credit

    # ------------------------------------------------------------------
    # Billing a later version: the difference only
    # ------------------------------------------------------------------
    def _freight_billed_before(self):
        """{charge type id: amount} billed for the earlier versions of this version (less their
        credits), or None when none of them was billed (this version is then billed in full)."""
        self.ensure_one()
        if not self.revision_of_id:
            return None
        billed = (self.revision_of_id | self.revision_of_id.revision_ids).filtered(
            lambda invoice: invoice != self and invoice.state == "billed" and invoice.id < self.id
        )
        return billed.sorted("id")[-1]._freight_net_billed() if billed else None

    def _prepare_vendor_bill(self, lines, positions=None, journals=None):
        """A later version is billed for the difference with what was billed before, per charge
        type (the first line of each charge type takes it), with the taxes of the full bill."""
        vals = super()._prepare_vendor_bill(lines, positions, journals)
        before = self._freight_billed_before()
        if before is None:
            return vals
        rounding = self.currency_id.rounding
        ours = self._freight_net_billed()
        if float_compare(sum(ours.values()) - sum(before.values()), 0.0, precision_rounding=rounding) <= 0:
            raise UserError(
                _("Carrier invoice %s approves no more than the version billed before: nothing to bill.", self.name)
            )
        ChargeType = self.env["freight.charge.type"]
        left = dict(before)
        invoice_lines = []
        for command in vals["invoice_line_ids"]:
            line_vals = command[2]
            charge_type = ChargeType.browse(self._freight_line_charge_type(line_vals))
            if charge_type and left.get(charge_type.id):
                line_vals = dict(
                    line_vals, price_unit=self.currency_id.round(line_vals["price_unit"] - left.pop(charge_type.id))
                )
                line_vals["name"] = _("%(line)s, difference with the earlier version", line=line_vals["name"])
            if not float_is_zero(line_vals["price_unit"], precision_rounding=rounding):
                invoice_lines.append(fields.Command.create(line_vals))
        for charge_type_id, amount in left.items():  # charges no longer billed: credited here
            if float_is_zero(amount, precision_rounding=rounding):
                continue
            charge_type = ChargeType.browse(charge_type_id).with_company(self.company_id)
            invoice_lines.append(
                fields.Command.create(
                    {
                        "product_id": charge_type.product_id.id,
                        "name": _("%(charge)s (%(number)s, difference)", charge=charge_type.name, number=self.name),
                        "account_id": charge_type._expense_account().id,
                        "quantity": 1.0,
                        "price_unit": -amount,
                    }
                )
            )
        vals["invoice_line_ids"] = invoice_lines
        return vals

    def _freight_line_charge_type(self, line_vals):
        """The charge type of a bill line's values (its product and account, among this invoice's)."""
        for charge_type in self.line_ids.charge_type_id:
            if (
                charge_type.product_id.id == line_vals.get("product_id")
                and charge_type.with_company(self.company_id)._expense_account().id == line_vals.get("account_id")
                and str(line_vals.get("name") or "").startswith(charge_type.name)
            ):
                return charge_type.id
        return False

    def _check_bill_totals(self):
        """A version billed for its difference is not billed its approved amount: checked on the
        difference by its own rule (the lines above); the others as before."""
        versions = self.filtered(lambda invoice: invoice._freight_billed_before() is not None)
        return super(FreightInvoice, self - versions)._check_bill_totals()
