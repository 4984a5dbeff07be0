"""The loopback TMS speaking SOAP 1.1 (document/literal), with its WSDL."""

import json

from lxml import etree

from .bookings import BookingServer
from .server import Answer, json_answer

SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
TMS_NS = "urn:logistics-finance:tms:v1"

_WSDL_TEMPLATE = """<?xml version="1.0" encoding="UTF-8"?>
<wsdl:definitions name="LoopbackTms" targetNamespace="urn:logistics-finance:tms:v1"
    xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/"
    xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/"
    xmlns:xsd="http://www.w3.org/2001/XMLSchema"
    xmlns:tns="urn:logistics-finance:tms:v1">
  <wsdl:types>
    <xsd:schema targetNamespace="urn:logistics-finance:tms:v1" elementFormDefault="qualified">
      <xsd:complexType name="BookingConfirmation">
        <xsd:sequence>
          <xsd:element name="BookingId" type="xsd:string"/>
          <xsd:element name="TrackingReference" type="xsd:string" minOccurs="0"/>
          <xsd:element name="PlannedPickup" type="xsd:dateTime" minOccurs="0"/>
          <xsd:element name="PlannedDelivery" type="xsd:dateTime" minOccurs="0"/>
        </xsd:sequence>
      </xsd:complexType>
      <xsd:element name="SubmitTransportOrder">
        <xsd:complexType>
          <xsd:sequence>
            <xsd:element name="ShipmentReference" type="xsd:string"/>
            <xsd:element name="Carrier" type="xsd:string" minOccurs="0"/>
            <xsd:element name="Payload" type="xsd:string"/>
          </xsd:sequence>
        </xsd:complexType>
      </xsd:element>
      <xsd:element name="SubmitTransportOrderResponse" type="tns:BookingConfirmation"/>
      <xsd:element name="UpdateTransportOrder">
        <xsd:complexType>
          <xsd:sequence>
            <xsd:element name="BookingId" type="xsd:string"/>
            <xsd:element name="Payload" type="xsd:string"/>
          </xsd:sequence>
        </xsd:complexType>
      </xsd:element>
      <xsd:element name="UpdateTransportOrderResponse" type="tns:BookingConfirmation"/>
      <xsd:element name="CancelTransportOrder">
        <xsd:complexType>
          <xsd:sequence>
            <xsd:element name="BookingId" type="xsd:string"/>
            <xsd:element name="Reason" type="xsd:string" minOccurs="0"/>
          </xsd:sequence>
        </xsd:complexType>
      </xsd:element>
      <xsd:element name="CancelTransportOrderResponse">
        <xsd:complexType>
          <xsd:sequence>
            <xsd:element name="Status" type="xsd:string"/>
          </xsd:sequence>
        </xsd:complexType>
      </xsd:element>
      <xsd:element name="GetBooking">
        <xsd:complexType>
          <xsd:sequence>
            <xsd:element name="BookingId" type="xsd:string"/>
          </xsd:sequence>
        </xsd:complexType>
      </xsd:element>
      <xsd:element name="GetBookingResponse">
        <xsd:complexType>
          <xsd:sequence>
            <xsd:element name="BookingId" type="xsd:string"/>
            <xsd:element name="ShipmentReference" type="xsd:string"/>
            <xsd:element name="Status" type="xsd:string"/>
            <xsd:element name="TrackingReference" type="xsd:string" minOccurs="0"/>
            <xsd:element name="PlannedPickup" type="xsd:dateTime" minOccurs="0"/>
            <xsd:element name="PlannedDelivery" type="xsd:dateTime" minOccurs="0"/>
          </xsd:sequence>
        </xsd:complexType>
      </xsd:element>
      <xsd:element name="Ping">
        <xsd:complexType>
          <xsd:sequence/>
        </xsd:complexType>
      </xsd:element>
      <xsd:element name="PingResponse">
        <xsd:complexType>
          <xsd:sequence>
            <xsd:element name="Status" type="xsd:string"/>
          </xsd:sequence>
        </xsd:complexType>
      </xsd:element>
    </xsd:schema>
  </wsdl:types>
{messages}
  <wsdl:portType name="TmsPortType">
{port_operations}
  </wsdl:portType>
  <wsdl:binding name="TmsBinding" type="tns:TmsPortType">
    <soap:binding style="document" transport="http://schemas.xmlsoap.org/soap/http"/>
{binding_operations}
  </wsdl:binding>
  <wsdl:service name="TmsService">
    <wsdl:port name="TmsPort" binding="tns:TmsBinding">
      <soap:address location="{address}"/>
    </wsdl:port>
  </wsdl:service>
</wsdl:definitions>
"""

