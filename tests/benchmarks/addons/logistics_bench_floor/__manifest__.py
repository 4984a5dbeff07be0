{
    "name": "Logistics Benchmark: Journal Floor",
    "summary": "The cost of one bare journal row, for figure 1 of make bench (benchmark databases only)",
    "version": "18.0.1.0.0",
    "category": "Hidden/Tests",
    "license": "LGPL-3",
    "author": "Logistics-Finance Suite",
    "depends": ["logistics_connector"],
    "data": [],
    "installable": True,
}
