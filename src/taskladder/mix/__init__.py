"""``taskladder mix``: merge the weights of an original and fine-tuned model(s), tensor by tensor."""

from .methods import METHODS, MixSpec
from .stream import MixResult, mix_folders

__all__ = ["METHODS", "MixResult", "MixSpec", "mix_folders"]
