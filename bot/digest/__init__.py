"""Digests: compose (pure) → render (pure) → deliver."""
