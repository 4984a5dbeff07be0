"""Helpers of the tests that read the real published X12 samples of ``../shared/corpus``
(from the repository root) and compare every fact of each ``<file>.expected.json``:
``logistics_connector/tests/test_x12_corpus.py`` (997),
``shipment_events/tests/test_x12_214_corpus.py``, ``freight_audit/tests/test_x12_210_corpus.py``.

The corpus is kept outside the project. When the directory is missing (a user's
clone), those modules define no test class, so nothing is counted;
``scripts/run_tests.py`` and ``scripts/pyunit.py`` print one line saying the corpus
tests were left out.
"""

import json
import logging
import os
from decimal import Decimal

from odoo.tests import BaseCase

_logger = logging.getLogger(__name__)

# repository root = the parent of the addon directory (logistics_connector/tests/ -> ../..)
REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CORPUS = os.path.join(os.path.dirname(REPO_ROOT), "shared", "corpus")


def corpus_files(kind):
    folder = os.path.join(CORPUS, kind)
    return (
        sorted(os.path.join(folder, name) for name in os.listdir(folder) if name.endswith(".edi"))
        if os.path.isdir(folder)
        else []
    )


def load(path):
    with open(path, "rb") as data, open(path + ".expected.json", encoding="utf-8") as expected:
        return data.read(), json.load(expected)


def text(value):
    """A fact as the expected JSON writes it: strings, None; numbers and dates as sent."""
    if value is None:
        return None
    if hasattr(value, "strftime"):
        return value.strftime("%Y%m%d")
    return str(value)


def money(value):
    return None if value is None else f"{Decimal(value):.2f}"


def compare(case, expected, actual, path="expected"):
    """Every fact of ``expected`` (dicts: each key; lists: length and each item) is in ``actual``."""
    if isinstance(expected, dict):
        case.assertIsInstance(actual, dict, path)
        for key, value in expected.items():
            case.assertIn(key, actual, f"{path}.{key} is not read")
            compare(case, value, actual[key], f"{path}.{key}")
    elif isinstance(expected, list):
        case.assertIsInstance(actual, list, path)
        case.assertEqual(len(actual), len(expected), f"{path}: {len(actual)} read, {len(expected)} expected")
        for index, (want, got) in enumerate(zip(expected, actual, strict=True)):
            compare(case, want, got, f"{path}[{index}]")
    else:
        case.assertEqual(got := actual, expected, f"{path}: read {got!r}, expected {expected!r}")


def project_parties(parties):
    return [
        {
            "entity_code": party["entity_code"],
            "name": party.get("n1_name"),
            "id_qualifier": party["id_qualifier"],
            "id": party["id"],
            "city": party["city"],
            "state": party["state"],
            "postal_code": party["zip"],
            "country": party["country"],
            "references": party.get("references") or None,
        }
        for party in parties
    ]


def project_envelope(interchange):
    return {
        "isa_sender": f"{interchange.sender_qualifier}/{interchange.sender_id}",
        "isa_receiver": f"{interchange.receiver_qualifier}/{interchange.receiver_id}",
        "isa_date": interchange.isa.elements[8],
        "isa_time": interchange.isa.elements[9],
        "isa11_standards_or_repetition": interchange.standards_id,
        "isa_version": interchange.version,
        "isa_control_number": interchange.control_number,
        "ack_requested": "1" if interchange.ack_requested else "0",
        "usage_indicator": interchange.usage,
        "groups": [
            {
                "functional_id": group.functional_id,
                "app_sender": group.sender_code,
                "app_receiver": group.receiver_code,
                "date": group.date,
                "time": group.time,
                "control_number": group.control_number,
                "agency": group.agency,
                "version": group.version,
                "transaction_sets": [f"{t.id_code}:{t.control_number}" for t in group.transaction_sets],
            }
            for group in interchange.groups
        ],
    }


