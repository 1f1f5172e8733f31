"""Tests of the local fakes themselves, so other tests can trust them."""
