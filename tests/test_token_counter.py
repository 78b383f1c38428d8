"""One token counter for every command: `validate` and the ladder agree, with the model's own
tokenizer when one is registered (local models)."""

from __future__ import annotations

from taskladder.finetune.tokens import make_counter
from taskladder.prompt.tokens import count_message_tokens, count_text_tokens
from taskladder.tokenizers import message_counter, register_tokenizer

MESSAGES = [{"role": "system", "content": "Classify the text. 日本語のテキスト, émigré"},
            {"role": "user", "content": "the film was great number 4 — très bien"}]


def test_validate_and_the_ladder_count_gpt_4o_mini_alike_with_o200k():
    counter = make_counter("gpt-4o-mini")
    assert counter.name == "o200k_base"  # litellm's own counter says cl100k_base for this model
    assert counter.count(MESSAGES) == count_message_tokens(MESSAGES, "gpt-4o-mini")
    assert count_message_tokens(MESSAGES, "openai/gpt-4o-mini") == counter.count(MESSAGES)


def test_a_registered_tokenizer_is_used_by_every_command():
    class CharCounter:
        name = "chars"

        def count(self, messages, tools=None):
            return sum(len(m["content"]) for m in messages)

        def count_texts(self, texts):
            return [len(t) for t in texts]

    register_tokenizer(lambda model: CharCounter() if model.startswith("local/") else None)
    try:
        expected = sum(len(m["content"]) for m in MESSAGES)
        assert make_counter("local/my-model").count(MESSAGES) == expected
        assert count_message_tokens(MESSAGES, "local/my-model") == expected
        assert message_counter("gpt-4o-mini").name == "o200k_base"  # other models untouched
        assert count_text_tokens(["abcd"], "local/other") == [4]
    finally:
        from taskladder import tokenizers

        tokenizers._REGISTERED.clear()
        message_counter.cache_clear()
