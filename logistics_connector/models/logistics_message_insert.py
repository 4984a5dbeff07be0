"""The journal's insert: the rows of ``_journal_many`` written by one SQL statement
(``_journal_insert_sql``, which reproduces what ORM ``create`` does for them: its
docstring lists each behaviour), or, when the system parameter
``logistics_connector.journal_plain_create`` is set, by plain ORM ``create``
(``_journal_insert_plain``). The journal tests run both ways (tests/test_journal.py,
tests/test_journal_plain.py).
"""

import contextlib
import logging

from psycopg2 import errors as pg_errors
from psycopg2.extensions import AsIs

from odoo import _, api, models
from odoo.exceptions import UserError
from odoo.tools import SQL, mute_logger, str2bool

from .logistics_message import READY_STATES

_logger = logging.getLogger(__name__)

# Inside a row given as a tuple (as ORM ``_create`` gives its rows): constant SQL, no parameter.
_DEFAULT = AsIs("DEFAULT")
_NOW = AsIs("(now() AT TIME ZONE 'UTC')")
# Field types whose column value depends on the value alone (not on the row, the record or the
# user): a value every row has is converted once.
_ROW_FREE_TYPES = frozenset(
    ("boolean", "char", "date", "datetime", "float", "integer", "many2one", "selection", "text")
)

# The switch: "1" (or "True") makes the journal write its rows with ORM create().
JOURNAL_PLAIN_CREATE_PARAM = "logistics_connector.journal_plain_create"