SOAP_OPERATIONS = ("SubmitTransportOrder", "UpdateTransportOrder", "CancelTransportOrder", "GetBooking", "Ping")


def tms_wsdl(address):
    """Our TMS WSDL (document/literal, SOAP 1.1) with ``address`` as its ``soap:address``, as bytes."""
    messages, port_operations, binding_operations = [], [], []
    for op in SOAP_OPERATIONS:
        messages.append(
            f'  <wsdl:message name="{op}Request"><wsdl:part name="parameters" element="tns:{op}"/></wsdl:message>\n'
            f'  <wsdl:message name="{op}Response">'
            f'<wsdl:part name="parameters" element="tns:{op}Response"/></wsdl:message>'
        )
        port_operations.append(
            f'    <wsdl:operation name="{op}">\n'
            f'      <wsdl:input message="tns:{op}Request"/>\n'
            f'      <wsdl:output message="tns:{op}Response"/>\n'
            f"    </wsdl:operation>"
        )
        binding_operations.append(
            f'    <wsdl:operation name="{op}">\n'
            f'      <soap:operation soapAction="{TMS_NS}/{op}" style="document"/>\n'
            f'      <wsdl:input><soap:body use="literal"/></wsdl:input>\n'
            f'      <wsdl:output><soap:body use="literal"/></wsdl:output>\n'
            f"    </wsdl:operation>"
        )
    text = _WSDL_TEMPLATE.format(
        messages="\n".join(messages),
        port_operations="\n".join(port_operations),
        binding_operations="\n".join(binding_operations),
        address=address,
    )
    return text.encode()


def _xsd_datetime(value):
    return str(value).replace(" ", "T") if value else None


def soap_envelope(operation_response, fields):
    """A SOAP 1.1 envelope with ``<tns:{operation_response}>`` holding ``fields`` (None skipped)."""
    envelope = etree.Element(f"{{{SOAP_ENV}}}Envelope", nsmap={"soap": SOAP_ENV, "tms": TMS_NS})
    body = etree.SubElement(envelope, f"{{{SOAP_ENV}}}Body")
    response = etree.SubElement(body, f"{{{TMS_NS}}}{operation_response}")
    for name, value in fields:
        if value is not None:
            etree.SubElement(response, f"{{{TMS_NS}}}{name}").text = str(value)
    return etree.tostring(envelope, xml_declaration=True, encoding="UTF-8")


def soap_fault(code, message, detail=None):
    """A SOAP 1.1 Fault envelope; ``code`` ``Client`` or ``Server`` (prefixed with ``soap:``)."""
    envelope = etree.Element(f"{{{SOAP_ENV}}}Envelope", nsmap={"soap": SOAP_ENV})
    body = etree.SubElement(envelope, f"{{{SOAP_ENV}}}Body")
    fault = etree.SubElement(body, f"{{{SOAP_ENV}}}Fault")
    etree.SubElement(fault, "faultcode").text = code if ":" in code else f"soap:{code}"
    etree.SubElement(fault, "faultstring").text = message
    if detail:
        etree.SubElement(etree.SubElement(fault, "detail"), "message").text = detail
    return etree.tostring(envelope, xml_declaration=True, encoding="UTF-8")


