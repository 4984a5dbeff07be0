"""The walk over the transaction sets of an interchange, shared by the set readers
(``shipment_events/formats/x12_214.py``, ``freight_audit/formats/x12_210.py``).

:func:`read_interchange_sets` reads every interchange of a file tolerantly
(:func:`~.tolerant.read_interchanges`), reads each set with the reader of its
transaction set and collects one :class:`~.ack997.SetResult` per set for the 997: a
set whose reader raises ParseError is rejected, the other sets are still read.
:func:`read_sets` is the one-result form of it kept for the existing callers.
"""

from dataclasses import dataclass, field

from ..exceptions import ParseError
from .ack997 import SetResult
from .codes import SET_NOT_SUPPORTED
from .envelope import Anomaly, Interchange
from .reader import anomaly
from .tolerant import read_interchanges

# GS01 functional identifier code of each transaction set read or written here.
FUNCTIONAL_IDS = {"204": "SM", "210": "IM", "214": "QM", "990": "GF", "997": "FA", "856": "SH"}


@dataclass
class InterchangeRead:
    """What the set readers found in one interchange."""

    interchange: Interchange
    values: list = field(default_factory=list)  # what read_set returned for each accepted set
    results: list[SetResult] = field(default_factory=list)  # one per set, for build_997

    @property
    def warnings(self) -> list[Anomaly]:
        """Every anomaly of the interchange: envelope ones and those the set readers noted."""
        seen = list(self.interchange.warnings)
        for tset in self.interchange.transaction_sets:
            seen.extend(w for w in tset.warnings if w not in seen)
        return seen


def _read_one(interchange, id_code, read_set):
    read = InterchangeRead(interchange)
    for group in interchange.groups:
        for tset in group.transaction_sets:
            expected = FUNCTIONAL_IDS.get(tset.id_code)
            if expected and group.functional_id != expected:
                tset.warnings.append(
                    anomaly(
                        f"GS01 {group.functional_id!r} is not the functional identifier of a {tset.id_code} "
                        f"({expected})",
                        group.gs.where if group.gs is not None else "GS",
                        group,
                        tset,
                    )
                )
            if tset.errors:
                # The envelope check found the set untrustworthy (no SE trailer, invalid ST01).
                error = ParseError("; ".join(tset.problems) or "the transaction set is incomplete", tset.where)
                read.results.append(SetResult.rejected(tset, error, []))
                continue
            try:
                value = read_set(tset, group, interchange)
            except ParseError as error:
                codes = None if tset.id_code == id_code else [SET_NOT_SUPPORTED]
                read.results.append(SetResult.rejected(tset, error, codes))
                continue
            read.values.append(value)
            read.results.append(SetResult.ok(tset))
    return read


def read_interchange_sets(data, id_code, read_set, strict=False):
    """Read every transaction set of every interchange of ``data`` -> list of :class:`InterchangeRead`.

    * ``read_set(tset, group, interchange)`` reads one set and returns its value,
      or raises ParseError (a SegmentError carries the AK3/AK4 note of the 997);
      it may append :class:`Anomaly` notes to ``tset.warnings`` (read on).
    * a rejected set has AK5 code 1 (not supported) when it is not an
      ``id_code`` set (ST01), else code 5 (segments in error) for a SegmentError.
    * ``strict``: an envelope anomaly raises ParseError (nothing is read).
    """
    return [_read_one(interchange, id_code, read_set) for interchange in read_interchanges(data, strict=strict)]


def read_sets(data, id_code, read_set, strict=False):
    """Read every transaction set -> ``(interchange, values, results)``.

    ``interchange`` is the first interchange of ``data``; ``values`` and
    ``results`` cover every interchange of the file, in file order (use
    :func:`read_interchange_sets` to keep them apart, e.g. for one 997 each).
    """
    reads = read_interchange_sets(data, id_code, read_set, strict=strict)
    values = [value for read in reads for value in read.values]
    results = [result for read in reads for result in read.results]
    return reads[0].interchange, values, results
