"""Scripted stand-ins for two small models, so the example runs offline.

`extract` reads an invoice the way a small model might: right on dollar amounts, wrong on
European ones ("EUR 1.234,50" becomes 1.234, it stops at the comma). `decide` applies the
rule with one slip: an invoice due in exactly 7 days is not treated as urgent. Both count
their calls in CALLS, so a rerun that comes from the cache can be seen to make none.
"""

from __future__ import annotations

import json
import re
from collections import Counter

from rules import APPROVED_VENDORS, ESCALATE_OVER

CALLS: Counter = Counter()

_VENDOR = [
    re.compile(r"Invoice from (.+?)\. Total"),
    re.compile(r"^(.+?) - invoice"),
    re.compile(r"Dear customer, (.+?) bills you"),
    re.compile(r"vendor: (.+?) \|"),
]


def _user(messages: list[dict]) -> str:
    return next(m["content"] for m in reversed(messages) if m["role"] == "user")


def extract(messages: list[dict]) -> str:
    CALLS["extract"] += 1
    text = _user(messages)
    vendor = next((m.group(1) for p in _VENDOR if (m := p.search(text))), "")
    dollars = re.search(r"\$([\d,]+\.\d\d)", text)
    if dollars:
        amount = float(dollars.group(1).replace(",", ""))
    else:
        euros = re.search(r"EUR ([\d.]+)", text)  # the slip: stops at the decimal comma
        amount = float(euros.group(1)) if euros else 0.0
    days = re.search(r"(\d+) days|net (\d+)", text)
    due = int(next(g for g in days.groups() if g)) if days else 30
    return json.dumps({"amount": amount, "vendor": vendor, "due_days": due})


def decide(messages: list[dict]) -> str:
    CALLS["decide"] += 1
    fields = dict(line.split(": ", 1) for line in _user(messages).splitlines() if ": " in line)
    if fields.get("vendor", "").strip().casefold() not in {v.casefold() for v in APPROVED_VENDORS}:
        return "reject"
    if float(fields.get("amount", 0)) > ESCALATE_OVER or float(fields.get("due_days", 99)) < 7:  # the slip
        return "escalate"
    return "approve"
