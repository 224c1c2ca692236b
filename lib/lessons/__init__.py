"""One package per lesson: lab (numbers), figures, code (what the page shows), texts."""
