"""The walk over the transaction sets of an interchange, shared by the set readers
(``shipment_events/formats/x12_214.py``, ``freight_audit/formats/x12_210.py``).

:func:`read_sets` checks the envelope strictly, reads each set with the reader of its
transaction set and collects one :class:`~.ack997.SetResult` per set for the 997: a set
whose reader raises ParseError is rejected, the other sets of the interchange are still
read.
"""

from ..exceptions import ParseError
from .ack997 import SetResult
from .codes import SET_NOT_SUPPORTED
from .reader import parse_interchange


def read_sets(data, id_code, read_set):
    """Read every transaction set of an interchange -> ``(interchange, values, results)``.

    * ``read_set(tset, group, interchange)`` reads one set and returns its value,
      or raises ParseError (a SegmentError carries the AK3/AK4 note of the 997).
    * ``values``: what ``read_set`` returned for each accepted set, in file order.
    * ``results``: one SetResult per set; a rejected set has AK5 code 1 (not
      supported) when it is not an ``id_code`` set (ST01), else code 5 (segments
      in error) when the error is a SegmentError.

    A broken envelope raises ParseError (nothing is read).
    """
    interchange = parse_interchange(data)
    values, results = [], []
    for group in interchange.groups:
        for tset in group.transaction_sets:
            try:
                value = read_set(tset, group, interchange)
            except ParseError as error:
                codes = None if tset.id_code == id_code else [SET_NOT_SUPPORTED]
                results.append(SetResult.rejected(tset, error, codes))
                continue
            values.append(value)
            results.append(SetResult.ok(tset))
    return interchange, values, results
