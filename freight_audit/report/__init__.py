from . import freight_carrier_scorecard, freight_spend_report
