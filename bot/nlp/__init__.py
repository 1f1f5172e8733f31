"""Russian text analysis: clean-up, sentences, lemmas, countries, topics, summaries."""
