"""Tests of operations: webhook mode, /healthz and /metrics, the instance lock, backup."""
