"""The webhook intake settings of a backend, kept in the registry's cache of every worker.

Every webhook request reads them (``logistics_connector/controllers/webhook_intake.py``);
``create``, ``write`` and ``unlink`` (``logistics_backend.py``) clear the cache when they change.
:class:`~.logistics_backend.WebhookIntake` and ``INTAKE_FIELDS`` are declared with the model.
"""

from odoo import api, models, tools

from .logistics_backend import INTAKE_FIELDS, WebhookIntake


class LogisticsBackend(models.Model):
    _inherit = "logistics.backend"  # pylint: disable=consider-merging-classes-inherited

    def _clear_webhook_intake(self):
        """Forget the cached intake settings (_webhook_intake) in every worker: now (other
        workers at the commit, through the registry's signalling) and once more after the
        commit in this process, where another thread may have cached the settings still
        committed before it (the signalling does not clear the process that sent it)."""
        self.env.registry.clear_cache()
        self.env.cr.postcommit.add(self.env.registry.clear_cache)

    @api.model
    def _webhook_intake(self, code, kinds=None):
        """The intake settings of the one active backend ``code`` (of one of ``kinds``),
        or None. Every webhook request reads them, so they are kept in the registry's
        cache (as ir.config_parameter keeps its values), which a change of one of
        INTAKE_FIELDS, a new or a deleted backend clears in every worker. An unknown code
        is not cached: requests to random codes cannot fill the cache."""
        try:
            return self._webhook_intake_cached(code, tuple(sorted(kinds or ())))
        except KeyError:
            return None

    @api.model
    @tools.ormcache("code", "kinds")
    def _webhook_intake_cached(self, code, kinds):
        # The lookup compares the code exactly, as the database's unique(code) does: one code,
        # one backend across all companies, hence one cache entry per code and kinds.
        domain = [("code", "=", code), ("active", "=", True)]
        if kinds:
            domain.append(("kind", "in", list(kinds)))
        fnames = sorted(INTAKE_FIELDS - {"active"})
        backends = self.sudo().with_context(active_test=False).search_fetch(domain, fnames, limit=2)
        if len(backends) != 1:
            raise KeyError(code)  # not cached
        return WebhookIntake(
            id=backends.id,
            code=backends.code,
            kind=backends.kind,
            company_id=backends.company_id.id,
            process_sync=backends.process_sync,
            max_body_kb=backends.webhook_max_body_kb,
            tolerance_seconds=backends.webhook_tolerance_seconds,
            secret=backends.webhook_secret or None,
            previous_secret=backends.webhook_secret_previous or None,
            previous_until=backends.webhook_secret_previous_until or None,
            **backends._webhook_intake_profile(),
        )

    def _webhook_intake_profile(self):
        """Extra intake settings of this backend: ``{"platform": name, "platform_options":
        {...}}`` when an addon gives it a signature profile of its own (a verifier registered in
        ``services/signature.PLATFORM_VERIFIERS``); none here. An addon that overrides it
        clears the cache (``_clear_webhook_intake``) when the fields it reads change."""
        self.ensure_one()
        return {}
