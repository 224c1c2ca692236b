"""What every lesson shares: specs, data, models, the one training API, the Streamlit glue, texts."""
