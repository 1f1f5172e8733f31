"""Test suite for Депеша."""
