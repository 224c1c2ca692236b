"""The runnable TensorFlow/Keras code behind each page, filled with the current settings.

A page shows exactly what these functions return, and tests execute that text,
so the code on screen is the code that produced the numbers."""
