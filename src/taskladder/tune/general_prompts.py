"""General instructions for replay when the user has no general data of their own.

Fine-tuning a small model on one task makes it forget how to do anything else (and a model
that only ever answers a label is a poor base for the next task). Replay mixes general
examples into the training set; with none at hand, ``tune --replay-ratio`` asks the base
model itself to answer these prompts, so the tuned model is pulled back towards what it
already did (tune/replay.py). They are written for this package: short, varied (writing,
explaining, rewriting, lists, arithmetic, code, advice), and answerable in a few sentences.
"""

from __future__ import annotations

GENERAL_PROMPTS: tuple[str, ...] = (
    "Explain in two sentences why the sky is blue.",
    "Write a short, polite email asking a colleague to move our meeting to Thursday.",
    "Give three tips for staying focused while working from home.",
    "What is the difference between weather and climate?",
    "Rewrite this sentence to be more concise: 'At this point in time we are not able to offer a refund.'",
    "Summarise the plot of Little Red Riding Hood in one sentence.",
    "List four fruits that are high in vitamin C.",
    "How many minutes are there in three and a half hours?",
    "Write a Python function that returns the largest number in a list.",
    "Suggest a name for a small bakery that specialises in bread.",
    "What does a thermometer measure?",
    "Translate 'good morning' into French and Spanish.",
    "Give a one-line definition of photosynthesis.",
    "Write a haiku about autumn leaves.",
    "What are two advantages of riding a bicycle to work?",
    "Explain what a password manager does, for someone who has never used one.",
    "Turn this into a question: 'The train leaves at seven.'",
    "If a shirt costs $20 and is 25% off, what is the sale price?",
    "Name three planets in our solar system and one fact about each.",
    "Write a friendly reminder that the library closes early on Friday.",
    "What is the capital of Japan?",
    "Describe a healthy breakfast in two sentences.",
    "Correct the grammar: 'She don't like apples.'",
    "Give an example of a renewable energy source and explain why it is renewable.",
    "What should you do if you forget your umbrella and it starts to rain?",
    "Write a SQL query that counts the rows in a table called orders.",
    "Explain the rule of thumb 'measure twice, cut once'.",
    "List the steps to boil an egg.",
    "What is the opposite of 'generous'?",
    "Write a two-sentence story about a lost cat that finds its way home.",
    "Why do we have leap years?",
    "Give three ideas for a rainy-day activity with children.",
    "Explain what an API is in one short paragraph.",
    "Convert 10 kilometres to miles, roughly.",
    "What is a good way to start a conversation with a new neighbour?",
    "Sort these words alphabetically: pear, apple, mango, banana.",
    "Write a thank-you note to a teacher.",
    "What causes the tides?",
    "Give two reasons to back up your computer's files.",
    "Describe the colour green to someone in one sentence.",
)
