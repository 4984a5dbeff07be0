"""Odoo's multi-company check (``check_company=True`` fields), done per company, not per record.

``BaseModel._check_company`` checks each record on its own: for every record and every checked
field, the linked record is filtered with the company domain of the record's company. A batch
of 200 milestones of one backend checks that backend 200 times. This mixin checks the same
thing grouped: for each checked field, the linked records of all the records of one company
(or set of companies) are filtered once with that company's domain, which is what the
per-record filter computes, since the domain depends only on the company and the linked model.
When a linked record fails, Odoo's own check runs on the records concerned, so the error (its
``UserError`` and its message) is Odoo's, word for word. Company-dependent (property) fields
are left to Odoo's check unchanged.
"""

from odoo import models


class LogisticsCompanyCheckMixin(models.AbstractModel):
    _name = "logistics.company.check.mixin"
    _description = "Logistics: multi-company check of linked records, grouped by company"

    def _check_company(self, fnames=None):
        if len(self) < 2 or self._name == "res.company" or "company_id" not in self._fields:
            return super()._check_company(fnames)
        if fnames is None or {"company_id", "company_ids"} & set(fnames):
            fnames = self._fields
        regular, others = [], []
        for name in fnames:
            field = self._fields[name]
            if field.relational and field.check_company:
                (others if field.company_dependent else regular).append(name)
        if others:
            super()._check_company(others)
        if not regular:
            return
        suspects = self.browse()
        for records_company, records in self.grouped("company_id").items():
            for name in regular:
                corecords = records.sudo()[name]
                if not corecords:
                    continue
                domain = corecords._check_company_domain(records_company)
                if not domain:
                    continue
                bad = corecords - corecords.with_context(active_test=False).filtered_domain(domain)
                if bad:
                    suspects |= records.filtered(lambda record, name=name, bad=bad: record.sudo()[name] & bad)
        if suspects:
            # Odoo's own check on the records concerned: its error, its message.
            super(LogisticsCompanyCheckMixin, suspects)._check_company(regular)
