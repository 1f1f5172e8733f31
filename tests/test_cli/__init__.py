"""Tests of the `depesha` command line as real subprocesses: configuration errors, commands."""