class LogisticsMessage(models.Model):
    # One class per concern of logistics.message, each in its own file (see
    # logistics_message.py): the journal's insert here.
    _inherit = "logistics.message"  # pylint: disable=consider-merging-classes-inherited

    @api.model
    def _journal_insert(self, rows, trigger=False):
        """Insert journal rows (field values, payload already stored); returns their ids
        aligned with ``rows``, None where the row's (backend, direction, idempotency key) is
        in the journal already.

        ``trigger``: the fast insert also records the journal cron's trigger for this
        transaction, in the same statement, when a row ready for processing is inserted
        and :meth:`_trigger_with_insert` allows it (the caller's ``_trigger_processing`` then
        finds it recorded); the plain path leaves it to the caller.

        The caller's access is checked first, on both paths. The rows are then written by
        the fast insert (:meth:`_journal_insert_sql`), or by ORM ``create`` when the system
        parameter ``logistics_connector.journal_plain_create`` is set
        (:meth:`_journal_insert_plain`); both answer the same.
        """
        if not rows:
            return []
        # The rows are written as superuser, with the backend's company: a caller that is not
        # in superuser mode (a user's wizard, a webhook's technical user) journals only for
        # backends it can read, messages of types its groups allow.
        self._check_journal_access([row.get("backend_id") for row in rows], [row.get("message_type") for row in rows])
        if self._journal_plain_create():
            return self._journal_insert_plain(rows)
        return self._journal_insert_sql(rows, trigger=trigger)

    @api.model
    def _journal_plain_create(self):
        """Whether the journal writes its rows with ORM ``create`` (the switch; off by
        default). Read from the registry's cache of system parameters: no query per call."""
        value = self.env["ir.config_parameter"].sudo().get_param(JOURNAL_PLAIN_CREATE_PARAM)
        return str2bool(value or "0", default=False)

    @api.model
    def _journal_insert_plain(self, rows):
        """The switch's path: the rows written by ORM ``create`` (superuser, the caller's uid
        as create_uid as on the fast path), the journal's idempotency kept by the same unique
        key. The keys in the journal already are found by one search first; a row whose key
        another row of ``rows`` took, or that another transaction committed meanwhile,
        fails the unique key: the rows are then created one by one, each in a savepoint.
        A key taken by a transaction this one cannot see is a serialization failure, as on
        the fast path (Odoo's request and cron retries replay it). ``default_*`` context
        keys are dropped: the fast path ignores them too."""
        context = {key: value for key, value in self.env.context.items() if not key.startswith("default_")}
        Message = self.with_env(self.env(context=context, su=True))
        magic = {"id", "create_uid", "create_date", "write_uid", "write_date"}
        for name in {name for row in rows for name in row}:
            field = Message._fields.get(name)
            if field is None or name in magic or field.compute:  # refused, as on the fast path
                raise ValueError(f"logistics.message._journal_insert: {name!r} is not a journal column")

        def key_of(row):
            return (row["backend_id"], row["direction"], row.get("idempotency_key") or None)

        keyed = [row for row in rows if row.get("idempotency_key")]
        existing = set()
        if keyed:
            Message.flush_model(["backend_id", "direction", "idempotency_key"])
            existing = {
                (message.backend_id.id, message.direction, message.idempotency_key)
                for message in Message.search(
                    [
                        ("idempotency_key", "in", list({row["idempotency_key"] for row in keyed})),
                        ("backend_id", "in", list({row["backend_id"] for row in keyed})),
                    ]
                )
            }
        todo = [index for index, row in enumerate(rows) if key_of(row) not in existing]
        ids = [None] * len(rows)
        if not todo:
            return ids
        try:
            with mute_logger("odoo.sql_db"), self._journal_savepoint():
                created = Message.create([rows[index] for index in todo])
        except pg_errors.UniqueViolation:
            created = None
        if created is not None:
            for index, message in zip(todo, created, strict=True):
                ids[index] = message.id
            return ids
        taken_here = set()
        for index in todo:
            key = key_of(rows[index])
            try:
                with mute_logger("odoo.sql_db"), self._journal_savepoint():
                    ids[index] = Message.create(rows[index]).id
            except pg_errors.UniqueViolation as error:
                if key not in taken_here:
                    # Committed by another transaction after this one's snapshot.
                    raise pg_errors.SerializationFailure(
                        f"logistics.message: idempotency key {key!r} journaled concurrently"
                    ) from error
            else:
                taken_here.add(key)
        return ids

    @contextlib.contextmanager
    def _journal_savepoint(self):
        """A savepoint for the plain path's ``create``: the ORM flushed before, its caches
        cleared if the savepoint is rolled back, as ``cr.savepoint()`` does, but without
        running the transaction's precommit hooks (the journal's one cron trigger per
        transaction is remembered there, see _trigger_processing)."""
        self.env.flush_all()
        try:
            with self.env.cr.savepoint(flush=False):
                yield
                self.env.flush_all()
        except Exception:
            self.env.clear()
            raise

    @api.model
    def _journal_execute(self, statement):
        """Run the journal's insert statement."""
        try:
            # Not logged by the cursor: a serialization failure is expected here (a key, or a
            # row of it, changed by a transaction this one cannot see, e.g. the cron marking
            # the original of a resent body done) and replayed by Odoo's retries, which log it
            # at INFO; `make soak` found these as ERROR "bad query" lines. Anything else is.
            self.env.cr.execute(statement, log_exceptions=False)
        except pg_errors.SerializationFailure:
            raise
        except Exception as error:
            _logger.error("bad query: %s\nERROR: %s", statement.code, error)
            raise

    @api.model
    def _journal_insert_sql(self, rows, trigger=False):
        """The fast insert: the rows written with one statement, as ORM ``create`` writes
        them; returns what :meth:`_journal_insert` returns (the caller's access checked
        there).

        Journaling is the hot path of every webhook (the bench's figure 1 measures it): ORM
        ``create`` costs ``default_get``, a search for the key (or a failed savepoint), the
        recompute of ``company_id`` and one query per computed stored field. This writes
        what ``create`` (``BaseModel.create`` and ``_create``, Odoo 18) writes, minus what
        the journal never needs. What it reproduces, in order:

        - field defaults: the model's own ``field.default`` (no ``default_get``, hence no
          user-defined ``ir.default`` and no ``default_*`` context keys);
        - ``company_id`` (related, stored): written with the row from the backend's, as the
          ORM would compute it (``logistics.backend`` flushed first);
        - ``lane`` (unless given): the backend's Journal Lane or the type's, as ``create``
          sets it (``logistics_message_lanes.py``); both read inside the row's insert for one
          row, by one query before it for several (:meth:`_journal_backend_columns`);
        - ``create_uid``/``write_uid`` (the caller's uid) and ``create_date``/``write_date``
          (the transaction's ``now()`` in UTC);
        - the values converted by each field's ``convert_to_column_insert``; a value for a
          computed or non-journal field is refused (ValueError), not dropped;
        - idempotency: ``INSERT ... ON CONFLICT ON CONSTRAINT
          logistics_message_idempotency_uniq DO NOTHING RETURNING`` (no search first); a
          concurrent transaction inserting the same key is a serialization failure, which
          Odoo's request and cron retries replay;
        - the cache: every stored field of the new rows, as ``_create`` puts them there
          (:meth:`_journal_cache_rows`; what the caller reads comes from there, no fetch);
        - ``modified(create=True)`` on every field (``company_id`` protected, as written);
        - x2many values (``shipment_ids`` links) through the fields' own batch ``create``,
          then ``modified`` for them;
        - the inverse fields' caches on the other side invalidated
          (``registry.field_inverses``), e.g. ``logistics.shipment.journal_message_ids``;
        - Python constraints (``_validate_fields``) and, when links were given,
          ``_check_company`` on them.

        The switch ``logistics_connector.journal_plain_create`` replaces all of this by ORM
        ``create`` (:meth:`_journal_insert_plain`); the journal tests run both ways
        (tests/test_journal.py, tests/test_journal_plain.py), and
        ``test_journal_rows_are_the_rows_orm_create_writes`` compares the rows field by field.
        """
        Message = self.sudo()
        Message.flush_model(["backend_id", "direction", "idempotency_key"])
        self.env["logistics.backend"].flush_model(["company_id", "journal_lane"])
        magic = {"id", "create_uid", "create_date", "write_uid", "write_date"}
        defaults = {
            name: field.convert_to_write(field.default(Message), Message)
            for name, field in Message._fields.items()
            if field.store and field.column_type and field.default and not field.compute and name not in magic
        }
        # The names given are checked once for all rows (a batch's rows share theirs).
        non_columns = set()
        for name in {name for row in rows for name in row if name != "lane"} | set(defaults):
            field = Message._fields.get(name)
            if field is None or name in magic or field.compute:
                raise ValueError(f"logistics.message._journal_insert: {name!r} is not a journal column")
            if not field.column_type:
                non_columns.add(name)
        column_rows, other_values, given_lanes = [], [], []
        for row in rows:
            values = dict(defaults, **row)
            given_lanes.append(values.pop("lane", None))
            column_rows.append(values)
            other_values.append({name: values.pop(name) for name in non_columns if name in values})
        columns = sorted({name for values in column_rows for name in values})
        backend_columns = self._journal_backend_columns(column_rows, given_lanes)
        names, source = self._journal_rows_sql(Message, columns, column_rows, backend_columns)
        returned_columns = SQL("id, backend_id, direction, idempotency_key, company_id, create_date, lane")
        cron_id = trigger and self._trigger_with_insert()
        ready_given = bool(cron_id) and any(values.get("state") in READY_STATES for values in column_rows)
        insert = SQL(
            "INSERT INTO logistics_message (%s) %s"
            " ON CONFLICT ON CONSTRAINT logistics_message_idempotency_uniq DO NOTHING"
            " RETURNING %s",
            SQL(", ").join(SQL.identifier(name) for name in names),
            source,
            SQL("%s, state", returned_columns) if ready_given else returned_columns,
        )
        statement = insert
        if ready_given:
            # The cron's trigger in the same statement (one round trip for both), written only
            # when a row ready for processing was inserted (a duplicate wakes nothing). The
            # rows come out of the CTE in the order the INSERT returned them (checked below).
            woken = self._trigger_row_sql(
                cron_id, SQL("SELECT 1 WHERE EXISTS (SELECT 1 FROM journaled WHERE state IN %s)", READY_STATES)
            )
            statement = SQL(
                "WITH journaled AS (%s), woken AS (%s) SELECT %s FROM journaled", insert, woken, returned_columns
            )
        self._journal_execute(statement)
        # RETURNING gives the inserted rows in the order of VALUES (as ORM create relies
        # on); a row left out is one whose key exists: match them by key.
        returned = self.env.cr.fetchall()
        ids, inserted, position = [], [], 0
        for values in column_rows:
            key = (values["backend_id"], values["direction"], values.get("idempotency_key") or None)
            row = returned[position] if position < len(returned) else None
            if row and (row[1], row[2], row[3] or None) == key:
                ids.append(row[0])
                inserted.append((values, row))
                position += 1
            else:
                ids.append(None)
        if position != len(returned):
            raise UserError(_("Journal: the inserted rows do not match the rows given."))
        if ready_given and any(values.get("state") in READY_STATES for values, _row in inserted):
            # The statement wrote this transaction's trigger (see _trigger_processing).
            self.env.cr.precommit.data["logistics_journal_triggered"] = True
        records = Message.browse([message_id for message_id in ids if message_id])
        self._journal_cache_rows(records, inserted)
        pairs = {}
        for message_id, others in zip(ids, other_values, strict=True):
            for name, value in others.items():
                if message_id:
                    pairs.setdefault(name, []).append((Message.browse(message_id), value))
        # As _create: every field is marked modified (company_id, written, is protected), then
        # the non-column fields once they are written.
        with self.env.protecting([Message._fields["company_id"]], records):
            records.modified(Message._fields, create=True)
            for name, record_values in pairs.items():
                Message._fields[name].create(record_values)
            records.modified(list(pairs), create=True)
        for name in [*columns, "company_id", "lane"]:
            for inverse in self.pool.field_inverses[Message._fields[name]]:
                self.env[inverse.model_name].invalidate_model([inverse.name], flush=False)
        records._validate_fields([*columns, "lane", *pairs])  # Python constraints, as create checks them
        if pairs:
            records._check_company(list(pairs))  # the linked shipments are of the backend's company
        return ids

    @api.model
    def _journal_rows_sql(self, Message, columns, column_rows, backend_columns):
        """``(names, rows)``: the columns of the fast insert, in order, and the SQL of its rows.

        Every row holds ``columns`` converted by each field's ``convert_to_column_insert``
        (``DEFAULT`` where a row has no value), then ``company_id``, ``lane``, ``create_uid``,
        ``create_date``, ``write_uid``, ``write_date``. A column whose value is the same in every
        row (the backend, the type, the state, the defaults) is converted once when its field's
        conversion depends on the value alone.

        Several rows, each with a value for every column: the values every row shares are
        written once, the others per row, ``SELECT <shared values>, v.<column>... FROM (VALUES
        ...) AS v`` (a 500-event batch sends and parses four values per event instead of
        twenty-eight; the VALUES scan keeps the rows' order). Otherwise ``VALUES`` with every
        value of every row (rows as tuples, as ORM ``_create`` gives them; the one row whose
        company and lane are subqueries, ``_journal_backend_columns``, as SQL)."""
        count = len(column_rows)
        missing = object()
        names = [*columns, "company_id", "lane"]
        converted, shared = [], []
        complete = True  # every row has a value for every column
        for name in columns:
            field = Message._fields[name]
            given = [values.get(name, missing) for values in column_rows]
            value = given[0]
            if (
                field.type in _ROW_FREE_TYPES
                and not field.company_dependent
                and not getattr(field, "translate", False)
                and value is not missing
                and all(type(other) is type(value) and other == value for other in given)
            ):
                converted.append([field.convert_to_column_insert(value, Message, column_rows[0])] * count)
                shared.append(True)
            else:
                converted.append(
                    [
                        _DEFAULT if value is missing else field.convert_to_column_insert(value, Message, values)
                        for value, values in zip(given, column_rows, strict=True)
                    ]
                )
                shared.append(False)
                complete = complete and missing not in given
        for position in range(2):  # company_id, lane
            given = [pair[position] for pair in backend_columns]
            converted.append(given)
            shared.append(all(type(other) is type(given[0]) and other == given[0] for other in given))
        uid = self.env.uid
        names += ["create_uid", "create_date", "write_uid", "write_date"]
        constants = [uid, _NOW, uid, _NOW]
        varying = [index for index, is_shared in enumerate(shared) if not is_shared]
        varying_set = set(varying)
        subqueries = any(isinstance(value, SQL) for pair in backend_columns for value in pair)
        if count > 1 and varying and complete and not subqueries:
            first = [values[0] for values in converted]
            types = [*(Message._fields[name].column_type[0] for name in columns), "int4", "varchar"]
            selected = [
                SQL("v.%s::%s", SQL.identifier(f"c{index}"), SQL(types[index]))
                if index in varying_set
                else first[index]
                for index in range(len(converted))
            ]
            rows = SQL(
                "SELECT %s FROM (VALUES %s) AS v(%s)",
                SQL(", ").join([*selected, *constants]),
                SQL(", ").join(tuple(converted[index][row] for index in varying) for row in range(count)),
                SQL(", ").join(SQL.identifier(f"c{index}") for index in varying),
            )
            return names, rows
        rows = [(*row, *constants) for row in zip(*converted, strict=True)]
        if subqueries:
            rows = [SQL("(%s)", SQL(", ").join(row)) for row in rows]
        return names, SQL("VALUES %s", SQL(", ").join(rows))

    @api.model
    def _journal_backend_columns(self, column_rows, given_lanes):
        """``(company_id, lane)`` of each row of the fast insert, as values of its INSERT: the
        backend's company (``company_id`` is related, stored: as the ORM computes it), and the
        lane given, else the backend's Journal Lane, else the type's (``_journal_lane_of``, as
        ``_journal_lane_sql`` says it in SQL).

        One row (a single webhook): two subqueries inside its INSERT, no round trip of their
        own. Several rows: plain values, their backends' company and Journal Lane taken from the
        cache (no query when it holds them, one otherwise): PostgreSQL plans each subquery
        of a statement on its own, and the two per row of a 500-event batch cost as much
        planning as the insert itself. A backend that does not exist gets no company, and the
        insert fails on its foreign key as with the subqueries."""
        if len(column_rows) == 1:
            values, lane = column_rows[0], given_lanes[0]
            backend_id = values["backend_id"]
            return [
                (
                    SQL("(SELECT company_id FROM logistics_backend WHERE id = %s)", backend_id),
                    SQL("%s", lane) if lane else self._journal_lane_sql(backend_id, values.get("message_type")),
                )
            ]
        Backend = self.env["logistics.backend"].sudo()
        backend_fields = [Backend._fields["company_id"], Backend._fields["journal_lane"]]
        backend_ids = sorted({values["backend_id"] for values in column_rows if values["backend_id"]})
        known = {}
        for backend in Backend.browse(backend_ids):
            if all(self.env.cache.contains(backend, field) for field in backend_fields):
                known[backend.id] = (backend.company_id.id or None, backend.journal_lane or None)
        unknown = set(backend_ids) - set(known)
        if unknown:
            # Both fields flushed by the caller; a plain query (the ORM's fetch cost more than it).
            self.env.cr.execute(
                SQL("SELECT id, company_id, journal_lane FROM logistics_backend WHERE id IN %s", tuple(sorted(unknown)))
            )
            known.update(
                (backend_id, (company_id, lane or None)) for backend_id, company_id, lane in self.env.cr.fetchall()
            )
        result = []
        for values, given_lane in zip(column_rows, given_lanes, strict=True):
            company_id, backend_lane = known.get(values["backend_id"], (None, None))
            lane = given_lane or self._journal_lane_of(backend_lane, values.get("message_type"))
            result.append((company_id, lane))
        return result

    @api.model
    def _journal_cache_rows(self, records, inserted):
        """Put the rows just inserted in the cache, as ORM create does: what the caller reads
        of them comes from there (no fetch, hence no record rule for a technical user), and
        a stored field that was not written is known to be empty. A value that every row has
        (a default, the backend, an empty field) is converted once for all of them."""
        if not records:
            return
        cache = self.env.cache
        given_rows = [row_values for row_values, _row in inserted]
        given_names = {name for row_values in given_rows for name in row_values}
        first = records[:1]
        record_list = None
        for name, field in records._fields.items():
            if not field.store or name == "id":
                continue
            if field.type in ("one2many", "many2many"):
                values = [()] * len(records)
            elif name == "company_id":
                values = [row[4] for _values, row in inserted]
            elif name == "lane":
                values = [row[6] for _values, row in inserted]
            elif name in ("create_date", "write_date"):
                values = [row[5] for _values, row in inserted]
            elif name in ("create_uid", "write_uid"):
                values = [self.env.uid] * len(records)
            elif field.compute:
                continue
            elif name not in given_names:
                values = [field.convert_to_cache(None, first)] * len(records)
            else:
                given = [row_values.get(name) for row_values in given_rows]
                value = given[0]
                if all(type(other) is type(value) and other == value for other in given):
                    values = [field.convert_to_cache(value, first)] * len(records)
                elif field.type in _ROW_FREE_TYPES:  # the conversion depends on the value alone
                    values = [field.convert_to_cache(value, first) for value in given]
                else:
                    record_list = record_list or list(records)
                    values = [
                        field.convert_to_cache(value, record) for value, record in zip(given, record_list, strict=True)
                    ]
            cache.update(records, field, values)
