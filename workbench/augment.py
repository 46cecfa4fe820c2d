"""Training-data augmentation: new (dialogue, summary) pairs added to the train split per trial.

A trial's strategy is `hparams.augmentation_strategy` when `hparams.use_augmentation` is true.
Each strategy combines operations, each made once per (rows, settings, seed) and cached:

- model-based (the reference's choices; the models are named in the `augment:` config section):
  `paraphrase` (a seq2seq or causal model rewrites every turn and the summary), `backtranslation`
  (Korean -> pivot language -> Korean, the dialogue and its summary through the same models),
  `both` (half of the augmented rows from each);
- model-free (no model, no network; usable on the embedded default): `speaker_swap`,
  `turn_noise`, `model_free` (half of the augmented rows from each).

`augment.share` x the train rows are picked (seeded); a combined strategy hands the picked rows
out round-robin to its operations, each of which is cached over all picked rows, so `both`
reuses the `paraphrase` and `backtranslation` entries. Dev and test are never augmented.

`#...#` tags never reach a model: each becomes a numbered placeholder (`augment.placeholder`)
that is put back afterwards, and speaker prefixes (`#Person1#: `) stay outside the model's
input. A pair whose rewritten text does not hold exactly its original tags is dropped and
counted. Cache entries live under outputs/cache/augment, are written atomically under a file
lock (threads, worker processes) and carry a content hash: a corrupt entry is rebuilt.
"""

from __future__ import annotations

import gc
import hashlib
import json
import os
import random
import re
import threading
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from workbench import data as wdata
from workbench import paths
from workbench.config import ConfigError

FORMAT_VERSION = 1  # bump when an operation's output changes for the same inputs

# Strategy -> the operations it combines (each on its share of the picked rows).
STRATEGIES: dict[str, tuple[str, ...]] = {
    "none": (),
    "paraphrase": ("paraphrase",),
    "backtranslation": ("backtranslation",),
    "both": ("paraphrase", "backtranslation"),
    "speaker_swap": ("speaker_swap",),
    "turn_noise": ("turn_noise",),
    "model_free": ("speaker_swap", "turn_noise"),
}
MODEL_FREE = tuple(s for s, ops in STRATEGIES.items() if not set(ops) & {"paraphrase",
                                                                         "backtranslation"})
# The `augment.*` keys an operation needs set, and what each names.
NEEDS: dict[str, tuple[tuple[str, str], ...]] = {
    "paraphrase": (("paraphrase_model", "a seq2seq or causal paraphrase model"),),
    "backtranslation": (("to_pivot_model", "a Korean -> pivot-language translation model"),
                        ("from_pivot_model", "a pivot-language -> Korean translation model")),
}

_TURN_RE = re.compile(r"^(#[A-Za-z][A-Za-z0-9]*#:)\s?(.*)$")
_HANGUL_WORD_RE = re.compile(r"[\uac00-\ud7a3]{3,}")
_FILLERS = ("음… ", "아, ", "어… ", "그… ")
_LAUGHS = (" ㅋㅋ", " ㅎㅎ", " ㅠㅠ")


# --------------------------------------------------------------------------- configuration


def active_strategy(hp: Mapping[str, Any]) -> str:
    """The strategy a trial trains with: augmentation_strategy when use_augmentation, else none."""
    return hp["augmentation_strategy"] if hp["use_augmentation"] else "none"


