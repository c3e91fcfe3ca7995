"""Curator and scale tools: candidate facts from a source text (extract) and synthetic
national data (synth)."""