# Which warning answers which anomaly written in the expected JSON ("GE01 237 != ...", "ST ...: SE01 46 but ...").
ANOMALY_SEGMENTS = {"SE01": "SE", "SE02": "SE", "GE01": "GE", "GE02": "GE", "IEA01": "IEA", "IEA02": "IEA"}


def check_anomalies(case, expected_anomalies, interchanges):
    warnings = [w for interchange in interchanges for w in interchange.warnings]
    wanted = sorted(
        ANOMALY_SEGMENTS[word.rstrip(":")]
        for anomaly in expected_anomalies
        for word in anomaly.split()
        if word.rstrip(":") in ANOMALY_SEGMENTS
    )
    case.assertEqual(sorted(w.segment for w in warnings), wanted, [str(w) for w in warnings])


def project_214(reads, fixed_offsets):
    shipments = {}
    for read in reads:
        for event in read.values:
            shipment = shipments.setdefault(
                event["transaction_control"],
                {
                    "st_control_number": event["transaction_control"],
                    "b10_reference": event["carrier_reference"],
                    "b10_shipment_id": event["shipment_id"],
                    "scac": event["scac"],
                    "references": [],
                    "parties": project_parties(event["party_list"]),
                    "events": [],
                    "weights": [],
                },
            )
            for entry in event["reference_entries"]:
                if entry not in shipment["references"]:
                    shipment["references"].append(entry)
            time_code = event["time_code"]
            local = event["event_time"].replace(tzinfo=None)
            item = {
                "lx": event["assigned_number"],
                "status_code": event["status_code"],
                "status_reason": event["reason_code"],
                "appointment_status": event["appointment_status_code"],
                "appointment_reason": event["appointment_reason_code"],
                "date": local.strftime("%Y%m%d"),
                "time": event["time_sent"],
                "time_code": time_code,
                "utc_offset": event["utc_offset"] if time_code in fixed_offsets else None,
                "local_datetime": local.strftime("%Y-%m-%dT%H:%M"),
                "city": event["location"]["city"],
                "state": event["location"]["state"],
                "country": event["location"]["country"],
                "latitude": event["location"]["latitude"],
                "longitude": event["location"]["longitude"],
            }
            if event["equipment"]:
                item["equipment"] = {
                    "scac": event["equipment"]["owner_scac"],
                    "equipment_number": event["equipment"]["number"],
                    "equipment_type": event["equipment"]["type"],
                }
            if item["utc_offset"]:
                item["datetime_with_offset"] = item["local_datetime"] + item["utc_offset"]
            shipment["events"].append(item)
            if event["weight"] is not None or event["lading_quantity"] is not None:
                weight = {
                    "weight_qualifier": event["weight_qualifier"],
                    "unit": event["weight_unit"],
                    "weight": text(event["weight"]),
                    "lading_quantity": text(event["lading_quantity"]),
                    "lx": event["assigned_number"],
                }
                if weight not in shipment["weights"]:
                    shipment["weights"].append(weight)
    events = sum(len(s["events"]) for s in shipments.values())
    return {"shipment_count": len(shipments), "event_count": events, "shipments": list(shipments.values())}


