"""ALBERT Studio's engine: sizes, tokenizers, data, training, evaluation and prediction.

Never imports Qt: usable from scripts, notebooks, the command line and torchrun.
"""

__version__ = "0.1.0"
