"""Featurisation: TF-IDF over character n-grams and jieba words of normalised text."""

from __future__ import annotations

import logging

import jieba
import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion

from themetag.settings import Settings

jieba.setLogLevel(logging.WARNING)


def jieba_words(text: str) -> list[str]:
    """The words of a normalised text, as jieba cuts them, without spaces and punctuation."""
    return [word for word in jieba.lcut(text) if any(c.isalnum() for c in word)]


def build_featurizer(settings: Settings) -> FeatureUnion:
    """The TF-IDF feature union the settings ask for."""
    parts = [
        (
            "chars",
            TfidfVectorizer(
                analyzer="char",
                ngram_range=tuple(settings.char_ngrams),
                min_df=settings.min_df,
                sublinear_tf=settings.sublinear_tf,
                dtype=np.float32,
            ),
        )
    ]
    if settings.use_words:
        parts.append(
            (
                "words",
                TfidfVectorizer(
                    analyzer=jieba_words,
                    min_df=settings.min_df,
                    sublinear_tf=settings.sublinear_tf,
                    dtype=np.float32,
                ),
            )
        )
    return FeatureUnion(parts)