def missing_models(strategy: str, aug: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(augment key, what it names) of each model `strategy` needs that the config lacks."""
    return [(key, what) for op in STRATEGIES[strategy] for key, what in NEEDS.get(op, ())
            if not aug[key]]


def check_config(config: Mapping[str, Any], searched: Sequence[Any]) -> None:
    """Refuse, before any work, an augmentation that cannot run: unknown strategies, a strategy
    whose model the `augment:` section does not name, or values out of range."""
    hp, aug = config["hparams"], config["augment"]
    names = {p.name: p for p in searched}
    allowed = ", ".join(STRATEGIES)
    if "augmentation_strategy" in names:
        where = "search.params: augmentation_strategy"
        choices = list(names["augmentation_strategy"].choices)
        for choice in choices:
            if choice not in STRATEGIES:
                raise ConfigError(f"{where}: choice {choice!r} is not a strategy; strategies: "
                                  f"{allowed}")
    else:
        where = "hparams.augmentation_strategy"
        choices = [hp["augmentation_strategy"]]
        if choices[0] not in STRATEGIES:
            raise ConfigError(f"{where}: {choices[0]!r} is not one of {allowed}")
    _check_section(aug)
    if not hp["use_augmentation"] and "use_augmentation" not in names:
        if "augmentation_strategy" in names:
            raise ConfigError(f"{where} is searched but hparams.use_augmentation is false and not "
                              "searched: set hparams.use_augmentation: true (or search it)")
        if choices[0] != "none":
            raise ConfigError(f"{where}: {choices[0]!r} has no effect while "
                              "hparams.use_augmentation is false; set use_augmentation: true")
        return
    how = "searched" if "augmentation_strategy" in names else "set in hparams"
    for choice in choices:
        for key, what in missing_models(choice, aug):
            raise ConfigError(
                f"augment.{key}: augmentation_strategy {choice!r} ({how}) needs {what}; set "
                f"augment.{key} (a Hub id or a local folder) in the preset or the overrides, or "
                f"use a model-free strategy ({', '.join(MODEL_FREE)})")


def _check_section(aug: Mapping[str, Any]) -> None:
    """Ranges and formats of the `augment:` keys (types are checked by the config merge)."""
    if not 0 < aug["share"] <= 1:
        raise ConfigError(f"augment.share: must be > 0 and <= 1, got {aug['share']}")
    if not 0 < aug["noise_rate"] <= 1:
        raise ConfigError(f"augment.noise_rate: must be > 0 and <= 1, got {aug['noise_rate']}")
    for key in ("batch_size", "max_input_tokens"):
        if aug[key] < 1:
            raise ConfigError(f"augment.{key}: must be >= 1, got {aug[key]}")
    ph = aug["placeholder"]
    if ph.count("{i}") != 1 or "#" in ph or ph.replace("{i}", "").strip() == "":
        raise ConfigError(f"augment.placeholder: needs exactly one {{i}} slot, some text around "
                          f"it and no '#'; got {ph!r}")
    if (aug["source_lang"] is None) != (aug["pivot_lang"] is None):
        raise ConfigError("augment.source_lang / augment.pivot_lang: set both (a multilingual "
                          "translation model) or neither (one model per direction)")
    if aug["paraphrase_prompt"].count("{text}") != 1:
        raise ConfigError(f"augment.paraphrase_prompt: needs exactly one {{text}} slot; got "
                          f"{aug['paraphrase_prompt']!r}")
    for key in ("translation_generation", "paraphrase_generation"):
        gen = aug[key]
        if gen["num_beams"] < 1 or gen["max_new_tokens"] < 1:
            raise ConfigError(f"augment.{key}: num_beams and max_new_tokens must be >= 1")


# --------------------------------------------------------------------------- tags and turns


def protect(text: str, placeholder: str) -> tuple[str, list[str]]:
    """Replace each #...# tag by placeholder(i), i counting from 0; returns the text and tags."""
    tags: list[str] = []

    def swap(m: re.Match[str]) -> str:
        tags.append(m.group(0))
        return placeholder.format(i=len(tags) - 1)

    return wdata.TAG_RE.sub(swap, text), tags


def unprotect(text: str, tags: Sequence[str], placeholder: str) -> str:
    """Put the tags back for every placeholder a model kept (spaces inside it are tolerated)."""
    head, tail = placeholder.split("{i}")
    pattern = re.compile(rf"{_loose(head)}\s*(\d+)\s*{_loose(tail)}")

    def back(m: re.Match[str]) -> str:
        i = int(m.group(1))
        return tags[i] if i < len(tags) else m.group(0)

    return pattern.sub(back, text)


def _loose(part: str) -> str:
    """A regex for `part` that also matches it with spaces a tokenizer put between characters."""
    return r"\s*".join(re.escape(c) for c in part.strip())


def same_tags(source: str, rewritten: str) -> bool:
    """Whether `rewritten` holds exactly the #...# tags of `source` (same counts, any order)."""
    return Counter(wdata.TAG_RE.findall(source)) == Counter(wdata.TAG_RE.findall(rewritten))


def split_turns(dialogue: str) -> list[tuple[str, str]]:
    """(speaker prefix or '', text) per line of the minimally cleaned dialogue."""
    out = []
    for line in wdata.clean_text(dialogue, "minimal").split("\n"):
        m = _TURN_RE.match(line)
        out.append((m.group(1), m.group(2)) if m else ("", line))
    return out


def join_turns(turns: Sequence[tuple[str, str]]) -> str:
    """Inverse of split_turns."""
    return "\n".join(f"{p} {t}" if p else t for p, t in turns)


# --------------------------------------------------------------------------- model-free operations


def swap_speakers(dialogue: str, summary: str, rng: random.Random) -> tuple[str, str] | None:
    """Rename the dialogue's speakers by a permutation that is not the identity, in the
    dialogue and the summary alike (two speakers: #Person1# <-> #Person2#).

    The summary stays true: it names people only by these tags, and every tag is renamed the
    same way in both texts. It teaches that a tag is a name, not a role (#Person1# is not
    always the one who asks). None when the dialogue has fewer than two speakers.
    """
    speakers = list(dict.fromkeys(m.group(0) for m in wdata.PERSON_RE.finditer(dialogue)))
    if len(speakers) < 2:
        return None
    order = speakers[::-1] if len(speakers) == 2 else speakers[:]
    while order == speakers:
        rng.shuffle(order)
    mapping = dict(zip(speakers, order, strict=True))
    return wdata.apply_map(dialogue, mapping), wdata.apply_map(summary, mapping)


def noisy_turns(dialogue: str, rate: float, rng: random.Random) -> str:
    """Perturb `rate` of the turns (at least one), each in one way: a filler at its start
    (음…, 아, ...), laughter or crying at its end (ㅋㅋ, ㅎㅎ, ㅠㅠ), or two adjacent syllables
    swapped inside one Hangul word of three or more syllables (a typo).

    The summary stays true: these add or remove no fact (no name, number, speaker or #...# tag
    is touched) and are the kinds of noise the real train split already holds, so the model
    learns to read through them. Note that noise_removal_level moderate/aggressive deletes
    laughter and fillers again before the model sees them.
    """
    turns = split_turns(dialogue)
    picked = rng.sample(range(len(turns)), max(1, round(rate * len(turns))))
    for i in picked:
        prefix, text = turns[i]
        kind = rng.choice(("filler", "laugh", "typo"))
        words = list(_HANGUL_WORD_RE.finditer(text))
        if kind == "typo" and words:
            w = rng.choice(words)
            j = rng.randrange(w.start(), w.end() - 1)
            text = text[:j] + text[j + 1] + text[j] + text[j + 2:]
        elif kind == "filler":
            text = rng.choice(_FILLERS) + text
        else:
            text = text + rng.choice(_LAUGHS)
        turns[i] = (prefix, text)
    return join_turns(turns)


# --------------------------------------------------------------------------- model-based operations


def load_model(name: str, device: Any) -> tuple[Any, Any, bool]:
    """(model, tokenizer, is_encoder_decoder) of a Hub id or local folder, ready to generate."""
    from transformers import (
        AutoConfig,
        AutoModelForCausalLM,
        AutoModelForSeq2SeqLM,
        AutoTokenizer,
    )
    from transformers.utils import logging as hf_logging

    from workbench.hub import ModelUnavailable, unavailable_message

    hf_logging.disable_progress_bar()
    try:
        seq2seq = bool(AutoConfig.from_pretrained(name).is_encoder_decoder)
        tokenizer = AutoTokenizer.from_pretrained(name)
        auto = AutoModelForSeq2SeqLM if seq2seq else AutoModelForCausalLM
        model = auto.from_pretrained(name).to(device).eval()
    except OSError as exc:
        raise ModelUnavailable(unavailable_message(name, exc)) from None
    if tokenizer.pad_token_id is None:
        tokenizer.pad_token = tokenizer.eos_token
    return model, tokenizer, seq2seq


def _lang_id(tokenizer: Any, code: str) -> int:
    """The token id that starts text in language `code` (M2M100: get_lang_id; NLLB: a token)."""
    if hasattr(tokenizer, "get_lang_id"):
        return int(tokenizer.get_lang_id(code))
    token_id = tokenizer.convert_tokens_to_ids(code)
    if token_id is None or token_id == tokenizer.unk_token_id:
        raise ConfigError(f"augment.pivot_lang / source_lang: {code!r} is not a language token "
                          "of this translation model's tokenizer")
    return int(token_id)


def generate(loaded: tuple[Any, Any, bool], texts: Sequence[str], settings: Mapping[str, Any],
             aug: Mapping[str, Any], *, prompt: str | None = None, src_lang: str | None = None,
             tgt_lang: str | None = None) -> list[str]:
    """Rewrite each text with a loaded model, in batches; a causal model gets `prompt`."""
    import torch

    model, tok, seq2seq = loaded
    kwargs: dict[str, Any] = {
        "max_new_tokens": settings["max_new_tokens"], "num_beams": settings["num_beams"],
        "do_sample": settings["do_sample"], "pad_token_id": tok.pad_token_id,
    }
    if settings["do_sample"]:
        kwargs.update(temperature=settings["temperature"], top_p=settings["top_p"])
    if src_lang is not None and hasattr(tok, "src_lang"):
        tok.src_lang = src_lang
    if tgt_lang is not None:
        kwargs["forced_bos_token_id"] = _lang_id(tok, tgt_lang)
    limit: dict[str, Any] = {"truncation": True, "max_length": aug["max_input_tokens"]}
    if not seq2seq:  # cut the text, never the prompt around it
        tok.padding_side = "left"
        texts = [(prompt or "{text}").format(text=tok.decode(
            tok(t, add_special_tokens=False, **limit)["input_ids"])) for t in texts]
        limit = {}
    device = next(model.parameters()).device
    out: list[str] = []
    for start in range(0, len(texts), aug["batch_size"]):
        batch = tok(list(texts[start:start + aug["batch_size"]]), return_tensors="pt",
                    padding=True, **limit).to(device)
        with torch.inference_mode():
            ids = model.generate(**batch, **kwargs)
        if not seq2seq:
            ids = ids[:, batch["input_ids"].shape[1]:]
        decoded = tok.batch_decode(ids, skip_special_tokens=True)
        out.extend(" ".join(d.strip().split("\n")[0].split()) if not seq2seq
                   else " ".join(d.split()) for d in decoded)
    return out


def _rewrite(rows: pd.DataFrame, chain: Sequence[tuple[str, dict[str, Any]]],
             settings: Mapping[str, Any], aug: Mapping[str, Any], device: Any
             ) -> tuple[list[dict[str, str]], dict[str, int]]:
    """Pass every turn text and summary (tags protected) through the models of `chain` in turn
    (one model in memory at a time); keep the rows whose every text kept its tags."""
    ph = aug["placeholder"]
    per_row = []
    for dialogue, refs in zip(rows["dialogue"], rows["references"], strict=True):
        turns = split_turns(dialogue)
        texts = [t for _, t in turns] + [wdata.clean_text(refs[0], "minimal")]
        per_row.append((turns, texts, [protect(t, ph) for t in texts]))
    unique = list(dict.fromkeys(p for _, _, protected in per_row for p, _ in protected))
    current = unique
    for name, extra in chain:
        loaded = load_model(name, device)
        try:
            current = generate(loaded, current, settings, aug, **extra)
        finally:
            del loaded
            _free()
    done = dict(zip(unique, current, strict=True))
    kept: list[dict[str, str]] = []
    stats = {"rows": len(rows), "kept": 0, "dropped_tag_lost": 0, "dropped_empty": 0}
    for fname, (turns, texts, protected) in zip(rows["fname"], per_row, strict=True):
        new = [unprotect(done[p], tags, ph) for p, tags in protected]
        if any(not n.strip() for n in new):
            stats["dropped_empty"] += 1
        elif not all(same_tags(t, n) for t, n in zip(texts, new, strict=True)):
            stats["dropped_tag_lost"] += 1
        else:
            dialogue = join_turns([(p, n) for (p, _), n in zip(turns, new[:-1], strict=True)])
            kept.append({"fname": str(fname), "dialogue": dialogue, "summary": new[-1]})
    stats["kept"] = len(kept)
    return kept, stats


def _free() -> None:
    """Release a generation model's memory before the next one (or the trial's model) loads."""
    gc.collect()
    try:
        import torch

        if torch.cuda.is_available():
            torch.cuda.empty_cache()
    except ImportError:
        pass


def _device(config: Mapping[str, Any]) -> Any:
    """CUDA when there is one and runtime.use_cpu is off, else the CPU (as the backends do)."""
    import torch

    use_cpu = config["runtime"]["use_cpu"] or not torch.cuda.is_available()
    return torch.device("cpu" if use_cpu else "cuda")


def _build(op: str, rows: pd.DataFrame, config: Mapping[str, Any]
           ) -> tuple[list[dict[str, str]], dict[str, int]]:
    """Run one operation over `rows`: the augmented pairs kept, and counts of those dropped."""
    aug = config["augment"]
    seed = aug["seed"]
    if op in ("paraphrase", "backtranslation"):
        from transformers import set_seed

        set_seed(seed)
        if op == "paraphrase":
            chain = [(aug["paraphrase_model"], {"prompt": aug["paraphrase_prompt"]})]
            settings = aug["paraphrase_generation"]
        else:
            src, pivot = aug["source_lang"], aug["pivot_lang"]
            chain = [(aug["to_pivot_model"], {"src_lang": src, "tgt_lang": pivot}),
                     (aug["from_pivot_model"], {"src_lang": pivot, "tgt_lang": src})]
            settings = aug["translation_generation"]
        return _rewrite(rows, chain, settings, aug, _device(config))
    kept: list[dict[str, str]] = []
    stats = {"rows": len(rows), "kept": 0}
    if op == "speaker_swap":
        stats["skipped_single_speaker"] = 0
    for fname, dialogue, refs in zip(rows["fname"], rows["dialogue"], rows["references"],
                                     strict=True):
        rng = random.Random(f"{seed}:{op}:{fname}")
        if op == "speaker_swap":
            swapped = swap_speakers(dialogue, refs[0], rng)
            if swapped is None:
                stats["skipped_single_speaker"] += 1
                continue
            new_dialogue, summary = swapped
        else:
            new_dialogue, summary = noisy_turns(dialogue, aug["noise_rate"], rng), refs[0]
        kept.append({"fname": str(fname), "dialogue": new_dialogue, "summary": summary})
    stats["kept"] = len(kept)
    return kept, stats


# --------------------------------------------------------------------------- cache


def rows_hash(rows: pd.DataFrame) -> str:
    """sha256 of the rows an operation rewrites: fname, dialogue and first reference, in order."""
    h = hashlib.sha256()
    for fname, dialogue, refs in zip(rows["fname"], rows["dialogue"], rows["references"],
                                     strict=True):
        for part in (str(fname), dialogue, refs[0] if refs else ""):
            h.update(part.encode("utf-8") + b"\0")
    return h.hexdigest()


def cache_key(op: str, rows: pd.DataFrame, aug: Mapping[str, Any]) -> dict[str, Any]:
    """Everything an operation's output depends on: data, operation, models, settings, seed."""
    key: dict[str, Any] = {"version": FORMAT_VERSION, "op": op, "data": rows_hash(rows),
                           "seed": aug["seed"]}
    if op == "paraphrase":
        key.update(models=[aug["paraphrase_model"]], prompt=aug["paraphrase_prompt"],
                   generation=dict(aug["paraphrase_generation"]))
    elif op == "backtranslation":
        key.update(models=[aug["to_pivot_model"], aug["from_pivot_model"]],
                   langs=[aug["source_lang"], aug["pivot_lang"]],
                   generation=dict(aug["translation_generation"]))
    elif op == "turn_noise":
        key.update(noise_rate=aug["noise_rate"])
    if op in NEEDS:
        key.update(placeholder=aug["placeholder"], max_input_tokens=aug["max_input_tokens"],
                   batch_size=aug["batch_size"])
    return key


def _digest(value: Any) -> str:
    """sha256 of a JSON value in canonical form (sorted keys, no spaces)."""
    text = json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass
class Entry:
    """One cached operation output and how this trial got it."""

    op: str
    file: Path
    rows: list[dict[str, str]]
    stats: dict[str, int]
    hit: bool
    build_s: float
    load_s: float
    rebuilt: str | None = None

    def info(self) -> dict[str, Any]:
        """What the trial's record says about this entry."""
        return {"op": self.op, "file": paths.shown(self.file), "hit": self.hit,
                "build_s": round(self.build_s, 3), "load_s": round(self.load_s, 3),
                "rebuilt": self.rebuilt, **self.stats}


def _read(file: Path, key: Mapping[str, Any]) -> tuple[dict[str, Any] | None, str | None]:
    """A cache entry's content, or (None, why it cannot be used) when missing or corrupt."""
    if not file.is_file():
        return None, None
    try:
        entry = json.loads(file.read_text(encoding="utf-8"))
        body = {"rows": entry["rows"], "stats": entry["stats"]}
        if entry["key"] != key:
            return None, "key mismatch"
        if _digest(body) != entry["content_sha256"]:
            return None, "content hash mismatch"
        return entry, None
    except (ValueError, KeyError, TypeError, UnicodeDecodeError) as exc:
        return None, f"unreadable ({type(exc).__name__})"


def _write(file: Path, key: Mapping[str, Any], rows: list[dict[str, str]],
           stats: dict[str, int], build_s: float) -> None:
    """Write an entry to a temporary file and move it into place in one step."""
    body = {"rows": rows, "stats": stats}
    entry = {"key": key, "content_sha256": _digest(body), "build_s": build_s,
             "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"), **body}
    tmp = file.with_name(f".{file.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    tmp.write_text(json.dumps(entry, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, file)


def cached(op: str, rows: pd.DataFrame, config: Mapping[str, Any]) -> Entry:
    """The operation's output over `rows`, from the cache or built (and stored) now.

    A file lock per entry makes concurrent trials (threads, worker processes) wait for one
    build instead of repeating it; a corrupt entry is replaced by a fresh build.
    """
    key = cache_key(op, rows, config["augment"])
    file = paths.cache("augment") / f"{op}-{_digest(key)[:20]}.json"
    with paths.build_lock(file):
        start = time.perf_counter()
        entry, problem = _read(file, key)
        if entry is not None:
            return Entry(op, file, entry["rows"], entry["stats"], True, entry["build_s"],
                         time.perf_counter() - start)
        start = time.perf_counter()
        rows_out, stats = _build(op, rows, config)
        build_s = time.perf_counter() - start
        _write(file, key, rows_out, stats, build_s)
        return Entry(op, file, rows_out, stats, False, build_s, 0.0, problem)


# --------------------------------------------------------------------------- per trial


def pick_rows(train: pd.DataFrame, share: float, seed: int) -> pd.DataFrame:
    """round(share x rows) (at least one) train rows, drawn with `seed`, in drawn order."""
    n = len(train)
    count = min(n, max(1, round(share * n)))
    order = random.Random(f"{seed}:rows").sample(range(n), count)
    return train.iloc[order].reset_index(drop=True)


def apply(train: pd.DataFrame, hp: Mapping[str, Any], config: Mapping[str, Any]
          ) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The trial's training frame (train plus its augmented rows) and, for TrialOutcome.extra,
    {"augmentation": strategy, rows added, cache entries used (hit or built, seconds)}."""
    strategy = active_strategy(hp)
    info: dict[str, Any] = {"strategy": strategy, "train_rows": len(train), "added": 0}
    if strategy not in STRATEGIES:
        raise ConfigError(f"hparams.augmentation_strategy: {strategy!r} is not one of "
                          f"{', '.join(STRATEGIES)}")
    if strategy == "none" or len(train) == 0:
        return train, {"augmentation": info}
    aug = config["augment"]
    for key, what in missing_models(strategy, aug):
        raise ConfigError(f"augment.{key}: augmentation_strategy {strategy!r} needs {what}; "
                          f"set augment.{key} in the preset or the overrides")
    picked = pick_rows(train, aug["share"], aug["seed"])
    ops = STRATEGIES[strategy]
    entries = [cached(op, picked, config) for op in ops]
    by_fname = train.set_index("fname", drop=False)
    new_rows = []
    for k, entry in enumerate(entries):
        mine = set(picked["fname"].iloc[k::len(ops)])
        for row in entry.rows:
            if row["fname"] not in mine:
                continue
            source = by_fname.loc[row["fname"]]
            new = {"fname": f"{row['fname']}~{entry.op}", "dialogue": row["dialogue"],
                   "references": [row["summary"]]}
            if "topic" in train.columns:
                new["topic"] = source["topic"]
            new_rows.append(new)
    added = pd.DataFrame(new_rows, columns=list(train.columns))
    frame = pd.concat([train, added], ignore_index=True) if new_rows else train
    info.update(share=aug["share"], added=len(new_rows),
                build_s=round(sum(e.build_s for e in entries if not e.hit), 3),
                entries=[e.info() for e in entries])
    return frame, {"augmentation": info}


def strategy_scores(trials: Sequence[Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """Per strategy a trial trained with (from its record entry): completed trials, best and
    mean dev score, and the augmented rows it added; the record's trials list is the input."""
    out: dict[str, dict[str, Any]] = {}
    for t in trials:
        info = (t.get("extra") or {}).get("augmentation")
        if info is None or t.get("value") is None:
            continue
        row = out.setdefault(info["strategy"], {"trials": 0, "values": [], "added": []})
        row["trials"] += 1
        row["values"].append(t["value"])
        row["added"].append(info["added"])
    return {s: {"trials": r["trials"], "best": max(r["values"]),
                "mean": sum(r["values"]) / len(r["values"]), "added": r["added"]}
            for s, r in out.items()}
