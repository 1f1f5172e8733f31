"""Tests of the Russian NLP layer: countries, queries, lemmas."""
