"""Writes qa.csv and models.yaml for the manual-QA example (run: python make_data.py).

The manual in docs/ describes a fictional thermostat, so no model can know the answers
without reading it. Each row names its gold `source` (document#section) and a
`gold_passage` (the sentence the answer rests on), so retrieval reports recall@k.

models.yaml gets a scripted "reader": for each question it answers correctly only when the
retrieved context in the prompt contains the gold passage, and says "I don't know"
otherwise. It behaves like a model that needs RAG, deterministically and offline.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
GS, WIFI, SCHED = "docs/getting_started.md", "docs/wifi_and_app.md", "docs/schedules.html"
TROUBLE, SPECS = "docs/troubleshooting.md", "docs/specifications.txt"

# (question, answer, source, gold passage)
ROWS = [
    ("What comes in the Nimbus T3 box?",
     "the display, a base plate, a C-wire adapter, four wall screws, two wall anchors and wire labels",
     f"{GS}#What's in the box", "The box contains the Nimbus T3 display, a base plate, a C-wire adapter"),
    ("Can I use the Nimbus T3 with a 240 V electric baseboard heater?", "No",
     f"{GS}#Compatibility", "It does not work with line-voltage (120 V or 240 V) electric baseboard heaters."),
    ("Does the thermostat support heat pumps?", "Yes, heat pumps with auxiliary heat",
     f"{GS}#Compatibility", "including gas furnaces, heat pumps with auxiliary heat, and hot-water boilers"),
    ("How long does installation usually take?", "about 30 minutes",
     f"{GS}#Installation", "A typical installation takes about 30 minutes"),
    ("What should I do before disconnecting the old thermostat's wires?",
     "take a photo of the wiring and tag each wire with the supplied labels",
     f"{GS}#Installation", "Take a photo of the wiring of your old thermostat and tag each wire with the supplied wire labels."),
    ("My house has no common wire. What do I do?", "fit the C-wire adapter inside the furnace control panel",
     f"{GS}#The C-wire adapter", "fit the C-wire adapter inside the furnace control panel"),
    ("How many days can the thermostat run on battery without a C-wire?", "up to 3 days",
     f"{GS}#The C-wire adapter", "runs on its internal battery for up to 3 days"),
    ("How many digits does the lock PIN have?", "four",
     f"{GS}#First start", "a four-digit lock PIN"),
    ("How do I confirm the language on first start?", "press the dial",
     f"{GS}#First start", "turn the dial to choose a language and press the dial to confirm"),
    ("Why doesn't my 5 GHz network show up?", "the Nimbus T3 connects to 2.4 GHz Wi-Fi networks only",
     f"{WIFI}#Connecting to Wi-Fi", "The Nimbus T3 connects to 2.4 GHz Wi-Fi networks only"),
    ("How long is a pairing code valid?", "10 minutes",
     f"{WIFI}#Pairing with the app", "Pairing codes expire after 10 minutes"),
    ("How can I get a new pairing code?", "open Settings > Network > Pair again on the thermostat",
     f"{WIFI}#Pairing with the app", "open Settings > Network > Pair again on the thermostat to show a new one"),
    ("How many people can control one thermostat?", "8",
     f"{WIFI}#Pairing with the app", "Up to 8 household members can control the same thermostat."),
    ("When are firmware updates installed?", "between 2 am and 4 am local time",
     f"{WIFI}#Firmware updates", "Firmware updates install automatically between 2 am and 4 am local time."),
    ("How long does the restart after an update take?", "about 4 minutes",
     f"{WIFI}#Firmware updates", "which takes about 4 minutes"),
    ("Do I lose my schedules when the firmware updates?", "No, schedules and settings are kept",
     f"{WIFI}#Firmware updates", "keeps your schedules and settings"),
    ("When does the energy report arrive?", "on the first day of each month",
     f"{WIFI}#Energy reports", "The app sends a monthly energy report on the first day of each month."),
    ("What happens to heating if the internet goes down?", "it keeps following its last saved schedule",
     f"{WIFI}#When the connection drops", "the thermostat keeps following its last saved schedule"),
    ("How many temperature changes per day can a schedule have?", "6",
     f"{SCHED}#Weekly schedule", "A schedule can have up to 6 temperature changes per day."),
    ("How do I copy a schedule to other days?", "press and hold the day's name in the app",
     f"{SCHED}#Weekly schedule", "pressing and holding the day's name in the app"),
    ("By how much does Eco mode lower the heating setpoint?", "2 °C",
     f"{SCHED}#Eco mode", "Eco mode lowers the heating setpoint by 2 °C"),
    ("What does the green leaf icon mean?", "Eco mode is on",
     f"{SCHED}#Eco mode", "A green leaf icon on the display shows that Eco mode is on."),
    ("After how long without motion does Away mode start?", "2 hours",
     f"{SCHED}#Away mode", "detects nobody for 2 hours"),
    ("What temperature does Away mode hold for heating?", "16 °C",
     f"{SCHED}#Away mode", "holds 16 °C for heating and 29 °C for cooling"),
    ("What ends Away mode?", "the motion sensor detecting someone",
     f"{SCHED}#Away mode", "Away mode ends as soon as the motion sensor detects someone."),
    ("What is the longest vacation hold?", "90 days",
     f"{SCHED}#Vacation hold", "Vacation hold keeps one fixed temperature for up to 90 days."),
    ("How do I keep a temperature indefinitely?", "press the dial twice to start a permanent hold",
     f"{SCHED}#Temporary and permanent holds", "press the dial twice to start a permanent hold"),
    ("What does error E1 mean?", "no power",
     f"{TROUBLE}#E1 No power", "The thermostat is not receiving 24 V power."),
    ("The display says E2. What is wrong?", "a wiring fault",
     f"{TROUBLE}#E2 Wiring fault", "Two terminals are connected that should not be, or a required wire is missing."),
    ("What should I do if E3 keeps coming back after a restart?", "contact Halvard support for a replacement",
     f"{TROUBLE}#E3 Temperature sensor fault", "if E3 comes back, contact Halvard support for a replacement"),
    ("What does E4 mean?", "Wi-Fi authentication failed: the password was rejected",
     f"{TROUBLE}#E4 Wi-Fi authentication failed", "The Wi-Fi password was rejected."),
    ("What battery level triggers E5?", "below 10 percent",
     f"{TROUBLE}#E5 Low battery", "The internal battery is below 10 percent and no C-wire power is detected."),
    ("At what internal temperature does overheat protection pause heating?", "more than 40 °C",
     f"{TROUBLE}#E6 Overheat protection", "The thermostat measured more than 40 °C inside its case and paused heating."),
    ("How do I restart the thermostat?", "hold the dial down for 10 seconds",
     f"{TROUBLE}#Restarting and resetting", "hold the dial down for 10 seconds until the display goes dark"),
    ("What does a factory reset erase?", "schedules, Wi-Fi settings and the app pairing",
     f"{TROUBLE}#Restarting and resetting", "A factory reset erases schedules, Wi-Fi settings and the app pairing."),
    ("I forgot my lock PIN. How do I get in?", "use the one-time recovery code from Device > Security in the app",
     f"{TROUBLE}#Forgotten lock PIN", "go to Device > Security, which shows a one-time recovery code"),
    ("The screen is blank, what should I try first?", "press the dial once to wake it",
     f"{TROUBLE}#The display is blank", "Press the dial once to wake it"),
    ("How long is the warranty?", "2 years",
     SPECS, "The Nimbus T3 has a 2-year limited warranty from the date of purchase."),
    ("Where can I find the serial number?", "on the back of the display and under Settings > About",
     SPECS, "The serial number is printed on the back of the display"),
    ("What is the lowest temperature I can set?", "5 °C",
     SPECS, "Setpoint range: 5 °C to 32 °C"),
    ("How much does the thermostat weigh?", "180 g",
     SPECS, "96 x 96 x 24 mm, 180 g"),
    ("Is Bluetooth used after setup?", "No, only during setup",
     SPECS, "Bluetooth Low Energy 5.0, used only during setup"),
    ("Who should I email to make a warranty claim?", "support@halvard.example",
     SPECS, "email support@halvard.example with the serial number and the proof of purchase"),
    ("How can I get a 3-year warranty?", "have a certified Halvard installer fit the thermostat",
     SPECS, "When a certified Halvard installer fits the thermostat, the warranty is extended to 3 years."),
]


def _literal(text: str) -> str:
    # re.escape also escapes spaces, which are literal anyway without re.VERBOSE; unescaped
    # spaces keep the rules readable in models.yaml.
    return re.escape(text).replace("\\ ", " ")


def reader_rules() -> list[dict[str, str]]:
    """One rule per question: the gold passage somewhere in the context, then the question."""
    return [
        {"regex": rf"(?s)Context:.*{_literal(passage)}.*\nInput:\n{_literal(question)}", "answer": answer}
        for question, answer, _, passage in ROWS
    ]


def main() -> None:
    with open(HERE / "qa.csv", "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["id", "question", "answer", "source", "gold_passage"])
        for i, row in enumerate(ROWS, start=1):
            writer.writerow([f"q{i:02d}", *row])
    models = {
        "models": [
            {
                "name": "manual-reader",
                "model": "scripted",
                "script": {"rules": reader_rules(), "default": "I don't know"},
            }
        ]
    }
    header = (
        "# Generated by make_data.py. `manual-reader` is a scripted model that answers a question\n"
        "# only when the retrieved context contains its gold passage: it needs RAG to score.\n"
    )
    text = yaml.safe_dump(models, sort_keys=False, allow_unicode=True, width=1000)
    (HERE / "models.yaml").write_text(header + text, encoding="utf-8")


if __name__ == "__main__":
    main()
