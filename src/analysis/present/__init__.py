"""What readers see: views (charts, tables and sentences) for each output, the charts
themselves and the HTML the notebooks display."""
