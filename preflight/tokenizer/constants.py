"""nanochat's tokenizer constants, kept in one place.

They are identical in every nanochat era (v0 Oct 2025 through HEAD Jul 2026): the trainer in
`tokenizer_training` writes them and the checks in `tokenizer` compare a user's tokenizer against them.
"""

# The 9 special tokens, appended after the BPE merges: `<|bos|>` is id n_vocab - 9.
SPECIAL_TOKENS = (
    "<|bos|>",
    "<|user_start|>",
    "<|user_end|>",
    "<|assistant_start|>",
    "<|assistant_end|>",
    "<|python_start|>",
    "<|python_end|>",
    "<|output_start|>",
    "<|output_end|>",
)

# GPT-4's split pattern with numbers grouped in runs of at most 2 digits (\p{N}{1,2}, not {1,3}).
SPLIT_PATTERN = (
    r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}+|\p{N}{1,2}| ?[^\s\p{L}\p{N}]++[\r\n]*"""
    r"""|\s*[\r\n]|\s+(?!\S)|\s+"""
)

# tok_train.py's defaults: documents are cropped to this many characters before training.
DOC_CAP_CHARS = 10_000
