"""Foundations every layer may use: paths, errors, labels, municipality codes, fonts and
spreadsheet-safe cells. Imports nothing else of the package."""
