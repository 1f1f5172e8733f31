"""Ingestion: sources file, fetching, parsing, extraction, de-duplication, pipeline."""
