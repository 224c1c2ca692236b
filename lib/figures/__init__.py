"""Plotly figure builders: pure functions from numbers to ``go.Figure``.

One module per lesson topic; ``style`` holds the look they share."""
