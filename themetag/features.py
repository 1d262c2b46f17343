"""Featurisation: TF-IDF over character n-grams and jieba words of normalised text."""

from __future__ import annotations

import logging
from functools import lru_cache

import jieba
import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion

from themetag.settings import Settings

jieba.setLogLevel(logging.WARNING)


@lru_cache(maxsize=50_000)
def _cut(text: str) -> tuple[str, ...]:
    return tuple(word for word in jieba.lcut(text) if any(c.isalnum() for c in word))


def jieba_words(text: str) -> list[str]:
    """The words of a normalised text, as jieba cuts them, without spaces and punctuation."""
    # Cross-validation featurises every segment once per fold: the cache cuts each once.
    return list(_cut(text))


def build_featurizer(settings: Settings) -> FeatureUnion:
    """The TF-IDF feature union the settings ask for: character n-grams, words, or both."""
    common = {"min_df": settings.min_df, "sublinear_tf": settings.sublinear_tf, "dtype": np.float32}
    parts = []
    if settings.char_ngrams:
        chars = TfidfVectorizer(analyzer="char", ngram_range=tuple(settings.char_ngrams), **common)
        parts.append(("chars", chars))
    if settings.use_words:
        parts.append(("words", TfidfVectorizer(analyzer=jieba_words, **common)))
    if not parts:
        raise ValueError("settings select no features: set char_ngrams or use_words")
    return FeatureUnion(parts)
