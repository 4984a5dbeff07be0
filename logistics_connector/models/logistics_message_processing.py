"""Processing the journal: waking its cron (``_trigger_processing``), claiming ready messages
(``_claim``, ``FOR UPDATE SKIP LOCKED``), running their handlers (``_process_claimed``) and
recording the outcome (``_mark_done``, ``_record_failure``, whose retry decision is plain
Python in services/retry.py); replay, requeue and retention (``_cron_purge``).

The handler registry (``_get_handlers``) and the access checks stay with the model, in
``logistics_message.py``.
"""

import logging
import time
import traceback

from psycopg2 import errors as pg_errors

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, mute_logger

from ..services import privacy, retry
from ..services.exceptions import NeedsMappingError, PermanentError, RetryableError
from .logistics_message import PROBLEM_STATES

_logger = logging.getLogger(__name__)

# database name -> time.monotonic() of this process's last cron NOTIFY (see _trigger_processing)
_LAST_NOTIFY = {}
NOTIFY_INTERVAL = 1.0
# database name -> (time.monotonic() at the end, seconds taken) of this process's last full
# purge batch (see _cron_purge: the pause before the next one)
_LAST_PURGE = {}
PURGE_PAUSE_MAX = 30.0  # seconds: never more, whatever the last batch took


class LogisticsMessage(models.Model):
    # One class per concern of logistics.message, each in its own file (see
    # logistics_message.py): processing here, not merged with the model's fields and access
    # checks on purpose.
    _inherit = "logistics.message"  # pylint: disable=consider-merging-classes-inherited

    @api.model
    def _trigger_processing(self, at=None):
        """Wake the journal's cron for new work.

        Every transaction that journals work records one trigger, committed with the
        messages: the cron runs for it on its next wake-up whatever happens, and a trigger
        committed while the cron runs survives that run (the cron deletes the triggers its
        own snapshot sees), so no message waits for the cron's interval. The NOTIFY that
        wakes the cron workers at once costs a new database connection each time (Odoo does
        not pool connections to the ``postgres`` database): a worker process sends it at most
        once per second, which under a stream of webhooks still wakes the cron within a
        second, and at worst (a burst ending just as the cron finishes) within the cron
        runner's own polling interval.
        """
        cron_id = self._journal_cron_id()
        if not cron_id:
            return
        cron = self.env["ir.cron"].sudo().browse(cron_id)
        if at is not None:
            cron._trigger(at=at)
            return
        # One trigger per transaction: they all commit together with its messages.
        transaction = self.env.cr.precommit.data
        if transaction.get("logistics_journal_triggered"):
            return
        transaction["logistics_journal_triggered"] = True
        key = self.env.cr.dbname
        now = time.monotonic()
        if now - _LAST_NOTIFY.get(key, -NOTIFY_INTERVAL) < NOTIFY_INTERVAL:
            self.env.cr.execute(self._trigger_row_sql(cron_id, SQL("VALUES (%s)", 1)))
            return
        _LAST_NOTIFY[key] = now
        cron._trigger()

    @api.model
    def _journal_cron_id(self):
        """The journal cron's id (from the registry's cache of xml ids: no query), or None."""
        return self.env["ir.model.data"]._xmlid_to_res_id(
            "logistics_connector.ir_cron_process_messages", raise_if_not_found=False
        )

    @api.model
    def _trigger_row_sql(self, cron_id, when):
        """The trigger row as ir.cron._trigger writes it, one row for each row of the query
        ``when`` (at most one is wanted), with one INSERT: ir.cron.trigger is a bare two-field
        model (Odoo's cron runner reads and deletes its rows with SQL), and its ORM create, on
        every webhook request, cost a quarter of the intake's time (default_get, the user's
        company)."""
        return SQL(
            "INSERT INTO ir_cron_trigger (cron_id, call_at, create_uid, create_date, write_uid, write_date)"
            " SELECT %s, %s, %s, now() AT TIME ZONE 'UTC', %s, now() AT TIME ZONE 'UTC' FROM (%s) AS wanted",
            cron_id,
            fields.Datetime.now(),
            self.env.uid,
            self.env.uid,
            when,
        )

    @api.model
    def _trigger_with_insert(self):
        """The cron id when the journal's insert may record this transaction's trigger itself
        (in the same statement as its rows: one round trip less per webhook request), None
        when :meth:`_trigger_processing` must do it: a trigger recorded already in this
        transaction, or this process's NOTIFY due (see there)."""
        if self.env.cr.precommit.data.get("logistics_journal_triggered"):
            return None
        last = _LAST_NOTIFY.get(self.env.cr.dbname, -NOTIFY_INTERVAL)
        if time.monotonic() - last >= NOTIFY_INTERVAL:
            return None
        return self._journal_cron_id() or None

    @api.model
    def _claim(self, limit, ids=None, lane=False):
        """Lock up to ``limit`` ready messages for this worker and mark them processing.

        ``FOR UPDATE SKIP LOCKED``: several workers (threads, processes or
        servers on one database) never get the same message. Messages sharing a
        sequence key wait until the earlier ones of that key are finished (whatever
        their lanes). ``lane``: only messages of that lane (``None``: without a lane;
        ``False``: any), see ``_claim_lanes`` (``logistics_message_lanes.py``).
        """
        extra = SQL("AND m.id IN %s", tuple(ids)) if ids else SQL()
        if lane is None:
            extra = SQL("%s AND m.lane IS NULL", extra)
        elif lane:
            extra = SQL("%s AND m.lane = %s", extra, lane)
        if not self.env.su:
            # A user (not the cron's superuser) only processes what the record rules let them read.
            extra = SQL("%s AND m.company_id IN %s", extra, tuple(self.env.companies.ids))
        query = SQL(
            """
            UPDATE logistics_message AS u
               SET state = 'processing'
             WHERE u.id IN (
                SELECT m.id
                  FROM logistics_message m
                 WHERE (m.state IN ('received', 'queued')
                        OR (m.state = 'failed' AND m.next_attempt_at IS NOT NULL
                            AND m.next_attempt_at <= %s))
                   %s
                   AND (m.sequence_key IS NULL OR NOT EXISTS (
                        SELECT 1 FROM logistics_message p
                         WHERE p.sequence_key = m.sequence_key
                           AND p.id < m.id
                           AND (p.state IN ('received', 'queued', 'processing')
                                OR (p.state = 'failed' AND p.next_attempt_at IS NOT NULL))))
                 ORDER BY m.priority, m.id
                 LIMIT %s
                   FOR UPDATE OF m SKIP LOCKED)
            RETURNING u.id
            """,
            fields.Datetime.now(),  # the application's clock (a database now() ignores frozen test time)
            extra,
            limit,
        )
        try:
            with mute_logger("odoo.sql_db"), self.env.cr.savepoint():
                self.env.cr.execute(query)
                claimed = sorted(row[0] for row in self.env.cr.fetchall())
        except pg_errors.SerializationFailure:
            # Another worker finished some of them after our snapshot: next round.
            return self.browse()
        messages = self.browse(claimed)
        messages.invalidate_recordset(["state"])
        return messages

    @api.model
    def _cron_process_queue(self, batch_size=None):
        """Scheduled entry point: one batch per call, progress reported to the cron runner.
        The batch is shared between the lanes that have ready work (``_claim_lanes``)."""
        batch_size = batch_size or int(
            self.env["ir.config_parameter"].sudo().get_param("logistics_connector.batch_size", 200)
        )
        messages = self._claim_lanes(batch_size)
        messages._process_claimed()
        # Enough to tell the runner to call again (it does up to 10 times a run), not the queue's size.
        remaining = self._count_ready(limit=10 * batch_size)
        self.env["ir.cron"]._notify_progress(done=len(messages), remaining=remaining)
        if messages and remaining:
            # A backlog: after its tenth batch the runner ends the run and its worker sleeps
            # until the next wake-up (up to a minute, `make soak` found 2,000 messages a minute
            # after a burst). The trigger and its NOTIFY, committed with this batch, wake it
            # again at once. Not when nothing could be claimed (messages waiting behind a
            # retry of their sequence): that would wake it in a loop.
            self._trigger_processing()
        return len(messages)

    @api.model
    def _process_queue(self, limit=200, max_batches=None):
        """Process ready messages in batches (tests, scripts), each shared between the lanes
        as the cron's. Returns how many were processed."""
        total, batches = 0, 0
        while max_batches is None or batches < max_batches:
            messages = self._claim_lanes(limit)
            if not messages:
                break
            messages._process_claimed()
            total += len(messages)
            batches += 1
        return total

    @api.model
    def _count_ready(self, limit=None):
        """How many messages are ready for processing; with ``limit``, counted up to it only
        (the cron runner needs to know that work remains, not its size: a queue of 50,000
        events is not counted again after each batch). Written on the states of the queue's
        partial index (``logistics_message_lane_queue_idx``), so it reads that index, not the
        journal's old rows."""
        self.flush_model(["state", "next_attempt_at"])
        ready = SQL(
            """
            SELECT 1 FROM logistics_message
             WHERE state IN ('received', 'queued', 'failed')
               AND (state <> 'failed' OR (next_attempt_at IS NOT NULL AND next_attempt_at <= %s))
            """,
            fields.Datetime.now(),
        )
        if limit:
            ready = SQL("%s LIMIT %s", ready, limit)
        self.env.cr.execute(SQL("SELECT count(*) FROM (%s) AS ready", ready))
        return self.env.cr.fetchone()[0]

    def action_process_now(self):
        """Process these messages now (support action; uses the same locking as the cron).

        Logistics Managers, on messages of their companies and of types their groups allow
        (_check_manage_access); the processing then runs as superuser, as the cron's."""
        self._check_manage_access()
        messages = self.sudo()._claim(len(self.ids), ids=self.ids)
        messages._process_claimed()
        messages = messages.with_env(self.env)
        skipped = self - messages
        if skipped:
            return {
                "type": "ir.actions.client",
                "tag": "display_notification",
                "params": {
                    "message": _(
                        "%s message(s) were not processed: not ready, already being processed, "
                        "or waiting behind an earlier message of the same shipment.",
                        len(skipped),
                    ),
                    "type": "warning",
                    "next": {"type": "ir.actions.client", "tag": "soft_reload"},
                },
            }
        return {"type": "ir.actions.client", "tag": "soft_reload"}

    def _process_claimed(self):
        """Process claimed messages: per type, in batch when the handler allows it, each
        message in its own savepoint otherwise, so one bad message never blocks the others.

        Handlers always run in superuser mode (the fields they set are guarded): whoever
        claimed the messages (the cron, a manager's Process Now, a wizard) was checked before."""
        self = self.sudo()  # noqa: PLW0642 - processing is superuser work, see above
        handlers = self._get_handlers()
        by_type = {}
        for message in self:
            by_type.setdefault(message.message_type, self.browse())
            by_type[message.message_type] |= message
        for message_type, messages in by_type.items():
            spec = handlers.get(message_type)
            if not spec:
                for message in messages:
                    message._record_failure(PermanentError(_("No handler for message type %s", message_type)), 0)
                continue
            model, method, batch = spec
            handler = getattr(self.env[model], method)
            if batch and len(messages) > 1:
                started = time.monotonic()
                try:
                    with self.env.cr.savepoint():
                        handler(messages)
                        self.env.flush_all()
                except Exception:
                    _logger.info("Batch of %s %s messages failed; processing one by one", len(messages), message_type)
                else:
                    elapsed = int((time.monotonic() - started) * 1000 / len(messages))
                    messages._mark_done(elapsed)
                    continue
            for message in messages:
                message._process_one(handler)

    def _process_one(self, handler):
        self.ensure_one()
        started = time.monotonic()
        try:
            with self.env.cr.savepoint():
                handler(self)
                self.env.flush_all()
        except Exception as error:
            self._record_failure(error, int((time.monotonic() - started) * 1000))
        else:
            self._mark_done(int((time.monotonic() - started) * 1000))

    def _mark_done(self, elapsed_ms=None, count_attempt=True):
        """Mark these messages done, in one query, their previous error cleared.

        Processing counts the attempt and the time per message (``elapsed_ms``); a message
        done without processing (a batch body split into its events at intake) passes
        ``count_attempt=False`` and no time."""
        if not self:
            return
        self.env.cr.execute(
            SQL(
                """
                UPDATE logistics_message
                   SET state = 'done', attempts = attempts + %s, processed_at = %s,
                       processing_time_ms = COALESCE(%s, processing_time_ms),
                       last_error = NULL, error_details = NULL,
                       next_attempt_at = NULL, missing_mapping_type = NULL, missing_mapping_code = NULL
                 WHERE id IN %s
                """,
                1 if count_attempt else 0,
                fields.Datetime.now(),
                elapsed_ms,
                tuple(self.ids),
            )
        )
        self.invalidate_recordset(
            [
                "state",
                "attempts",
                "processed_at",
                "processing_time_ms",
                "last_error",
                "error_details",
                "next_attempt_at",
                "missing_mapping_type",
                "missing_mapping_code",
            ]
        )

    def _record_failure(self, error, elapsed_ms):
        """Turn an error into the message's state (outside the failed savepoint); when to
        try again, or not at all, is services/retry.py's decision."""
        self.ensure_one()
        attempts = self.attempts + 1
        vals = {
            "attempts": attempts,
            "processing_time_ms": elapsed_ms,
            "processed_at": fields.Datetime.now(),
            "last_error": str(error) or error.__class__.__name__,
            "error_details": False,
            "missing_mapping_type": False,
            "missing_mapping_code": False,
        }
        if isinstance(error, NeedsMappingError):
            vals.update(
                state="needs_mapping",
                next_attempt_at=False,
                missing_mapping_type=error.mapping_type,
                missing_mapping_code=error.code,
            )
        elif isinstance(error, PermanentError | UserError):
            vals.update(state="failed", next_attempt_at=False)
        else:
            if not isinstance(error, RetryableError):
                # Logs never carry payloads: the frames only (the message keeps the whole traceback).
                _logger.warning(
                    "Message %s (%s) failed unexpectedly\n%s", self.id, self.message_type, privacy.safe_traceback(error)
                )
                vals["error_details"] = "".join(traceback.format_exception(error))[-20000:]
                vals["last_error"] = _("Unexpected error: %s", vals["last_error"])
            backend = self.backend_id
            next_at = retry.next_attempt_at(
                fields.Datetime.now(),
                attempts,
                max_attempts=backend.max_attempts,
                base_delay=backend.retry_base_delay,
                max_delay=backend.retry_max_delay,
                retry_after=error.delay if isinstance(error, RetryableError) else None,
            )
            if next_at is None:
                vals.update(state="dead", next_attempt_at=False)
                vals["last_error"] = _(
                    "Gave up after %(n)s attempts. Last error: %(error)s", n=attempts, error=vals["last_error"]
                )
            else:
                vals.update(state="failed", next_attempt_at=next_at)
                self._trigger_processing(at=next_at)
        self.sudo().write(vals)
        _logger.info("Message %s: %s (%s)", self.id, vals["state"], privacy.safe_error_text(error))

    # ------------------------------------------------------------------
    # Replay, requeue, retention
    # ------------------------------------------------------------------
    def action_replay(self):
        """Send failed, dead or unmapped messages through processing again.

        Handlers are idempotent (idempotency keys on outbound calls, external
        ids and unique constraints on what they create), so a replay can never
        create a second shipment or a second financial posting.
        """
        self._check_manage_access()
        self._check_not_redacted()  # logistics_message_privacy.py
        replayable = self.sudo().filtered(lambda m: m.state in PROBLEM_STATES)
        if not replayable:
            raise UserError(_("Only failed, dead or 'needs mapping' messages can be replayed."))
        for message in replayable:
            message.write(
                {
                    "state": "queued",
                    "next_attempt_at": False,
                    "attempts": 0,
                    "replay_count": message.replay_count + 1,
                }
            )
        self._trigger_processing()
        return True

    def _requeue(self):
        self.sudo().write({"state": "queued", "next_attempt_at": False})
        self._trigger_processing()

    @api.model
    def _cron_purge(self, batch_size=None):
        """Retention: done and duplicate messages older than their backend's retention
        (``journal_retention_days``, 90 days when unset) are deleted, one batch per call.

        Called by the retention cron as Odoo's cron runner calls a job that reports its
        progress (``ir.cron._notify_progress``): while a call says that work remains, the runner
        commits and calls again (up to 10 times a run, then it runs again at once), so each
        batch is its own short transaction and a journal of a million old messages is purged
        without one long transaction, without holding a million row locks and without blocking
        the intake, which only inserts. The batch takes the oldest candidates by id with
        ``FOR UPDATE SKIP LOCKED``: two servers running the cron never wait for each other nor
        delete the same rows. Size: ``logistics_connector.purge_batch_size`` (default 2,000).

        The purge gives way to the intake: deleting a journal row costs PostgreSQL one
        referential check per table that refers to the journal (eleven), so a purge running flat
        out takes a core from the webhooks. After a full batch, the next call in this process
        first rests ``logistics_connector.purge_pause_ratio`` times as long as that batch took
        (default 3: the purge works a quarter of the time; 0: no rest), outside any transaction
        that holds its rows. Returns the number of messages deleted by this call."""
        params = self.env["ir.config_parameter"].sudo()
        batch_size = batch_size or int(params.get_param("logistics_connector.purge_batch_size", 2000))
        self._purge_pause(float(params.get_param("logistics_connector.purge_pause_ratio", 3.0)))
        started = time.monotonic()
        self.flush_model(["state", "create_date", "backend_id"])
        self.env["logistics.backend"].flush_model(["journal_retention_days"])
        self.env.cr.execute(
            SQL(
                """
                SELECT m.id
                  FROM logistics_message m
                  JOIN logistics_backend b ON b.id = m.backend_id
                 WHERE m.state IN ('done', 'duplicate')
                   AND m.create_date < %s - make_interval(days => COALESCE(NULLIF(b.journal_retention_days, 0), 90))
                 ORDER BY m.id
                 LIMIT %s
                   FOR UPDATE OF m SKIP LOCKED
                """,
                fields.Datetime.now(),  # the application's clock, as the rest of the journal
                batch_size,
            )
        )
        ids = [row[0] for row in self.env.cr.fetchall()]
        if ids:
            # One SQL DELETE, not the ORM's unlink, which reads every field of the batch first
            # (a third of the purge's time): a journal row has nothing on the ORM side to undo.
            # No stored field of another model depends on it; its shipment links and record
            # links go with it (ON DELETE CASCADE), the rows that refer to it keep a NULL
            # (ON DELETE SET NULL, every such column indexed); its payload files are unlinked
            # through the ORM below, and the caches are invalidated.
            self.env.cr.execute(
                SQL(
                    "DELETE FROM logistics_message WHERE id = ANY(%s) RETURNING payload_attachment_id",
                    ids,
                )
            )
            attachment_ids = {row[0] for row in self.env.cr.fetchall() if row[0]}
            attachments = self.env["ir.attachment"].sudo()
            attachments = attachments.browse(attachment_ids) | attachments.search(
                [("res_model", "=", self._name), ("res_id", "in", ids)]
            )
            attachments.unlink()
            self.invalidate_model()
            self.env["logistics.shipment"].invalidate_model(["journal_message_ids"])
        # A full batch: there may be more (the runner calls again); a short one was the last.
        full = len(ids) == batch_size
        if full:
            _LAST_PURGE[self.env.cr.dbname] = (time.monotonic(), time.monotonic() - started)
        else:
            _LAST_PURGE.pop(self.env.cr.dbname, None)
        self.env["ir.cron"]._notify_progress(done=len(ids), remaining=1 if full else 0)
        _logger.info("Integration journal retention: %s messages purged", len(ids))
        return len(ids)

    @api.model
    def _purge_pause(self, ratio):
        """Rest before the next purge batch: ``ratio`` times what this process's last full batch
        took, less the time since it ended (the runner's commit, another job), at most
        PURGE_PAUSE_MAX seconds. Called at the start of a call, so the rest holds no row lock:
        the previous batch is committed, this one has not started."""
        last = _LAST_PURGE.get(self.env.cr.dbname)
        if not last or ratio <= 0:
            return 0.0
        ended, took = last
        pause = min(ratio * took, PURGE_PAUSE_MAX) - (time.monotonic() - ended)
        if pause <= 0:
            return 0.0
        time.sleep(pause)
        return pause