class SoapTmsServer(BookingServer):
    """Our SOAP TMS: WSDL at ``/soap?wsdl``, operations posted to ``/soap``."""

    name = "soap-tms"
    soap_path = "/soap"

    def __init__(self, *args, protect_wsdl=False, **kwargs):
        self.protect_wsdl = protect_wsdl
        super().__init__(*args, **kwargs)

    @property
    def address(self):
        return self.url + self.soap_path

    @property
    def wsdl_url(self):
        return self.address + "?wsdl"

    def wsdl_bytes(self):
        return tms_wsdl(self.address)

    def _is_public(self, record):
        return record.method == "GET" and not self.protect_wsdl

    def _parse(self, record):
        if record.method != "POST" or not record.body:
            return
        parser = etree.XMLParser(resolve_entities=False, no_network=True)
        try:
            envelope = etree.fromstring(record.body, parser=parser)
        except etree.XMLSyntaxError:
            return
        body = envelope.find(f"{{{SOAP_ENV}}}Body")
        if body is None or not len(body):
            return
        operation = body[0]
        record.operation = etree.QName(operation).localname
        record.params = {etree.QName(child).localname: child.text for child in operation}

    def _fault_answer(self, behaviour, record):
        fault = behaviour.fault
        code, message = (fault, "scripted fault") if isinstance(fault, str) else fault
        return Answer(500, soap_fault(code, message), "text/xml; charset=utf-8")

    def _apply(self, behaviour_status, record):
        answer = super()._apply(behaviour_status, record)
        if answer and not behaviour_status[0].fault and answer.content_type == "application/json":
            # A gateway in front of a SOAP service answers HTML, not JSON.
            answer = Answer(answer.status, b"<html><body>Service error<br></body></html>", "text/html", answer.headers)
        return answer

    def _route(self, record):
        if record.path != self.soap_path:
            return super()._route(record)
        if record.method == "GET" and "wsdl" in {key.lower() for key in record.query}:
            return Answer(200, self.wsdl_bytes(), "text/xml; charset=utf-8")
        if record.method != "POST":
            return json_answer(405, {"error": "method not allowed"})
        if not record.operation:
            return Answer(500, soap_fault("Client", "not a SOAP envelope"), "text/xml; charset=utf-8")
        handler = getattr(self, f"_op_{record.operation}", None)
        if handler is None:
            return Answer(500, soap_fault("Client", f"unknown operation {record.operation}"), "text/xml")
        key = record.headers.get("Idempotency-Key")
        replayed = self.store.replay(key) if key else None
        if replayed:
            return Answer(replayed.status, replayed.body, replayed.content_type, {"Idempotent-Replayed": "true"})
        answer = handler(record.params)
        if key and record.operation in ("SubmitTransportOrder", "UpdateTransportOrder") and answer.status < 500:
            self.store.remember(key, answer)
        return answer

    @staticmethod
    def _xml(operation, fields):
        return Answer(200, soap_envelope(f"{operation}Response", fields), "text/xml; charset=utf-8")

    def _confirmation(self, operation, booking):
        return self._xml(
            operation,
            [
                ("BookingId", booking["booking_id"]),
                ("TrackingReference", booking.get("tracking_reference")),
                ("PlannedPickup", _xsd_datetime(booking.get("planned_pickup"))),
                ("PlannedDelivery", _xsd_datetime(booking.get("planned_delivery"))),
            ],
        )

    @staticmethod
    def _payload(params):
        try:
            payload = json.loads(params.get("Payload") or "{}")
        except ValueError:
            return None
        return payload if isinstance(payload, dict) else None

    def _op_SubmitTransportOrder(self, params):
        payload = self._payload(params)
        if payload is None:
            return Answer(500, soap_fault("Client", "Payload is not a JSON object"), "text/xml")
        payload.setdefault("reference", params.get("ShipmentReference"))
        if not payload.get("reference"):
            return Answer(500, soap_fault("Client", "ShipmentReference is required"), "text/xml")
        return self._confirmation("SubmitTransportOrder", self.store.book(payload, self.booking_extra))

    def _op_UpdateTransportOrder(self, params):
        booking = self.store.update(params.get("BookingId"), self._payload(params) or {})
        if not booking:
            return Answer(500, soap_fault("Client", f"unknown booking {params.get('BookingId')}"), "text/xml")
        return self._confirmation("UpdateTransportOrder", booking)

    def _op_CancelTransportOrder(self, params):
        booking = self.store.cancel(params.get("BookingId"))
        if not booking:
            return Answer(500, soap_fault("Client", f"unknown booking {params.get('BookingId')}"), "text/xml")
        return self._xml("CancelTransportOrder", [("Status", "CANCELLED")])

    def _op_GetBooking(self, params):
        booking = self.store.find(params.get("BookingId"))
        if not booking:
            return Answer(500, soap_fault("Client", f"unknown booking {params.get('BookingId')}"), "text/xml")
        return self._xml(
            "GetBooking",
            [
                ("BookingId", booking["booking_id"]),
                ("ShipmentReference", booking["reference"]),
                ("Status", booking["status"].upper()),
                ("TrackingReference", booking.get("tracking_reference")),
                ("PlannedPickup", _xsd_datetime(booking.get("planned_pickup"))),
                ("PlannedDelivery", _xsd_datetime(booking.get("planned_delivery"))),
            ],
        )

    def _op_Ping(self, params):
        return self._xml("Ping", [("Status", "OK")])
