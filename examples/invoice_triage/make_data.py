"""Generate invoices.csv: short invoice texts, their fields (gold for the extract step) and the
approve / escalate / reject decision the rule in rules.py gives on those fields.

    python examples/invoice_triage/make_data.py   # rewrites invoices.csv beside this file

Seeded, so the file is the same on every run. About a fifth of the invoices write the amount
the European way ("1.234,50"), which the scripted extractor in invoice_bot.py misreads: the
extract step then has real errors for the per-step report to find.
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

from rules import APPROVED_VENDORS, decide

OTHER_VENDORS = ["Shadyco Ltd", "Quickcash Traders", "Nordwind GmbH", "Pixel Barn"]
TEMPLATES = [
    "Invoice from {vendor}. Total due: {amount}. Payment due within {days} days.",
    "{vendor} - invoice #{num}. Amount: {amount}. Please pay within {days} days.",
    "Dear customer, {vendor} bills you {amount} for services rendered; due in {days} days.",
    "INVOICE {num} | vendor: {vendor} | total {amount} | terms: net {days}",
]


def money(amount: float, european: bool) -> str:
    text = f"{amount:,.2f}"
    if european:  # 1,234.50 -> 1.234,50
        text = text.replace(",", "_").replace(".", ",").replace("_", ".")
        return f"EUR {text}"
    return f"${text}"


def make_rows(n: int = 160, seed: int = 7) -> list[dict]:
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        vendor = rng.choice(APPROVED_VENDORS) if rng.random() < 0.8 else rng.choice(OTHER_VENDORS)
        amount = round(rng.choice([rng.uniform(40, 900), rng.uniform(900, 4800), rng.uniform(5200, 20000)]), 2)
        days = rng.choice([3, 5, 7, 10, 14, 30, 30, 45, 60])
        european = rng.random() < 0.2
        text = rng.choice(TEMPLATES).format(vendor=vendor, amount=money(amount, european), days=days,
                                            num=rng.randint(1000, 9999))
        fields = {"amount": amount, "vendor": vendor, "due_days": days}
        rows.append({"id": f"inv{i:03d}", "invoice": text, **fields, "decision": decide(fields)["decision"]})
    return rows


def main() -> None:
    rows = make_rows()
    out = Path(__file__).with_name("invoices.csv")
    with out.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


if __name__ == "__main__":
    main()
