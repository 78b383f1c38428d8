"""The decision rule, as plain code: the `decide` step of steps.yaml (and how the gold
decisions in invoices.csv were made). A rule this simple does not need a model at all.
"""

from __future__ import annotations

APPROVED_VENDORS = ["Acme Corp", "Globex", "Initech", "Umbrella Supplies", "Stark Office"]
ESCALATE_OVER = 5000.0  # amounts above this need a second pair of eyes
URGENT_DAYS = 7  # so do invoices due within a week


def decide(fields: dict) -> dict:
    vendor = str(fields["vendor"]).strip().casefold()
    if vendor not in {v.casefold() for v in APPROVED_VENDORS}:
        return {"decision": "reject"}
    if float(fields["amount"]) > ESCALATE_OVER or float(fields["due_days"]) <= URGENT_DAYS:
        return {"decision": "escalate"}
    return {"decision": "approve"}
