"""Comparison metrics: pure functions from the tidy tables to tidy result frames."""
