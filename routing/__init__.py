"""The daily planning model, solver and route sheets (no Streamlit here)."""
