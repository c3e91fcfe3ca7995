"""Benchmarking municipal hikikomori support in Tokyo: sourced tidy tables and reports."""

__version__ = "0.1.0"
