"""A byte-level BPE tokenizer trained on the train split, for models built from a config.

Byte-level: no unknown characters, spaces round-trip exactly. The `#...#` tags are added as
normal (non-special) tokens, so decoding with skip_special_tokens keeps them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from transformers import PreTrainedTokenizerFast

from workbench import data as wdata
from workbench import paths

SPECIALS = ["<s>", "<pad>", "</s>", "<unk>"]  # ids 0..3, BART's convention (bos, pad, eos, unk)


def train_tokenizer(texts: Sequence[str], vocab_size: int) -> PreTrainedTokenizerFast:
    """A byte-level BPE trained on `texts`: no unknown characters, spaces round-trip exactly."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors
    from tokenizers.trainers import BpeTrainer

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    tok.train_from_iterator(texts, BpeTrainer(
        vocab_size=vocab_size, special_tokens=SPECIALS,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,  # its bars print blank lines into logs and papermill output
    ))
    tok.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>", pair="<s> $A </s> $B </s>",
        special_tokens=[("<s>", 0), ("</s>", 2)],
    )
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tok, bos_token="<s>", pad_token="<pad>", eos_token="</s>",
        unk_token="<unk>",
    )
    fast.add_tokens(wdata.model_tags(), special_tokens=False)
    return fast


def cached_tokenizer(texts: Sequence[str], vocab_size: int) -> PreTrainedTokenizerFast:
    """`train_tokenizer`, cached under outputs/cache/tokenizers keyed by the texts and size."""
    key = hashlib.sha256()
    key.update(f"{vocab_size}\0{'|'.join(wdata.model_tags())}\0".encode())
    for text in texts:
        key.update(text.encode("utf-8") + b"\0")
    folder = paths.cache("tokenizers") / key.hexdigest()[:16]
    with paths.building(folder, "tokenizer.json") as tmp:  # worker processes build it once
        if tmp is None:
            return PreTrainedTokenizerFast.from_pretrained(folder)
        tokenizer = train_tokenizer(texts, vocab_size)
        tokenizer.save_pretrained(tmp)
    return tokenizer
