"""Telegram handlers, one Router per module."""
