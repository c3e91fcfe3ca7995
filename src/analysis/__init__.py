"""Benchmarking municipal hikikomori support in Tokyo: sourced tidy tables and reports."""

import sys

__version__ = "0.1.0"

# jsonschema (under nbformat, papermill and nbconvert) imports its optional "iri" format
# checker, rfc3987-syntax 1.1.0, which compiles a grammar at import: 1.7 s in every process
# that reads a notebook — each build worker and the main process (python-jsonschema/
# jsonschema#1428). No schema this package validates uses the iri formats, so the module is
# marked absent here, before jsonschema can be imported; jsonschema then leaves those two
# formats unchecked, as it does whenever the optional package is not installed.
sys.modules.setdefault("rfc3987_syntax", None)
