"""The build: plan the notebook jobs, execute them, render HTML and PDF, assemble the
report, export tables and figures, publish atomically."""