def project_210(reads):
    invoices = []
    for read in reads:
        for invoice in read.values:
            invoices.append(
                {
                    "st_control_number": invoice["transaction_control"],
                    "invoice_number": invoice["invoice_number"],
                    "shipment_id": invoice["shipment_id"],
                    "payment_method": invoice["payment_method"],
                    "invoice_date": text(invoice["invoice_date"]),
                    "currency": invoice["currency"],
                    "net_amount_due": money(invoice["net_amount_due"]),
                    "net_amount_due_raw": str(int(invoice["net_amount_due"] * 100)),
                    "delivery_date": text(invoice["delivery_date"]),
                    "date_qualifier_b310": invoice["date_qualifier"],
                    "scac": invoice["scac"],
                    "date_b312": text(invoice["b3_date"]),
                    "references": [
                        {"qualifier": e["qualifier"], "value": e["value"]} for e in invoice["reference_entries"]
                    ],
                    "g62_dates": [{"qualifier": q, "date": text(d)} for q, d in invoice["date_list"]],
                    "parties": project_parties(invoice["party_list"]),
                    "lines": [
                        {
                            "lx": loop["assigned_number"],
                            "descriptions": loop["descriptions"],
                            "weight": text(loop["weight"]),
                            "weight_qualifier": loop["weight_qualifier"],
                            "lading_quantity": text(loop["lading_quantity"]),
                            "packaging_form": loop["packaging"],
                            "references": [
                                {"qualifier": e["qualifier"], "value": e["value"]}
                                | ({"raw": e["elements"]} if "elements" in e else {})
                                for e in loop["reference_entries"]
                            ],
                            "charges": [
                                {
                                    "special_charge_code": line["charge_code"],
                                    "rate": text(line["rate"]),
                                    "rate_qualifier": line["rate_qualifier"],
                                    "amount": money(line["amount"]),
                                    "amount_raw": line["amount_raw"],
                                    "l112": line["special_charge_description"],
                                }
                                for line in loop["lines"]
                            ],
                        }
                        for loop in invoice["lx_loops"]
                    ],
                    "total_charge_l305": money(invoice["total"]),
                    "total_weight_l301": text(invoice["total_weight"]),
                    "total_weight_qualifier_l302": invoice["weight_qualifier"],
                    "sum_of_line_charges": money(invoice["line_total"]),
                    "totals_consistent": invoice["totals_consistent"],
                }
            )
    return {"invoice_count": len(invoices), "invoices": invoices}


def project_997(read):
    return {
        "acknowledgments": [
            {
                "st_control_number": ack.st_control_number,
                "ak1": {"functional_id": ack.functional_id, "group_control_number": ack.group_control_number},
                "ak2_loops": [
                    {
                        "transaction_set": item.id_code,
                        "control_number": item.control_number,
                        "errors": [
                            {
                                "segment": note.segment_id,
                                "position": str(note.position),
                                "loop": note.loop_id or None,
                                "segment_error_code": note.code,
                                "elements": [
                                    {
                                        "position": str(element.position),
                                        "data_element": element.reference or None,
                                        "error_code": element.code,
                                        "bad_value": element.value,
                                    }
                                    for element in note.elements
                                ],
                            }
                            for note in item.notes
                        ],
                        "ak5": {"status": item.status, "error_codes": item.error_codes},
                    }
                    for item in ack.sets
                ],
                "ak9": {
                    "status": ack.status,
                    "included": ack.included,
                    "received": ack.received,
                    "accepted": ack.accepted_count,
                    "error_codes": ack.error_codes,
                },
            }
            for ack in read.acknowledgments
        ]
    }


def corpus_missing(module):
    """True when the corpus directory is missing: the module then defines no test class (scripts/run_tests.py
    and scripts/pyunit.py print the one line saying so)."""
    if os.path.isdir(CORPUS):
        return False
    _logger.debug("%s: X12 corpus tests left out, %s does not exist", module, CORPUS)
    return True


class CorpusCase(BaseCase):
    kind = ""

    def check_file(self, path, data, expected):
        raise NotImplementedError

    def check_corpus(self):
        paths = corpus_files(self.kind)
        self.assertTrue(paths, f"no sample in {CORPUS}/{self.kind}")
        for path in paths:
            with self.subTest(sample=os.path.basename(path)):
                data, expected = load(path)
                self.check_file(path, data, expected)

    def check_envelope(self, interchanges, expected):
        if expected["interchanges"] is not None:
            compare(self, expected["interchanges"], [project_envelope(i) for i in interchanges], "interchanges")
        delimiters = interchanges[0].delimiters
        compare(
            self,
            expected["delimiters"],
            {
                "element": delimiters.element,
                "segment_terminator": delimiters.segment,
                "component": delimiters.component,
            },
            "delimiters",
        )
        check_anomalies(self, expected["control_anomalies"], interchanges)
        self.assertEqual(sum(len(i.transaction_sets) for i in interchanges), expected["transaction_count"])
