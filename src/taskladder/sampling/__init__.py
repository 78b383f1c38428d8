"""Sampling and consensus: normalise sampled answers, majority-vote them, find the consensus
of free-text samples, and shuffle multiple-choice options per sample."""

from .consensus import ConsensusResult, jaccard, similarity_matrix, text_consensus
from .normalise import extract_final_answer, normalise_final_answer, normalise_label, normalise_number
from .shuffle import LETTERS, choice_shuffle_vote, shuffle_choices, unshuffle_answer
from .vote import NORMALISERS, TIE_RULE, VoteResult, majority_vote

__all__ = [
    "ConsensusResult", "jaccard", "similarity_matrix", "text_consensus",
    "extract_final_answer", "normalise_final_answer", "normalise_label", "normalise_number",
    "LETTERS", "choice_shuffle_vote", "shuffle_choices", "unshuffle_answer",
    "NORMALISERS", "TIE_RULE", "VoteResult", "majority_vote",
]
