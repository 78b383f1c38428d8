"""The stages of an LLM pipeline, one concept each; ``LLMPipeline`` runs them in order.

demos (pick and pack) → retrieval (context) → render (messages) → guarded (input checks) →
sample (the calls: one, n, or n with shuffled choices) → outcomes (usage and cost) →
parse → vote or judge_select → guarded (output checks).
"""
