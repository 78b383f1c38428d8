"""Generate the bundled support-ticket routing data (deterministic, no download).

Run: python examples/support_tickets/make_data.py   (writes tickets.csv beside this file)

Messages are built from templates with slot fillers and typos; about a third raise a
second issue after the first (the first one decides the team), and 3% of the historical
labels are misrouted, so the task is easy to start on but not trivial.
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

INTENTS = {
    "lost_card": [
        "I lost my {card} {when}, can you block it?",
        "my {card} is gone, i think it was stolen {when}",
        "Someone took my wallet with the {card} inside, please freeze it",
        "can't find my {card} anywhere since {when}",
        "please cancel my {card}, it went missing {when}",
    ],
    "refund_request": [
        "I want my money back for order {order}",
        "please refund the {item} I returned {when}",
        "how long until I get the refund for {order}?",
        "the {item} was broken, I need a refund",
        "still waiting for my refund on order {order}, it's been {days} days",
    ],
    "password_reset": [
        "I forgot my password and can't log in",
        "the reset link for my password {problem}",
        "how do I change my password on the {platform}?",
        "locked out of my account after too many attempts on the {platform}",
        "password reset email {problem}",
    ],
    "shipping_delay": [
        "where is my order {order}? it was due {when}",
        "my {item} still hasn't arrived after {days} days",
        "tracking for {order} hasn't updated since {when}",
        "the delivery of my {item} is late",
        "package {order} is stuck in transit",
    ],
    "billing_error": [
        "I was charged twice for order {order}",
        "there is a charge on my {card} I don't recognise",
        "my invoice shows the wrong amount for the {item}",
        "why was I billed {amount} {when}?",
        "you took {amount} from my {card} but the {item} was cancelled",
    ],
    "cancel_subscription": [
        "please cancel my subscription",
        "how do I stop the monthly plan before the next charge?",
        "I don't want the premium plan anymore, cancel it {when}",
        "end my membership, I'm not using it",
        "turn off auto-renewal on my account on the {platform}",
    ],
    "technical_issue": [
        "the {platform} crashes when I open my orders",
        "I get an error {code} when I try to pay",
        "the checkout button does nothing on the {platform}",
        "your {platform} keeps logging me out",
        "pages won't load on the {platform} since {when}",
    ],
}

SLOTS = {
    "card": ["card", "debit card", "credit card", "visa card", "bank card"],
    "when": ["yesterday", "this morning", "last week", "on Monday", "two days ago", "last night"],
    "order": ["#{}".format(n) for n in range(10231, 10291, 7)],
    "item": ["headphones", "jacket", "blender", "phone case", "shoes", "lamp", "backpack"],
    "days": ["5", "10", "12", "14", "20"],
    "problem": ["never arrives", "has expired", "doesn't work", "goes to spam", "says invalid token"],
    "platform": ["app", "website", "iPhone app", "Android app", "web portal"],
    "amount": ["$19.99", "$45", "€12.50", "$120"],
    "code": ["500", "E42", "403", "timeout"],
}

TYPOS = {"my": "mi", "the": "teh", "order": "oder", "password": "pasword", "please": "pls", "card": "crad"}


SECONDARY = ["Also,", "And by the way", "Oh and", "Separately,", "Plus"]


def fill(template: str, rng: random.Random) -> str:
    return template.format(**{k: rng.choice(v) for k, v in SLOTS.items()})


def noisy(text: str, rng: random.Random) -> str:
    words = text.split()
    for i, w in enumerate(words):
        if w in TYPOS and rng.random() < 0.15:
            words[i] = TYPOS[w]
    text = " ".join(words)
    if rng.random() < 0.3:
        text = text.lower()
    if rng.random() < 0.2:
        text = text.rstrip("?.!") + rng.choice(["!!", " thanks", " asap", " :(", ""])
    return text


def generate(n_per_intent: int = 80, seed: int = 0) -> list[dict[str, str]]:
    rng = random.Random(seed)
    rows, seen = [], set()
    for intent, templates in INTENTS.items():
        made = 0
        while made < n_per_intent:
            text = fill(rng.choice(templates), rng)
            label = intent
            if rng.random() < 0.3:
                # Many real tickets raise two issues; the team is decided by the first one.
                other = rng.choice([i for i in INTENTS if i != intent])
                text = f"{text.rstrip('?.!')}. {rng.choice(SECONDARY)} {fill(rng.choice(INTENTS[other]), rng)}"
            if rng.random() < 0.03:
                label = rng.choice([i for i in INTENTS if i != intent])  # misrouted in the history
            text = noisy(text, rng)
            if text in seen:
                continue
            seen.add(text)
            rows.append({"id": f"t{len(rows) + 1:04d}", "message": text, "intent": label})
            made += 1
    rng.shuffle(rows)
    return rows


def main() -> None:
    out = Path(__file__).with_name("tickets.csv")
    rows = generate()
    with out.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=["id", "message", "intent"])
        writer.writeheader()
        writer.writerows(rows)
    print(f"wrote {len(rows)} rows to {out}")


if __name__ == "__main__":
    main()
