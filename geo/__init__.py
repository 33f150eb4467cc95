"""Road network, travel times, coverage and siting (no Streamlit here)."""
